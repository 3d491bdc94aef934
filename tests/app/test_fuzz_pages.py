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
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app.main import create_app
from app.settings import Settings
from tests.factories import new_key

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
def signed_in(site: Settings) -> Iterator[tuple[TestClient, str]]:
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
def test_sign_in_form(site: Settings, key: str, next_url: str) -> None:
    app = create_app(site.model_copy(update={"key_failures_allowed": 10**9}), load_index=False)
    with TestClient(app, follow_redirects=False) as client:
        _sound(client.post("/sign-in", data={"key": key, "next": next_url}))
        _sound(client.post("/sign-out", data={"csrf": key}))


class _Session(RuleBasedStateMachine):
    """An auditor's session as a sequence: sign in and out, check, review alerts, judge pairs,
    in any order and with any values. Invariants: never a server error; signed in, a page
    opens; signed out, a page sends the browser to sign in."""

    client: TestClient
    key: str
    alert_ids: list[int]
    records: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.client.cookies.clear()  # each run starts signed out
        self.signed_in = False
        self.csrf = ""

    @rule(good=st.booleans(), next_url=TEXT)
    def sign_in(self, good: bool, next_url: str) -> None:
        key = self.key if good else "tg_" + next_url[:40]
        answer = self.client.post("/sign-in", data={"key": key, "next": next_url})
        _sound(answer)
        opened = "testigo_session=" in answer.headers.get("set-cookie", "")
        assert opened == (good and answer.status_code == 303), answer.status_code
        if opened:  # a good key (a form with a NUL byte is refused whole)
            self.signed_in = True
            found = re.search(r'name="csrf" value="([^"]+)"', self.client.get("/review").text)
            assert found
            self.csrf = found.group(1)

    @rule()
    def sign_out(self) -> None:
        _sound(self.client.post("/sign-out", data={"csrf": self.csrf}))
        self.signed_in = False

    @rule(q=TEXT, on=TEXT)
    def check(self, q: str, on: str) -> None:
        _sound(self.client.get("/check", params={"q": q, "on": on}))
        _sound(
            self.client.get(
                "/v1/check",
                params={"name": q or "x", "on": on},
                headers={"Authorization": f"Bearer {self.key}"},
            )
        )

    @rule(pick=st.integers(0, 50), decision=TEXT, note=TEXT, honest=st.booleans())
    def review_alert(self, pick: int, decision: str, note: str, honest: bool) -> None:
        alert = self.alert_ids[pick % len(self.alert_ids)] if self.alert_ids else pick
        data = {"decision": decision if not honest else "confirm", "note": note, "csrf": self.csrf}
        _sound(self.client.post(f"/alerts/{alert}/review", data=data))

    @rule(i=st.integers(0, 10**6), j=st.integers(0, 10**6), same=st.booleans(), note=TEXT)
    def judge(self, i: int, j: int, same: bool, note: str) -> None:
        a, b = self.records[i % len(self.records)], self.records[j % len(self.records)]
        body = {
            "decision": "same" if same else "different",
            "record_a": a,
            "record_b": b,
            "note": note,
        }
        _sound(
            self.client.post(
                "/v1/judgements", json=body, headers={"Authorization": f"Bearer {self.key}"}
            )
        )

    @invariant()
    def pages_follow_the_session(self) -> None:
        answer = self.client.get("/alerts")
        _sound(answer)
        if self.signed_in:
            assert answer.status_code == 200
        else:
            assert answer.status_code == 303 and "/sign-in" in answer.headers["location"]


def test_an_auditors_session_in_any_order(site: Settings) -> None:
    from tests.factories import rows

    app = create_app(site.model_copy(update={"key_failures_allowed": 10**9}), load_index=False)
    app.state.index.load()
    key = new_key(site, "auditor")
    alert_ids = [int(r.id) for r in rows(site, "SELECT id FROM alerts ORDER BY id")]
    records = [r.record_key for r in rows(site, "SELECT record_key FROM link_records LIMIT 50")]
    with TestClient(app, follow_redirects=False) as client:
        machine = type(
            "AuditorSession",
            (_Session,),
            {"client": client, "key": key, "alert_ids": alert_ids, "records": records},
        )
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=15,
                stateful_step_count=12,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
