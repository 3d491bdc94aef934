"""Alerts as stored: listed and filtered, reviewed, read after a digest's position, and written
by the scan (new ones inserted, open ones updated in place; none ever deleted)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.store.tables import Alert


def listing(
    *,
    conn: Connection,
    status: str | None = None,
    since: date | None = None,
    severities: Sequence[str] | None = None,
    buyer: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> Iterator[Row[Any]]:
    """Alerts, oldest first (or newest), filtered by status, creation day, severity and words of
    the buyer's name (any case), read in chunks."""
    query = select(Alert).order_by(Alert.id.desc() if newest_first else Alert.id)
    if status:
        query = query.where(Alert.status == status)
    if since:
        query = query.where(
            Alert.created_at >= datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        )
    if severities is not None:
        query = query.where(Alert.severity.in_(severities))
    if buyer and buyer.strip():
        query = query.where(
            func.lower(Alert.buyer_name).contains(buyer.strip().lower(), autoescape=True)
        )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    yield from conn.execution_options(yield_per=5000).execute(query)


def get(*, conn: Connection, alert_id: int) -> Row[Any] | None:
    return conn.execute(select(Alert).where(Alert.id == alert_id)).first()


def set_review(
    *, conn: Connection, alert_id: int, status: str, reviewer: str, note: str | None, at: datetime
) -> None:
    conn.execute(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(status=status, reviewer=reviewer, review_note=note, reviewed_at=at)
    )


def lock(*, session: Session) -> None:
    """On PostgreSQL, wait for transactions still inserting alerts and hold new ones off until
    this transaction ends. Alert ids come from a sequence: a transaction holding id 10 can commit
    after another committed id 11, and a reader that saw 11 and moved its position past it would
    skip 10 for ever. SHARE mode blocks writers only, not readers nor other digests. SQLite has
    one writer at a time, so ids there commit in order and nothing is needed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE alerts IN SHARE MODE"))


def newest_id(*, session: Session) -> int:
    """The highest alert id (0 when there is none); call `lock` first in the same transaction."""
    return int(session.scalar(select(func.coalesce(func.max(Alert.id), 0))) or 0)


def after(*, session: Session, last_id: int, severities: Sequence[str]) -> Sequence[Alert]:
    """The alerts after `last_id` of these severities not dismissed by a reviewer, oldest first."""
    query = (
        select(Alert)
        .where(Alert.id > last_id, Alert.severity.in_(severities), Alert.status != "dismissed")
        .order_by(Alert.id)
    )
    return session.scalars(query).all()


def existing(*, conn: Connection, compared: Iterable[str]) -> Iterator[Row[Any]]:
    """Every alert's id, award and sanction keys, status and the `compared` columns."""
    columns = (getattr(Alert, c) for c in compared)
    yield from conn.execute(
        select(Alert.id, Alert.award_key, Alert.sanction_key, Alert.status, *columns)
    )


def update_open(*, conn: Connection, alert_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(Alert).where(Alert.id == alert_id).values(**values))


def add(*, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new alerts, 2,000 a statement."""
    for start in range(0, len(rows), 2000):
        conn.execute(insert(Alert), rows[start : start + 2000])
