"""Security of the pages and the API (issue 14, items 6 and 7), over the ASGI client on SQLite
and PostgreSQL with the registries linked: the headers of a page, an API answer, the framable
reconciliation preview and /docs; sign-in refusing another site's POST (login CSRF); the demo
key file readable by its owner only; the check page's query cut to the API's limit before the
audit log; /v1/stats asking for a key; and failed key attempts throttled per client."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from app import audit
from app.cli.keys import demo_key
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from app.throttle import Throttle
from matching import entities
from tests.factories import GARZA_RFC, new_key


@pytest.fixture
def client(site: Settings) -> Iterator[TestClient]:
    app = create_app(site, load_index=False)
    app.state.index.load()
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as c:
        yield c


def _garza(site: Settings) -> str:
    engine = make_engine(site)
    try:
        found = entities.search(engine, GARZA_RFC, page=1, per_page=1)
    finally:
        engine.dispose()
    entity_id: str = found.items[0].entity_id
    return entity_id


def _no_framing(headers: Mapping[str, str]) -> None:
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", "")
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "same-origin"


def test_pages_and_the_api_carry_security_headers(client: TestClient, site: Settings) -> None:
    page = client.get("/sign-in")
    _no_framing(page.headers)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    api = client.get("/v1/check", params={"rfc": GARZA_RFC})  # 401: errors too
    assert api.status_code == 401
    _no_framing(api.headers)
    static = client.get("/static/testigo.css")
    _no_framing(static.headers)


def test_the_preview_may_be_framed_by_any_site(client: TestClient, site: Settings) -> None:
    key = new_key(site, "auditor")
    answer = client.get("/v1/reconcile/preview", params={"id": _garza(site), "api_key": key})
    assert answer.status_code == 200 and "GARZA GAS" in answer.text
    assert "x-frame-options" not in answer.headers
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors" not in csp and "style-src 'self'" in csp
    assert "<style" not in answer.text and "style=" not in answer.text  # its CSP allows neither
    assert client.get("/static/preview.css").status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


def test_docs_have_no_inline_script(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    _no_framing(docs.headers)
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "http" not in csp  # no CDN: served here
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", docs.text, re.DOTALL)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    for src in re.findall(r'src="(/[^"]+)"', docs.text):
        assert client.get(src).status_code == 200, src  # our own scripts are served
    assert client.get("/redoc").status_code == 404


def test_sign_in_refuses_another_sites_post(client: TestClient, site: Settings) -> None:
    key = new_key(site, "officer")
    form = {"key": key, "next": "/check"}
    forged = client.post("/sign-in", data=form, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    assert "another site (https://evil.example)" in forged.text
    assert "set-cookie" not in forged.headers
    by_referer = client.post(
        "/sign-in", data=form, headers={"Referer": "https://evil.example/page"}
    )
    assert by_referer.status_code == 403 and "set-cookie" not in by_referer.headers
    null = client.post("/sign-in", data=form, headers={"Origin": "null"})
    assert null.status_code == 403
    # Our own origin, as the request addressed it or as TESTIGO_PUBLIC_URL says.
    for headers in (
        {"Origin": "http://testserver"},
        {"Referer": "http://testserver/sign-in?next=/check"},
        {"Origin": site.public_url},
        {},  # not a browser: nothing to forge
    ):
        ours = client.post("/sign-in", data=form, headers=headers)
        assert ours.status_code == 303 and "set-cookie" in ours.headers, headers


def test_the_demo_key_file_is_readable_by_its_owner_only(
    sqlite_settings: Settings,
) -> None:
    demo_key(sqlite_settings)
    path = sqlite_settings.data_dir / "demo-api-key"
    assert path.read_text().startswith("tg_")
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_check_page_cuts_its_query_before_the_audit_log(
    client: TestClient, site: Settings
) -> None:
    answer = client.post("/sign-in", data={"key": new_key(site, "officer"), "next": "/check"})
    assert answer.status_code == 303
    page = client.get("/check", params={"q": "Z" * 5000})
    assert page.status_code == 200
    assert client.app.state.audit.flush()  # type: ignore[attr-defined]
    engine = make_engine(site)
    try:
        last = audit.page(engine, page=1, per_page=1)["items"][0]
    finally:
        engine.dispose()
    assert last["action"] == "check" and last["query"]["name"] == "Z" * 500  # the API's limit
    # The API refuses what the page cuts: one limit for both.
    key = new_key(site, "officer")
    too_long = client.get("/v1/check", params={"name": "Z" * 501}, headers={"X-API-Key": key})
    assert too_long.status_code == 422


def test_stats_need_a_key(client: TestClient, site: Settings) -> None:
    assert client.get("/v1/stats").status_code == 401
    keyed = client.get("/v1/stats", headers={"X-API-Key": new_key(site, "officer")})
    assert keyed.status_code == 200 and "sanctions_by_registry_and_kind" in keyed.json()
    assert client.get("/healthz").status_code == 200  # the probes stay open
    assert client.get("/readyz").status_code == 200


def test_failed_keys_are_throttled_per_client(site: Settings) -> None:
    tuned = site.model_copy(update={"key_failures_allowed": 3, "key_failure_window": 60.0})
    app = create_app(tuned, load_index=False)
    now = [1000.0]
    app.state.throttle = Throttle(allowed=3, window=60.0, clock=lambda: now[0])
    good = new_key(site, "auditor")
    scanner = TestClient(app, client=("203.0.113.7", 4000), headers={"Accept-Language": "en"})
    officer = TestClient(app, client=("198.51.100.2", 4000))
    bad = {"X-API-Key": "tg_" + "x" * 43}
    with capture_logs() as logged:
        for _ in range(3):
            assert scanner.get("/v1/audit", headers=bad).status_code == 401
        for _ in range(5):
            refused = scanner.get("/v1/audit", headers=bad)
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "60"
            assert "too many failed API key attempts" in refused.json()["detail"]
        # Not even a good key is looked up from that address, on the API or the sign-in page.
        assert scanner.get("/v1/audit", headers={"X-API-Key": good}).status_code == 429
        page = scanner.post("/sign-in", data={"key": good}, follow_redirects=False)
        assert page.status_code == 429 and page.headers["retry-after"] == "60"
        assert "Too many failed API key attempts" in page.text
        # Another client with a good key is not slowed by the scanner.
        assert officer.get("/v1/audit", headers={"X-API-Key": good}).status_code == 200
    throttled = [e for e in logged if e["event"] == "keys.throttled"]
    assert len(throttled) == 1 and throttled[0]["client"] == "203.0.113.7"  # once per window
    now[0] += 30
    assert scanner.get("/v1/audit", headers=bad).headers["retry-after"] == "30"
    now[0] += 31  # the failures have left the window
    assert scanner.get("/v1/audit", headers={"X-API-Key": good}).status_code == 200
