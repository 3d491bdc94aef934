"""Every page form and page query with generated hostile values (Hypothesis), signed in as an
auditor, on both databases (issue 14: the fuzz run covers the page forms too). Whatever is
sent, the answer is a page or a redirect, never a server error or a stack trace: NUL bytes,
huge and non-Latin text, numbers where words go, and words where numbers go."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.settings import Settings
from tests.app.test_pages import new_key, site  # noqa: F401  (the module-scoped fixture)

pytestmark = pytest.mark.slow

TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
    st.sampled_from(["\x00", "' OR 1=1 --", "<script>alert(1)</script>", "9" * 400, "-1", ""]),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def signed_in(site: Settings) -> Iterator[tuple[TestClient, str]]:  # noqa: F811
    # Failed sign-ins are many here: the throttle is opened wide for this test only.
    app = create_app(site.model_copy(update={"key_failures_allowed": 10**9}), load_index=False)
    app.state.index.load()
    key = new_key(site, "auditor")
    with TestClient(app, follow_redirects=False) as client:
        assert client.post("/sign-in", data={"key": key, "next": "/review"}).status_code == 303
        found = re.search(r'name="csrf" value="([^"]+)"', client.get("/review").text)
        assert found
        yield client, found.group(1)


def _sound(answer: Any) -> None:
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text


@FUZZ
@given(q=TEXT, on=TEXT, status=TEXT, severity=TEXT, page=TEXT)
def test_page_queries(
    signed_in: tuple[TestClient, str], q: str, on: str, status: str, severity: str, page: str
) -> None:
    client, _ = signed_in
    _sound(client.get("/check", params={"q": q, "on": on}))
    _sound(client.get("/firms", params={"q": q}))
    _sound(client.get(f"/firms/{quote(q[:200] or 'x', safe='')}"))
    _sound(client.get("/alerts", params={"status": status, "severity": severity, "buyer": q}))
    _sound(client.get("/review", params={"page": page, "done": q}))


@FUZZ
@given(decision=TEXT, note=TEXT, a=TEXT, b=TEXT, page=TEXT, alert=st.integers(-5, 10**12))
def test_page_forms(
    signed_in: tuple[TestClient, str],
    decision: str,
    note: str,
    a: str,
    b: str,
    page: str,
    alert: int,
) -> None:
    client, csrf = signed_in
    for token in (csrf, note[:50]):  # the session's token, and a wrong one
        _sound(
            client.post(
                "/review",
                data={
                    "decision": decision,
                    "record_a": a,
                    "record_b": b,
                    "note": note,
                    "page": page,
                    "csrf": token,
                },
            )
        )
        _sound(
            client.post(
                f"/alerts/{alert}/review",
                data={"decision": decision, "note": note, "not_same_firm": b, "csrf": token},
            )
        )


@FUZZ
@given(key=TEXT, next_url=TEXT)
def test_sign_in_form(site: Settings, key: str, next_url: str) -> None:  # noqa: F811
    app = create_app(site.model_copy(update={"key_failures_allowed": 10**9}), load_index=False)
    with TestClient(app, follow_redirects=False) as client:
        _sound(client.post("/sign-in", data={"key": key, "next": next_url}))
        _sound(client.post("/sign-out", data={"csrf": key}))
