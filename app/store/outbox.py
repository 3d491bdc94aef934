"""The outbox: messages queued for sending, marked sent or failed one by one, and the lock that
lets only one sender run at a time."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, func, select, text, update
from sqlalchemy.orm import Session

from app.store.tables import OutboxMessage

_PG_LOCK_KEY = 0x74657374696730  # "testig0": any constant shared by every sender
_QUEUED = OutboxMessage.status == "queued"


@contextmanager
def sender_lock(engine: Engine) -> Iterator[bool]:
    """True when this process may send; False when another sender holds the lock: a PostgreSQL
    advisory lock, or a lock file next to the SQLite database. The PostgreSQL lock belongs to a
    connection of its own, outside any transaction, for as long as the sending lasts."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_LOCK_KEY}))
            conn.commit()  # the lock belongs to the session; no transaction left open
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True  # a private database has no other sender
        return
    with open(f"{database}.outbox-lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def add(*, session: Session, message: OutboxMessage) -> None:
    """Queue a message; it is written with the caller's transaction."""
    session.add(message)


def queued_ids(*, conn: Connection) -> list[int]:
    """The queued messages, oldest first."""
    query = select(OutboxMessage.id).where(_QUEUED)
    return list(conn.scalars(query.order_by(OutboxMessage.created_at, OutboxMessage.id)))


def count_queued(*, conn: Connection) -> int:
    query = select(func.count()).where(_QUEUED).select_from(OutboxMessage)
    return int(conn.scalar(query) or 0)


def queued(*, conn: Connection, message_id: int) -> Row[int, str, str, str, str, datetime] | None:
    """(id, recipient, subject, body_text, body_html, created_at) of the message if it is still
    queued."""
    return conn.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.created_at,
        ).where(OutboxMessage.id == message_id, _QUEUED)
    ).first()


def mark_sent(*, conn: Connection, message_id: int, at: datetime) -> None:
    conn.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _QUEUED)
        .values(status="sent", sent_at=at, attempts=OutboxMessage.attempts + 1)
    )


def mark_failed(*, conn: Connection, message_ids: Sequence[int], error: str) -> int:
    """Count an attempt and keep the error on those still queued; returns how many."""
    done = conn.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), _QUEUED)
        .values(attempts=OutboxMessage.attempts + 1, last_error=error)
    )
    return int(done.rowcount or 0)
