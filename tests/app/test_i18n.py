"""Spanish first, English available: how a page's language is chosen (`?lang=` and its cookie,
Accept-Language, `TESTIGO_LANGUAGE`), the ES | EN switch on every page, Mexican dates and
amounts, the verdict, evidence and error sentences in Spanish, machine fields still English, and
/openapi.json in the reader's language. On the real SFP directory and SAT 69-B list, linked,
with GARZA GAS winning an award inside its debarment (one SQLite database: the language is not
the database's business)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import migrations
from app.i18n import (
    COOKIE,
    format_day,
    format_money,
    from_accept_language,
    negotiate,
    translations,
)
from app.main import create_app
from app.settings import Settings
from matching import explain
from matching.rfc import NotAnRfc, lookup
from tests.app.test_pages import GARZA_RFC, _sign_in, new_key, prepare_site
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def site(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("i18n"))
    migrations.upgrade(settings)
    return prepare_site(settings, trained_model, tmp_path_factory.mktemp("ocds"))


def _client(settings: Settings, **headers: str) -> Iterator[TestClient]:
    app = create_app(settings, load_index=False)
    app.state.index.load()
    with TestClient(app, follow_redirects=False, headers=headers) as client:
        yield client


@pytest.fixture
def client(site: Settings) -> Iterator[TestClient]:
    """A browser that states no language, as `curl` or a bare HTTP client does."""
    yield from _client(site)


# --- choosing the language, on plain values ---------------------------------------------------


def test_accept_language_is_read_by_its_weights() -> None:
    assert from_accept_language("es-MX,es;q=0.9,en;q=0.8") == "es"
    assert from_accept_language("en-US,en;q=0.9,es-MX;q=0.8") == "en"
    assert from_accept_language("fr-FR, en;q=0.3, es;q=0.7") == "es"  # French: not ours
    assert from_accept_language("de, fr") is None
    assert from_accept_language("es;q=0, en;q=0.1") == "en"  # q=0: not acceptable
    assert from_accept_language("*") is None and from_accept_language(None) is None
    assert from_accept_language("es;q=nonsense, en") == "en"


def test_the_order_is_query_cookie_header_setting() -> None:
    everything = {"query": "en", "cookie": "es", "accept": "es-MX", "default": "es"}
    assert negotiate(**everything) == "en"  # type: ignore[arg-type]
    assert negotiate(query=None, cookie="en", accept="es-MX", default="es") == "en"
    assert negotiate(query=None, cookie=None, accept="en-GB", default="es") == "en"
    assert negotiate(query=None, cookie=None, accept=None, default="en") == "en"
    assert negotiate(query=None, cookie=None, accept=None, default="es") == "es"
    # Something we do not speak is passed over, not obeyed.
    assert negotiate(query="fr", cookie="xx", accept="de", default="es") == "es"


def test_mexican_dates_and_amounts() -> None:
    assert format_day(date(2026, 11, 24), "es") == "24 de noviembre de 2026"
    assert format_day("2026-06-10", "es") == "10 de junio de 2026"
    assert format_day(datetime(2026, 1, 2, 8, 30), "es") == "2 de enero de 2026"
    assert format_day("2026-11-24", "en") == "2026-11-24"  # English keeps ISO dates
    assert format_day(None, "es") == "?" and format_day("sin fecha", "es") == "sin fecha"
    assert format_money(Decimal("125000"), "MXN", "es") == "$125,000.00 MXN"
    assert format_money(1250000.5, "mxn", "es") == "$1,250,000.50 MXN"
    assert format_money(Decimal("1000"), "USD", "es") == "1,000.00 USD"  # `$` would say pesos
    assert format_money(Decimal("125000"), "MXN", "en") == "125,000.00 MXN"
    assert format_money(None, "MXN", "es") == "—"


def test_sentences_from_matching_take_a_catalogue_and_default_to_english() -> None:
    es = translations("es")
    evidence = [{"comparison": "rfc", "level": "exact", "match_weight": 11.7}]
    assert explain.reasons(evidence)[0].sentence == "The RFC (tax id) is the same."
    (reason,) = explain.reasons(evidence, es)
    assert (reason.sentence, reason.strength, reason.direction) == (
        "El RFC es el mismo.",
        "muy a favor",
        "for",  # a code (a CSS class): never translated
    )
    assert explain.certainty(0.995, es) == "casi con certeza la misma empresa"
    words = explain.verdict_words("barred", "24 de noviembre de 2026", es)
    assert words["badge"] == "INHABILITADO"
    assert words["headline"] == (
        "No adjudique: este proveedor está inhabilitado para contratar con el sector público "
        "el 24 de noviembre de 2026."
    )
    assert explain.verdict_words("clear", "2026-11-24")["badge"] == "CLEAR"
    with pytest.raises(NotAnRfc) as refused:
        lookup("XAXX010101000")
    assert "identifies nobody" in str(refused.value)  # the API's and the CLI's message
    assert refused.value.in_words(es) == (
        "XAXX010101000 es el RFC genérico para ventas al público en general: no identifica a "
        "nadie. Dé el RFC propio del proveedor, o verifíquelo por nombre"
    )


# --- over HTTP ----------------------------------------------------------------------------------


def _switch(page: str) -> dict[str, str]:
    """The ES | EN switch: language -> link (the current language is not a link)."""
    found = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', page, re.S)
    assert found, "no language switch on the page"
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', found.group(1))
    return {lang: href.replace("&amp;", "&") for href, lang in links}


def test_spanish_by_default_and_english_on_request(client: TestClient, site: Settings) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert '<html lang="es-MX">' in page.text and "<h1>Iniciar sesión</h1>" in page.text
    assert _switch(page.text) == {"en": "/sign-in?lang=en"}
    english = client.get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "<h1>Sign in</h1>" in english.text
    assert "set-cookie" not in english.headers  # a header is not a choice to remember
    assert _switch(english.text) == {"es": "/sign-in?lang=es"}
    # The deployment's language where the browser says nothing we speak.
    english_site = site.model_copy(update={"language": "en"})
    for other in _client(english_site, **{"Accept-Language": "de-DE"}):
        assert "<h1>Sign in</h1>" in other.get("/sign-in").text


def test_the_switch_is_remembered_and_keeps_the_page(client: TestClient, site: Settings) -> None:
    _sign_in(client, new_key(site, "auditor"))
    check = client.get("/check", params={"q": "Garza Gas SA de CV", "on": "2026-11-24"})
    link = _switch(check.text)["en"]
    assert link == "/check?q=Garza+Gas+SA+de+CV&on=2026-11-24&lang=en"  # same query, English
    switched = client.get(link)
    assert switched.status_code == 200 and "BARRED" in switched.text
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=en;") and "samesite=lax" in cookie.lower()
    # The cookie now outranks the browser's Accept-Language, on every page.
    for path in ("/check", "/firms", "/alerts", "/review"):
        page = client.get(path, headers={"Accept-Language": "es-MX"})
        assert page.status_code == 200 and '<html lang="en">' in page.text, path
        assert _switch(page.text) == {"es": f"{path}?lang=es"}, path
    back = client.get("/alerts?lang=es")
    assert "Alertas: empresas sancionadas" in back.text
    assert back.headers["set-cookie"].startswith(f"{COOKIE}=es;")
    assert "Alertas: empresas sancionadas" in client.get("/alerts").text


def test_a_barred_supplier_in_spanish(client: TestClient, site: Settings) -> None:
    _sign_in(client, new_key(site, "officer"))
    page = client.get("/check", params={"q": "Garza Gas SA de CV", "on": "2026-11-24"})
    assert page.status_code == 200
    text = page.text
    assert 'class="verdict verdict-barred"' in text  # the code, as in every language
    assert '<span class="badge">INHABILITADO</span>' in text
    assert (
        "No adjudique: este proveedor está inhabilitado para contratar con el sector público "
        "el 24 de noviembre de 2026." in text
    )
    assert "10 de junio de 2026 – 28 de marzo de 2028" in text  # the debarment's period
    assert "Proveedores sancionados de la SFP" in text and "inhabilitación" in text
    assert "publicado el 11 de junio de 2026" in text
    assert "El nombre es el mismo" in text  # why it is this firm, in words
    assert re.search(r"(Casi con certeza|Muy probablemente) la misma empresa \(probabilidad", text)
    assert "Do not award" not in text and "BARRED" not in text
    # The RFC rule's own sentence, made for this reader by the check.
    by_rfc = client.get("/check", params={"q": GARZA_RFC, "on": "2026-11-24"}).text
    assert f"El RFC {GARZA_RFC} es de esta empresa y su dígito verificador es correcto" in by_rfc
    typo = client.get("/check", params={"q": "GGA8306134F5", "on": "2026-11-24"}).text
    assert "está a un error de dedo" in typo and "El dígito verificador de este RFC" in typo
    # What an officer did wrong, in Spanish.
    generic = client.get("/check", params={"q": "XAXX010101000"})
    assert generic.status_code == 422 and "no identifica a nadie" in generic.text
    bad_day = client.get("/check", params={"q": "ACME", "on": "31/12/2026"})
    assert bad_day.status_code == 422 and "debe tener la forma 2026-11-24" in bad_day.text


def test_the_api_keeps_its_machine_fields_in_english(client: TestClient, site: Settings) -> None:
    key = new_key(site, "officer")
    answer = client.get(
        "/v1/check",
        params={"name": "Garza Gas SA de CV", "on": "2026-11-24"},
        headers={"X-API-Key": key, "Accept-Language": "es-MX"},
    )
    body = answer.json()
    assert body["verdict"] == "barred" and {"matches", "sanctions", "as_of"} <= set(body)
    assert body["sanctions"][0]["kind"] == "debarment"
    assert body["sanctions"][0]["start"] == "2026-06-10"
    by_rfc = client.get(
        "/v1/check",
        params={"rfc": GARZA_RFC, "on": "2026-11-24"},
        headers={"X-API-Key": key, "Accept-Language": "es-MX"},
    ).json()
    details = [e.get("detail") for m in by_rfc["matches"] for e in m["evidence"]]
    assert any(d and d.startswith(f"The RFC {GARZA_RFC} is this firm's") for d in details)


def test_error_pages_in_spanish(client: TestClient, site: Settings) -> None:
    _sign_in(client, new_key(site, "officer"))
    refused = client.get("/alerts")
    assert refused.status_code == 403
    assert "<h1>No permitido</h1>" in refused.text
    assert "Esta página es para auditores; el rol officer no puede verla." in refused.text
    assert _switch(refused.text) == {"en": "/alerts?lang=en"}
    _sign_in(client, new_key(site, "auditor"))
    missing = client.get("/firms/tg_000000000000")
    assert missing.status_code == 404 and "No existe la empresa" in missing.text
    expired = client.post("/sign-out", data={"csrf": "forged"})
    assert expired.status_code == 403 and "Este formulario caducó" in expired.text
    unknown = client.post("/sign-in", data={"key": "tg_not-a-key", "next": "/check"})
    assert unknown.status_code == 401 and "Esa clave no existe o fue revocada" in unknown.text


def test_the_firm_and_alert_pages_in_spanish(client: TestClient, site: Settings) -> None:
    _sign_in(client, new_key(site, "auditor"))
    alerts = client.get("/alerts").text
    assert "1 de agosto de 2026" in alerts  # the award's day
    assert re.search(r'<span class="sev sev-high">alta</span>', alerts)  # class: the code
    assert "Confirmar alerta" in alerts
    found = client.get("/firms", params={"q": GARZA_RFC}).text
    entity = re.search(r'href="/firms/(tg_[0-9a-f]+)"', found)
    assert entity, found
    firm = client.get(f"/firms/{entity.group(1)}").text
    assert "Adjudicaciones frente a los periodos de sanción" in firm
    assert "inhabilitación 10 de junio de 2026 – 28 de marzo de 2028" in firm  # the band's title
    assert "<td>sí</td>" in firm  # won while debarred


def test_the_api_documentation_in_the_readers_language(client: TestClient) -> None:
    spanish = client.get("/openapi.json").json()
    check = spanish["paths"]["/v1/check"]["get"]
    assert check["summary"] == "Verificar un proveedor"
    assert check["description"].startswith("¿Puedo adjudicar a este proveedor en este día?")
    assert {p["name"]: p["description"] for p in check["parameters"]}["rfc"] == (
        "El RFC del proveedor"
    )
    assert spanish["info"]["description"].startswith("Resolución de entidades")
    # Paths, parameter names and schemas are the same in every language.
    english = client.get("/openapi.json", headers={"Accept-Language": "en"}).json()
    assert english["paths"]["/v1/check"]["get"]["summary"] == "Get Check"
    assert english["paths"].keys() == spanish["paths"].keys()
    assert english["components"] == spanish["components"]
    assert client.get("/openapi.json?lang=en").json() == english
