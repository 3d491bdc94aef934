"""Signing in and reading while a long SQLite ingest holds the write lock (issue 14 item 4):
sign-in wrote a session row and waited 30 s for the lock, then answered 503; GET /v1/audit
waited 10 s for this process's queued entries. Here a real connection holds the lock as an
ingest does (BEGIN IMMEDIATE and a write, not committed) while the app is used."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.web import sessions
from tests.clients import csrf
from tests.factories import new_key

FAST = 2.0  # seconds: what "does not wait" means here (the busy timeout is far longer)


@pytest.fixture
def locked(sqlite_settings: Settings) -> Iterator[sqlite3.Connection]:
    """The database's write lock, held as an ingest holds it, until the test ends."""
    holder = sqlite3.connect(sqlite_settings.db_url.removeprefix("sqlite:///"), timeout=1)
    holder.isolation_level = None
    yield holder
    holder.execute("ROLLBACK") if holder.in_transaction else None
    holder.close()


def _hold(holder: sqlite3.Connection) -> None:
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "INSERT INTO quarantine (run_id, kind, format, source_file, position, raw, reason, "
        "created_at) VALUES (0, 'x', 'x', 'x', 'x', 'x', 'held', '2026-12-05 00:00:00')"
    )


def _timed(call: object) -> tuple[object, float]:
    started = time.perf_counter()
    answer = call()  # type: ignore[operator]
    return answer, time.perf_counter() - started


def test_sign_in_pages_and_the_audit_log_do_not_wait_for_an_ingest(
    sqlite_settings: Settings, locked: sqlite3.Connection
) -> None:
    auditor = new_key(sqlite_settings, "auditor")
    bearer = {"Authorization": f"Bearer {auditor}"}
    with TestClient(create_app(sqlite_settings, load_index=False)) as client:
        _hold(locked)
        signed, took = _timed(
            lambda: client.post(
                "/sign-in", data={"key": auditor, "next": "/alerts"}, follow_redirects=False
            )
        )
        assert signed.status_code == 303 and took < FAST, (signed.status_code, took)  # type: ignore[attr-defined]
        page, took = _timed(lambda: client.get("/alerts"))
        assert page.status_code == 200 and took < FAST  # type: ignore[attr-defined]
        client.get("/v1/check", params={"name": "ACME"}, headers=bearer)  # queued: cannot commit
        log, took = _timed(lambda: client.get("/v1/audit", headers=bearer))
        assert log.status_code == 200 and took < FAST, took  # type: ignore[attr-defined]

        locked.execute("ROLLBACK")  # the ingest is over: sign-out can write, and ends it
        review = client.get("/review").text
        out = client.post("/sign-out", data={"csrf": csrf(review)}, follow_redirects=False)
        assert out.status_code == 303
        gone = client.get("/alerts", follow_redirects=False)
        assert gone.status_code == 303 and "/sign-in" in gone.headers["location"]


def test_a_token_is_only_good_as_signed_and_ends_at_sign_out(sqlite_settings: Settings) -> None:
    from app.keys import Caller
    from app.store.engine import make_engine

    engine = make_engine(sqlite_settings)
    try:
        caller = Caller(1, "x", "auditor")
        token = sessions.open_session(engine, caller)
        assert sessions.find(engine, token) is None  # key 1 does not exist yet
        key = new_key(sqlite_settings, "auditor")
        from app import keys

        real = keys.verify(engine, key)
        assert real is not None
        token = sessions.open_session(engine, real)
        found = sessions.find(engine, token)
        assert found is not None and found.caller == real and found.csrf
        payload, _, signature = token.rpartition(".")
        key_id, expires, nonce = payload.split(".")
        for forged in (
            f"{key_id}.{int(expires) + 3600}.{nonce}.{signature}",  # a longer life
            f"{int(key_id) + 1}.{expires}.{nonce}.{signature}",  # another key
            token[:-1] + ("0" if token[-1] != "0" else "1"),
            "",
            "a.b.c.d",
        ):
            assert sessions.find(engine, forged) is None, forged
        other = sessions.open_session(engine, real)
        sessions.close(engine, token)
        assert sessions.find(engine, token) is None  # for good, in every process
        assert sessions.find(engine, other) is not None  # the other session lives on
        sessions.close(engine, token)  # twice: no error
    finally:
        engine.dispose()


def test_a_form_token_with_any_characters_is_refused_not_a_crash() -> None:
    # Found by tests/app/test_fuzz_pages.py: hmac.compare_digest raised TypeError on a
    # non-ASCII CSRF token, and the review form answered 500.
    from app.keys import Caller

    session = sessions.SignedIn(Caller(1, "x", "auditor"), csrf="abc")
    assert not session.csrf_ok("ñandú")
    assert not session.csrf_ok("\x00")
    assert session.csrf_ok("abc")
