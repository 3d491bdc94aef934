"""The web pages over the ASGI client, on SQLite and PostgreSQL: sign-in with an API key and
its role, the supplier check an officer reads, and the auditor's firm, alert and review pages,
with the real SFP directory and SAT 69-B list linked and one award that a debarred firm won."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import keys
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from tests.clients import csrf, sign_in
from tests.factories import GARZA_RFC, new_key, rows


@pytest.fixture
def browser(site: Settings) -> Iterator[TestClient]:
    app = create_app(site, load_index=False)
    app.state.index.load()
    # The pages speak Spanish by default; these tests read the English ones (the Spanish are
    # in tests/app/test_i18n.py).
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as client:
        yield client


def test_a_record_held_by_an_rfc_not_from_its_name_is_said_so_in_the_readers_language() -> None:
    """TESTIGO_LINK_ONE_COMPANY_RFC marks such an RFC in the refusal reason, in English; the
    review page says it in Spanish to a Spanish reader."""
    from app.i18n import translations
    from app.web.pages import _held_apart
    from matching.cluster import NOT_FROM_NAME

    reason = f"different RFCs: CDI210804L50 vs QZX850101AB1{NOT_FROM_NAME}"
    assert _held_apart(reason, translations("es")) == (
        "las empresas en que estaban estos registros tienen RFC distintos "
        "(CDI210804L50 vs QZX850101AB1 (no corresponde a su nombre))"
    )
    assert _held_apart(reason) == (
        "the firms these records were in carry different RFCs "
        "(CDI210804L50 vs QZX850101AB1 (not from its name))"
    )


def test_pages_need_a_signed_in_key(browser: TestClient, site: Settings) -> None:
    away = browser.get("/check?q=ACME")
    assert away.status_code == 303
    assert away.headers["location"] == "/sign-in?next=/check%3Fq%3DACME"
    wrong = browser.post("/sign-in", data={"key": "tg_not-a-key", "next": "/check"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    assert "set-cookie" not in wrong.headers
    key = new_key(site, "officer")
    sign_in(browser, key)
    assert browser.get("/check").status_code == 200
    # Never sent off the site after signing in.
    off_site = browser.post("/sign-in", data={"key": key, "next": "//evil.example/"})
    assert off_site.headers["location"] == "/check"
    # Revoking the key ends its sessions.
    engine = make_engine(site)
    try:
        keys.revoke(engine, key[:10])
    finally:
        engine.dispose()
    assert browser.get("/check").status_code == 303


def test_sign_out_ends_the_session(browser: TestClient, site: Settings) -> None:
    sign_in(browser, new_key(site, "officer"))
    page = browser.get("/check").text
    assert browser.post("/sign-out", data={"csrf": "forged"}).status_code == 403
    assert browser.post("/sign-out", data={"csrf": csrf(page)}).status_code == 303
    assert browser.get("/check").status_code == 303


def test_officers_see_the_check_page_only(browser: TestClient, site: Settings) -> None:
    sign_in(browser, new_key(site, "officer"))
    page = browser.get("/check").text
    assert 'href="/alerts"' not in page and 'href="/review"' not in page
    for path in ("/firms", "/alerts", "/review"):
        answer = browser.get(path)
        assert answer.status_code == 403 and "for auditors" in answer.text, path


def test_a_barred_supplier_in_words_with_its_sanction_and_evidence(
    browser: TestClient, site: Settings
) -> None:
    key = new_key(site, "officer")
    sign_in(browser, key)
    page = browser.get("/check", params={"q": "Garza Gas SA de CV", "on": "2026-11-24"})
    assert page.status_code == 200
    text = page.text
    assert 'class="verdict verdict-barred"' in text and "BARRED" in text
    assert "Do not award" in text
    assert "2026-06-10 – 2028-03-28" in text  # the debarment's period
    assert "Aeropuerto" in text  # its authority
    assert "sfp_directorio_sancionados_2026-06-11.json" in text  # the source file
    # The file's own date, not the day it was loaded, says how current the sanction is.
    assert "sfp_directorio_sancionados_2026-06-11.json, published 2026-06-11" in text
    assert "retrieved" not in text
    assert "The name is the same" in text  # why it is this firm, in words
    assert GARZA_RFC in text  # the records as published
    # As over the API, the check is in the audit log under the officer's key. A background
    # thread writes it: wait for it, as /v1/audit does, before reading the table (reading at
    # once failed under load in CI).
    assert browser.app.state.audit.flush()  # type: ignore[attr-defined]
    logged = rows(
        site,
        "SELECT key_name, verdict FROM audit_log WHERE key_name = 'officer at the ministry' "
        "AND verdict = 'barred'",
    )
    assert logged
    # By RFC alone, and before the debarment began.
    by_rfc = browser.get("/check", params={"q": GARZA_RFC, "on": "2026-11-24"}).text
    assert "verdict-barred" in by_rfc
    before = browser.get("/check", params={"q": GARZA_RFC, "on": "2020-01-01"}).text
    assert "verdict-barred" not in before


def test_a_69b_status_is_said_once(browser: TestClient, site: Settings) -> None:
    (definitivo,) = rows(
        site,
        "SELECT rfc FROM sanctions WHERE kind = 'efos_definitivo' AND rfc IS NOT NULL"
        " ORDER BY rfc LIMIT 1",
    )
    sign_in(browser, new_key(site, "officer"))
    page = browser.get("/check", params={"q": definitivo.rfc}).text
    assert "definitive (Definitivo)" in page, page
    assert "(Definitivo) (Definitivo)" not in page


def test_a_clear_supplier_and_a_bad_date(browser: TestClient, site: Settings) -> None:
    sign_in(browser, new_key(site, "officer"))
    page = browser.get("/check", params={"q": "Panaderia Zyxwv Inexistente"}).text
    assert "verdict-clear" in page and "No firm in Testigo" in page
    # A clear verdict says which data it rests on, as of when: the 69-B list is of 2021.
    as_of = re.search(r'<p class="muted as-of">(.*?)</p>', page, re.S)
    assert as_of, page
    assert "SAT Article 69-B list 2021-05-18" in as_of.group(1), as_of.group(1)
    assert "SFP sanctioned suppliers 2026-06-11" in as_of.group(1), as_of.group(1)
    bad = browser.get("/check", params={"q": "ACME", "on": "31/12/2026"})
    assert bad.status_code == 422 and "2026-11-24" in bad.text


def test_the_firm_page_shows_awards_against_sanction_windows(
    browser: TestClient, site: Settings
) -> None:
    sign_in(browser, new_key(site, "auditor"))
    found = browser.get("/firms", params={"q": GARZA_RFC}).text
    entity = re.search(r'href="/firms/(tg_[0-9a-f]+)"', found)
    assert entity, found
    page = browser.get(f"/firms/{entity.group(1)}").text
    assert "<svg" in page and 'class="debarment"' in page
    assert 'class="award inside"' in page  # the 2026-08-01 award, inside the debarment
    assert "ocds-test-garza-1" in page and "Suministro de material" in page
    assert "2026-06-10 – 2028-03-28" in page
    assert browser.get("/firms/tg_000000000000").status_code == 404


def test_reviewing_an_alert(browser: TestClient, site: Settings) -> None:
    sign_in(browser, new_key(site, "auditor"))
    page = browser.get("/alerts", params={"status": "new", "buyer": "salud"}).text
    alert = re.search(r'action="/alerts/(\d+)/review"', page)
    assert alert and "GARZA GAS" in page, page
    # The firm's link and its certainty are two words, not "The firm(almost certainly…)".
    assert re.search(r"The firm</a> \(", page) and "</a>(" not in page, page
    number = alert.group(1)
    assert browser.get("/alerts", params={"buyer": "no such buyer"}).text.count("<article") == 0
    forged = browser.post(f"/alerts/{number}/review", data={"decision": "confirm"})
    assert forged.status_code == 403  # no CSRF token
    done = browser.post(
        f"/alerts/{number}/review",
        data={"decision": "confirm", "note": "contract under debarment", "csrf": csrf(page)},
    )
    assert done.status_code == 303
    after = browser.get(done.headers["location"]).text
    assert "Alert confirmed." in after and "contract under debarment" in after
    stored = rows(site, "SELECT status, reviewer FROM alerts WHERE id = :i", i=int(number))[0]
    assert (stored.status, stored.reviewer) == ("confirmed", "auditor at the ministry")


def test_judging_a_pair_from_the_review_queue(browser: TestClient, site: Settings) -> None:
    sign_in(browser, new_key(site, "auditor"))
    page = browser.get("/review").text
    pair = re.search(
        r'name="record_a" value="([^"]+)".*?name="record_b" value="([^"]+)"', page, re.S
    )
    assert pair, "the review queue is empty"
    a, b = pair.groups()
    done = browser.post(
        "/review",
        data={"record_a": a, "record_b": b, "decision": "different", "csrf": csrf(page)},
    )
    assert done.status_code == 303
    after = browser.get(done.headers["location"]).text
    assert "Recorded: different firms." in after and "Judged different" in after
    judged = rows(
        site,
        "SELECT decision, author FROM judgements WHERE record_a = :a AND record_b = :b",
        a=min(a, b),
        b=max(a, b),
    )
    assert [(j.decision, j.author) for j in judged] == [("different", "auditor at the ministry")]


def test_the_review_queue_shows_whose_rfcs_hold_a_pair_apart(
    browser: TestClient, site: Settings
) -> None:
    """A pair refused for "different RFCs" names the RFCs of the firms its records are in;
    each such RFC is shown on the card, by the record or by the firm it is in."""
    sign_in(browser, new_key(site, "auditor"))
    page = browser.get("/review").text
    cards = page.split("<article")[1:]
    apart = [c for c in cards if "carry different RFCs" in c]
    assert apart, page
    for card in apart:
        said = re.search(r"carry different RFCs \(([^)]*)\)", card)
        assert said, card
        named = set(re.findall(r"[A-Z&Ñ]{3,4}\d{6}[A-Z0-9]{3}", said.group(1)))
        table = card.split("</table>")[0]
        assert named and named <= set(re.findall(r"[A-Z&Ñ]{3,4}\d{6}[A-Z0-9]{3}", table)), card


def test_pages_are_served_with_everything_they_need(browser: TestClient) -> None:
    page = browser.get("/sign-in").text
    assert "<script" not in page and "http://" not in page and "https://" not in page
    css = browser.get("/static/testigo.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert '<label for="key">' in page and 'id="key"' in page


def test_a_nul_in_a_form_is_refused_before_the_database(
    browser: TestClient, site: Settings
) -> None:
    """PostgreSQL text cannot hold NUL: a form that carries one, url-encoded (%00) as a browser
    sends it or as a multipart field, is refused with a 422 and changes nothing."""
    sign_in(browser, new_key(site, "auditor"))
    # Any alert will do (an earlier test of this module may have reviewed the new ones): the
    # NUL is refused before the route looks at the alert. The CSRF token is the session's.
    (first,) = rows(site, "SELECT min(id) AS id FROM alerts")
    assert first.id is not None
    number = int(first.id)
    page = browser.get("/review").text
    query = "SELECT status, review_note, reviewed_at FROM alerts WHERE id = :i"
    before = rows(site, query, i=number)
    fields = {"decision": "dismiss", "note": "dup\x00licate", "csrf": csrf(page)}
    as_form = browser.post(f"/alerts/{number}/review", data=fields)
    as_multipart = browser.post(
        f"/alerts/{number}/review", files={k: (None, v) for k, v in fields.items()}
    )
    for answer in (as_form, as_multipart):
        assert answer.status_code == 422, answer.text
        assert "NUL" in answer.json()["detail"]
    assert rows(site, query, i=number) == before
