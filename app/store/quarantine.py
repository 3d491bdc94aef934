"""Rows a reader rejected, kept with the reason and the run, so that a bad row never stops a load
and can still be found (the ingest summary names the first few of each file)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, insert

from app.store.tables import QuarantinedRow

QUARANTINE: Table = QuarantinedRow.__table__  # type: ignore[assignment]


def add_rejected(rows: list[dict[str, Any]], *, conn: Connection) -> None:
    """Store rejected rows (run_id, kind, format, source_file, position, raw, reason,
    created_at) in the caller's transaction."""
    if rows:
        conn.execute(insert(QUARANTINE), rows)
