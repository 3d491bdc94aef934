"""The audit writer: a check hands its entry over and goes on; the entry is committed soon
after, in order, even when the database's write lock is held elsewhere for a while."""

from __future__ import annotations

import sqlite3
import time

import pytest

from app import audit
from app.keys import Caller
from app.settings import Settings
from app.store.engine import make_engine
from tests.factories import rows

OFFICER = Caller(1, "officer at a ministry", "officer")


def _entries(settings: Settings) -> list[str]:
    return [r.verdict for r in rows(settings, "SELECT verdict FROM audit_log ORDER BY id")]


def test_entries_are_committed_in_order(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    writer = audit.AuditWriter(engine)
    try:
        for i in range(1200):  # more than one batch
            writer.submit(audit.entry(OFFICER, "check", {"rfc": f"R{i}"}, f"v{i}", "m1"))
        assert writer.flush()
    finally:
        writer.close()
        engine.dispose()
    assert _entries(db_settings) == [f"v{i}" for i in range(1200)]


def test_a_check_does_not_wait_for_a_locked_database(sqlite_settings: Settings) -> None:
    engine = make_engine(sqlite_settings)
    writer = audit.AuditWriter(engine)
    path = sqlite_settings.db_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # an ingest holding the write lock
        started = time.perf_counter()
        writer.submit(audit.entry(OFFICER, "check", {"name": "ACME"}, "clear", "m1"))
        assert time.perf_counter() - started < 0.05
        assert not writer.flush(timeout=0.5)  # still waiting for the lock, not dropped
        other.execute("COMMIT")
        assert writer.flush(timeout=10)
    finally:
        other.close()
        writer.close()
        engine.dispose()
    assert _entries(sqlite_settings) == ["clear"]


@pytest.mark.parametrize("entries", [0, 3])
def test_close_commits_what_is_queued(sqlite_settings: Settings, entries: int) -> None:
    engine = make_engine(sqlite_settings)
    writer = audit.AuditWriter(engine)
    for i in range(entries):
        writer.submit(audit.entry(None, "match", {"records": i}, None, "m1"))
    writer.close()
    engine.dispose()
    assert len(_entries(sqlite_settings)) == entries
