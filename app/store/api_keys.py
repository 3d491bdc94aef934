"""API keys as stored: the hash of each key (never the key), its role, and when it was revoked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from app.store.tables import ApiKey

_ACTIVE = ApiKey.revoked_at.is_(None)
# Built once: a key is looked up on every request.
_BY_HASH = select(ApiKey.id, ApiKey.name, ApiKey.role).where(
    ApiKey.key_hash == bindparam("key_hash"), _ACTIVE
)
_BY_ID = select(ApiKey.id, ApiKey.name, ApiKey.role).where(
    ApiKey.id == bindparam("key_id"), _ACTIVE
)


def add(*, conn: Connection, name: str, role: str, key_hash: str, prefix: str, at: datetime) -> int:
    """A new active key; returns its id."""
    query = insert(ApiKey).values(
        name=name, role=role, key_hash=key_hash, prefix=prefix, created_at=at
    )
    return int(conn.execute(query.returning(ApiKey.id)).scalar_one())


def revoke(*, conn: Connection, key_id: int | None, prefix: str | None, at: datetime) -> int:
    """Revoke the active key with this id, or else with this prefix; returns how many were."""
    where = ApiKey.id == key_id if key_id is not None else ApiKey.prefix == prefix
    result = conn.execute(update(ApiKey).where(where, _ACTIVE).values(revoked_at=at))
    return int(result.rowcount or 0)


def active_by_hash(*, conn: Connection, key_hash: str) -> Row[int, str, str] | None:
    """(id, name, role) of the active key with this hash."""
    return conn.execute(_BY_HASH, {"key_hash": key_hash}).first()


def active_by_id(*, conn: Connection, key_id: int) -> Row[int, str, str] | None:
    """(id, name, role) of the key with this id, unless it was revoked."""
    return conn.execute(_BY_ID, {"key_id": key_id}).first()


def every(*, conn: Connection) -> Sequence[Row[Any]]:
    """Every key, revoked or not, oldest first."""
    return conn.execute(select(ApiKey).order_by(ApiKey.id)).all()
