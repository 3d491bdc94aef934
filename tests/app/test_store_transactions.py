"""One transaction, the caller's (issue 16 item 5): `transaction` commits on a clean exit and
rolls back on an error, and store writers never commit on their own, so a step that fails after
them undoes what they wrote. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store import ingest_runs
from app.store.engine import make_engine, transaction
from app.store.quarantine import add_rejected


def _run() -> dict[str, Any]:
    return {
        "kind": "sanctions",
        "format": "sat-69b",
        "scope": "sat-69b",
        "origin": "listado.csv",
        "source_file": "listado.csv",
        "started_at": datetime.now(UTC),
        "status": "skipped",
    }


def _rejected(run_id: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "kind": "sanctions",
        "format": "sat-69b",
        "source_file": "listado.csv",
        "position": 7,
        "raw": "GGA8306134F4,,",
        "reason": "no name",
        "created_at": datetime.now(UTC),
    }


def _counts(engine: sa.Engine) -> tuple[int, int]:
    with transaction(engine) as conn:
        runs = conn.execute(sa.text("SELECT count(*) FROM ingest_runs")).scalar_one()
        rows = conn.execute(sa.text("SELECT count(*) FROM quarantine")).scalar_one()
    return int(runs), int(rows)


def test_store_writes_commit_or_roll_back_with_the_callers_transaction(
    db_settings: Settings,
) -> None:
    engine = make_engine(db_settings)
    try:
        with pytest.raises(RuntimeError), transaction(engine) as conn:
            run_id = ingest_runs.record(_run(), conn=conn)
            add_rejected([_rejected(run_id)], conn=conn)
            raise RuntimeError("the caller's next step failed")
        assert _counts(engine) == (0, 0)

        with transaction(engine) as conn:
            run_id = ingest_runs.record(_run(), conn=conn)
            add_rejected([_rejected(run_id)], conn=conn)
        assert _counts(engine) == (1, 1)
    finally:
        engine.dispose()
