"""The Spanish catalogue keeps up with the code: Babel's own extractor is run over the tree with
babel.cfg (templates, `_()` / `N_()` / `tr.gettext()` in Python, the API documentation), and
every message it finds must be in app/locale/es/LC_MESSAGES/testigo.po, translated and not
fuzzy; the committed .mo must hold what the .po says; and no template may carry words outside
a `_()` or `{% trans %}` (they would reach a Spanish reader in English, and no extractor sees
them). To fix a failure, see the commands in app/i18n.py's docstring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import openapi_text
from app.i18n import LOCALE_DIR
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "testigo.po"
MO = PO.with_suffix(".mo")
TEMPLATES = sorted(
    [*ROOT.glob("app/**/templates/*.html"), *ROOT.glob("app/**/templates/*.txt")],
)


def _msgid(value: str | tuple[str, ...] | list[str]) -> str:
    return value if isinstance(value, str) else value[0]


def extracted() -> dict[str, str]:
    """msgid -> where it was found, as `pybabel extract -F babel.cfg` finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        msgid = _msgid(message)
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    with PO.open("rb") as po:
        return read_po(po, locale="es_MX")


def _strings(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _translated(catalogue: Catalog, msgid: str) -> bool:
    message = catalogue.get(msgid)
    if message is None or message.fuzzy:
        return False
    return all(_strings(message.string))


def test_every_marked_string_is_translated(catalogue: Catalog) -> None:
    found = extracted()
    assert len(found) > 250, "the extractor found too little: is babel.cfg read?"
    missing = {m: where for m, where in found.items() if catalogue.get(m) is None}
    assert not missing, f"not in {PO.name} (run pybabel extract + update): {missing}"
    untranslated = {m: where for m, where in found.items() if not _translated(catalogue, m)}
    assert not untranslated, f"untranslated or fuzzy in {PO.name}: {untranslated}"


def test_the_catalogue_holds_no_forgotten_messages(catalogue: Catalog) -> None:
    """A message no code uses any more is dead weight a translator would keep translating."""
    found = extracted()
    stale = [_msgid(m.id) for m in catalogue if m.id and _msgid(m.id) not in found]
    assert not stale, f"in {PO.name} but no longer in the code (pybabel update drops them): {stale}"


def test_the_compiled_catalogue_is_the_po(catalogue: Catalog) -> None:
    with MO.open("rb") as mo:
        compiled = read_mo(mo)
    expected = {_msgid(m.id): _strings(m.string) for m in catalogue if m.id}
    got = {_msgid(m.id): _strings(m.string) for m in compiled if m.id}
    assert got == expected, "run: pybabel compile -d app/locale -D testigo"


def test_the_published_api_texts_are_in_the_catalogue(catalogue: Catalog, tmp_path: Path) -> None:
    """What /openapi.json shows people is extracted from the routes; a text made another way
    (built at run time, or in a file babel.cfg does not map) would stay English."""
    schema = create_app(Settings(data_dir=tmp_path), load_index=False).openapi()
    texts = set(openapi_text.texts(schema))
    assert len(texts) > 40
    missing = sorted(t for t in texts if not _translated(catalogue, t))
    assert not missing, missing


# Words a template may show as they are: names, codes and commands, the same in both languages.
VERBATIM = {"Testigo", "testigo", "unsubscribe", "RFC", "ocid", "id", "UTC", "ES", "EN"}
_ATTRIBUTE_TEXT = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def _literal_words(path: Path) -> list[str]:
    """The words of a template outside `_()`, `{% trans %}` and code: what no catalogue holds.
    Every Jinja construct is blanked first, so a tag split by `{% if %}` reads as one tag."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", " ", source, flags=re.S)
    source = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", "\x00", source, flags=re.S)
    source = re.sub(r"<code>.*?</code>|<!--.*?-->", " ", source, flags=re.S)
    texts = _ATTRIBUTE_TEXT.findall(source)
    texts.append(re.sub(r"<[^>]*>|&\w+;", " ", source))
    return [
        word
        for text in texts
        for word in re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)
        if word not in VERBATIM
    ]


def test_the_template_check_sees_an_unmarked_word(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<p title="Hola">{{ _("Firms") }} <a href="/x"{% if a %} class="b"{% endif %}>Firms</a>'
        "{% trans %}Sign in{% endtrans %} <code>testigo link</code></p>"
    )
    assert _literal_words(page) == ["Hola", "Firms"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_carry_no_untranslated_words(path: Path) -> None:
    words = _literal_words(path)
    assert not words, f"{path.name}: words outside _() or {{% trans %}}: {words}"
