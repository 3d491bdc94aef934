"""The language a person reads: Mexican Spanish first, English available.

Officers work in Spanish, so Spanish is the default (`Settings.language`, `TESTIGO_LANGUAGE`);
English is the source language of every text (the msgids), so the English "translation" is
gettext's identity and cannot fall out of step with the code.

A page's language is, in this order: `?lang=` (a click on the ES | EN switch, remembered in the
`testigo_lang` cookie), that cookie, the browser's `Accept-Language`, then the setting. Machine
fields (JSON keys, verdict codes such as `barred`, the API's own messages) stay English; only
what a person reads on a page or in the digest mail is translated.

Catalogues are gettext's, kept with Babel (`babel.cfg`, domain `testigo`):
    pybabel extract -F babel.cfg -o var/testigo.pot --no-location .
    pybabel update -i var/testigo.pot -d app/locale -D testigo --ignore-obsolete
    pybabel compile -d app/locale -D testigo
`tests/test_catalogue.py` fails when a marked string is missing from the Spanish catalogue,
untranslated, or the compiled `.mo` is not the `.po`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

# The marker and the English identity catalogue, re-exported for app/ modules.
from matching.explain import ENGLISH as ENGLISH
from matching.explain import N_ as N_
from matching.explain import Translator as Translator

Language = Literal["es", "en"]
LANGUAGES: tuple[Language, ...] = ("es", "en")
LOCALES: Mapping[Language, str] = {"es": "es_MX", "en": "en"}
COOKIE = "testigo_lang"
COOKIE_AGE = 365 * 24 * 3600
DOMAIN = "testigo"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# What the codes in the data mean, in English (the msgids); shown through a catalogue.
REGISTRIES = {
    "sfp": N_("SFP sanctioned suppliers"),
    "sat-69b": N_("SAT Article 69-B list"),
    "pdn-s3": N_("PDN System 3"),
}
KINDS = {
    "debarment": N_("debarment (inhabilitación)"),
    "fine": N_("fine (multa)"),
    "efos_definitivo": N_("shell-invoice firm, definitive (Definitivo)"),
    "efos_presunto": N_("presumed shell-invoice firm (Presunto)"),
    "efos_desvirtuado": N_("cleared of the presumption (Desvirtuado)"),
    "efos_sentencia_favorable": N_("court ruling in its favour (Sentencia favorable)"),
    "other": N_("other sanction"),
}


def sanction_kind(kind: str, status: str | None, tr: Translator = ENGLISH) -> str:
    """A sanction's kind in words, with the registry's own status word once: the 69-B kinds
    already name their status ("definitive (Definitivo)"), so it is not repeated after them."""
    label = tr.gettext(KINDS[kind]) if kind in KINDS else kind
    if status and f"({status})".casefold() not in label.casefold():
        label = f"{label} ({status})"
    return label


SOURCES = {
    "ocds": N_("OCDS contracts"),
    "sfp": N_("SFP sanctioned suppliers"),
    "sat-69b": N_("SAT 69-B list"),
    "pdn-s3": N_("PDN System 3"),
    "cdmx-sefin": N_("Mexico City supplier register"),
}
# Codes the pages and the mail show as words (alert severity and status, an award's kind,
# its date basis, a judgement): the codes stay English in the data and the API.
WORDS = {
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "new": N_("new"),
    "confirmed": N_("confirmed"),
    "dismissed": N_("dismissed"),
    "award": N_("award"),
    "contract": N_("contract"),
    "award date": N_("award date"),
    "date signed": N_("date signed"),
    "period start": N_("period start"),
    "same": N_("same"),
    "different": N_("different"),
    "linked": N_("linked"),
    "review": N_("review"),
    "rejected": N_("rejected"),
}


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: Language) -> NullTranslations:
    """The catalogue of `lang`: English is the source text, so it is the identity."""
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [LOCALES[lang]], DOMAIN)


def templates(folder: Path, lang: Language, *, keep_trailing_newline: bool = False) -> Environment:
    """Jinja templates in `folder` with the catalogue of `lang` installed: the one set-up of
    the pages and the digest mail. Autoescape for .html only (a mail's text part must show "&"
    and "<" as they are); StrictUndefined turns a typo in a template into an error in the tests
    instead of a silent blank; whitespace inside {% trans %} is collapsed, as babel.cfg tells
    the extractor."""
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def supported(value: str | None) -> Language | None:
    """`value` as one of ours: its primary subtag (`es-MX` is `es`), or None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].casefold()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> Language | None:
    """The first of our languages in an Accept-Language header, by the weights it gives."""
    if not header:
        return None
    ranked: list[tuple[float, int, Language]] = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.partition(";")
        lang = supported(tag)
        if lang is None:
            continue
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if weight > 0:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else None


def negotiate(
    *, query: str | None, cookie: str | None, accept: str | None, default: Language
) -> Language:
    return supported(query) or supported(cookie) or from_accept_language(accept) or default


def language(request: Request) -> Language:
    """The language of this request's page (worked out once, kept on the request)."""
    found = getattr(request.state, "lang", None)
    if found is None:
        found = negotiate(
            query=request.query_params.get("lang"),
            cookie=request.cookies.get(COOKIE),
            accept=request.headers.get("accept-language"),
            default=request.app.state.settings.language,
        )
        request.state.lang = found
    return cast(Language, found)


def remember(request: Request, response: Response) -> None:
    """A language chosen with `?lang=` is kept for the next pages (not an HttpOnly secret:
    only a preference, but sent to this site only)."""
    chosen = supported(request.query_params.get("lang"))
    if chosen is not None and chosen != supported(request.cookies.get(COOKIE)):
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_AGE,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )


def switch_url(request: Request, lang: Language) -> str:
    """This page's address in `lang`: same path and query, `lang` replaced."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*kept, ('lang', lang)])}"


def format_day(value: date | datetime | str | None, lang: Language, missing: str = "?") -> str:
    """A date as its reader writes it: `24 de noviembre de 2026` in Spanish, ISO in English
    (what the English pages always showed). A text that is not an ISO date is shown as is."""
    if value is None or value == "":
        return missing
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, datetime) else value
    if lang == "en":
        return day.isoformat()
    return format_date(day, format="long", locale=LOCALES[lang])


def format_money(
    value: Decimal | float | int | None, currency: str | None, lang: Language, missing: str = "—"
) -> str:
    """An amount as Mexican officers write it, `$125,000.00 MXN`; other currencies with their
    code only (`1,000.00 USD`, since `$` would read as pesos). English: `125,000.00 MXN`."""
    if value is None:
        return missing
    code = (currency or "").strip().upper()
    if lang != "en" and code == "MXN":
        return format_currency(value, "MXN", format="¤#,##0.00 ¤¤", locale=LOCALES[lang])
    number = format_decimal(value, format="#,##0.00", locale=LOCALES[lang])
    return f"{number} {code}".strip()
