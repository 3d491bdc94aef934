"""Human judgements on pairs of records: written once, never deleted (the latest on a pair
overrides the model on every later link; `link_history.judgements` reads them for a run)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Connection, insert, select

from app.store.tables import Judgement, LinkRecord


def known_records(keys: Collection[str], *, conn: Connection) -> set[str]:
    """Those of `keys` that name a linked record."""
    found = conn.execute(select(LinkRecord.record_key).where(LinkRecord.record_key.in_(keys)))
    return set(found.scalars())


def add(values: Mapping[str, str | None], *, created_at: datetime, conn: Connection) -> int:
    """Store a judgement (record_a, record_b, decision, author, note); its id."""
    statement = insert(Judgement).values(**values, created_at=created_at)
    return int(conn.execute(statement.returning(Judgement.id)).scalar_one())


def latest_among(
    keys: Collection[str], *, conn: Connection
) -> dict[tuple[str, str], tuple[str, str]]:
    """(decision, author) of the latest judgement on each pair of `keys` that has one, keyed
    (lesser key, greater key)."""
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    if not keys:
        return latest
    for a, b, decision, author in conn.execute(
        select(Judgement.record_a, Judgement.record_b, Judgement.decision, Judgement.author)
        .where(Judgement.record_a.in_(keys), Judgement.record_b.in_(keys))
        .order_by(Judgement.id)
    ):
        latest[(a, b) if a < b else (b, a)] = (decision, author)
    return latest
