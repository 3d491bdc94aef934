"""The audit log as stored: one row per check or match, newest read first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select

from app.store.tables import AuditEntry

_INSERT = insert(AuditEntry)  # built once: per-check cost


def add(*, conn: Connection, entries: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Write one entry, or a batch of them in their order."""
    conn.execute(_INSERT, entries)


def count(*, conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def newest(*, conn: Connection, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Entries newest first, from the `offset`-th on, at most `limit`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    return conn.execute(query).all()
