"""Reads for the review queue: the uncertain and refused links, the records at their ends as
published, and the firms those records are in now."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, func, or_, select

from app.store.firms import AnyRow
from app.store.tables import Entity, EntityMember, Link, LinkRecord


def queue(*, offset: int, limit: int, conn: Connection) -> tuple[int, Sequence[AnyRow]]:
    """(how many, a page of) the links waiting for a person: those touching a sanction first,
    then the most probable."""
    touches_sanction = or_(Link.record_a.like("sanction:%"), Link.record_b.like("sanction:%"))
    base = select(Link).where(Link.status.in_(["review", "refused"]))
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(
        base.order_by(touches_sanction.desc(), Link.probability.desc(), Link.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return int(total), rows


def published(keys: Collection[str], *, conn: Connection) -> dict[str, AnyRow]:
    """record key -> its row as published (source, source_key, name, rfc_raw, ...)."""
    if not keys:
        return {}
    found = conn.execute(select(LinkRecord).where(LinkRecord.record_key.in_(keys)))
    return {row.record_key: row for row in found}


def firms_of(
    keys: Collection[str], *, conn: Connection
) -> dict[str, tuple[str, str | None, str | None]]:
    """record key -> (entity id, display name, RFCs) of the firm it is in now."""
    if not keys:
        return {}
    found = conn.execute(
        select(EntityMember.record_key, Entity.id, Entity.display_name, Entity.rfcs)
        .join(Entity, Entity.id == EntityMember.entity_id)
        .where(EntityMember.record_key.in_(keys))
    )
    return {key: (eid, name, rfcs) for key, eid, name, rfcs in found}
