"""What the browser sessions keep in the database: the deployment's signing secret, which a
migration made, and the tokens closed at sign-out until they would have expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select

from app.store.tables import AppSecret, ClosedSession

# Built once: every page request reads it.
_CLOSED = select(ClosedSession.token_hash).where(
    ClosedSession.token_hash == bindparam("token_hash")
)


def secret(*, conn: Connection, name: str) -> str:
    """The secret `name`, as stored (hex)."""
    return str(conn.execute(select(AppSecret.value).where(AppSecret.name == name)).scalar_one())


def is_closed(*, conn: Connection, token_hash: str) -> bool:
    return conn.execute(_CLOSED, {"token_hash": token_hash}).first() is not None


def close(*, conn: Connection, token_hash: str, expires_at: datetime, now: datetime) -> None:
    """Record a token as closed, forgetting those that have expired by `now`."""
    conn.execute(delete(ClosedSession).where(ClosedSession.expires_at < now))
    conn.execute(insert(ClosedSession).values(token_hash=token_hash, expires_at=expires_at))
