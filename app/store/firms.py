"""Reads about resolved firms (entities): a firm's page, the search, names, and what the check
and the data extension report about many firms at once. Rows come labelled with the names of
the answers' fields, so `matching` turns them into its typed answers without listing each
column again."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, or_, select

from app.store.tables import (
    Award,
    AwardSupplier,
    Entity,
    EntityMember,
    IngestRun,
    Link,
    LinkRecord,
    Party,
    Sanction,
    SupplierEntry,
)

AnyRow = Row[*tuple[Any, ...]]  # a row of whichever columns the statement selects
_CHUNK = 1000
# A firm's sanctions, after its id: the order of matching.verdict.SanctionFact's fields (the
# source key becomes its record key). A statement using them joins IngestRun on Sanction.run_id.
SANCTION_COLUMNS = (
    Sanction.source_key,
    Sanction.registry_code,
    Sanction.case_number,
    Sanction.kind,
    Sanction.authority,
    Sanction.start_date,
    Sanction.end_date,
    Sanction.raw_status,
    Sanction.status,
    Sanction.source_file,
    IngestRun.retrieved_at,
)
# A member record as a firm's page and the export show it, labelled as `MemberRecord`'s fields
# (record_key, source, source_key, name, rfc as published, probability) and its record_type.
MEMBER_COLUMNS = (
    *(getattr(LinkRecord, c) for c in ("record_key", "source", "source_key", "name")),
    LinkRecord.rfc_raw.label("rfc"),
    EntityMember.probability,
    LinkRecord.record_type,
)


def firm(entity_id: str, *, conn: Connection) -> AnyRow | None:
    """The firm's row (id, display_name, rfcs, size), or None."""
    return conn.execute(select(Entity).where(Entity.id == entity_id)).first()


def members(entity_id: str, *, conn: Connection) -> Sequence[AnyRow]:
    """The firm's records (MEMBER_COLUMNS), by record key."""
    return conn.execute(
        select(*MEMBER_COLUMNS)
        .join(EntityMember, EntityMember.record_key == LinkRecord.record_key)
        .where(EntityMember.entity_id == entity_id)
        .order_by(LinkRecord.record_key)
    ).all()


def links_touching(keys: Collection[str], *, conn: Connection) -> Sequence[AnyRow]:
    """The links with either end among `keys` (their rows, `LinkOut`'s fields among them), most
    probable first."""
    if not keys:
        return []
    return conn.execute(
        select(Link)
        .where(or_(Link.record_a.in_(keys), Link.record_b.in_(keys)))
        .order_by(Link.probability.desc())
    ).all()


def sanctions_listed(source_keys: Collection[str], *, conn: Connection) -> Sequence[AnyRow]:
    """The sanctions with these source keys, labelled as `FirmSanction`'s fields (with the
    sanction's own status as `state`), earliest first."""
    if not source_keys:
        return []
    return conn.execute(
        select(
            Sanction.registry_code.label("registry"),
            Sanction.case_number,
            Sanction.kind,
            Sanction.authority,
            Sanction.start_date.label("start"),
            Sanction.end_date.label("end"),
            Sanction.raw_status.label("status"),
            Sanction.status.label("state"),
            Sanction.source_file,
            Sanction.position,
            IngestRun.retrieved_at,
        )
        .join(IngestRun, IngestRun.id == Sanction.run_id)
        .where(Sanction.source_key.in_(source_keys))
        .order_by(Sanction.start_date)
    ).all()


def awards_won(party_keys: Collection[str], *, conn: Connection) -> Sequence[AnyRow]:
    """The awards these parties won, labelled as `FirmAward`'s fields, by date."""
    if not party_keys:
        return []
    return conn.execute(
        select(
            Award.ocid,
            Award.kind,
            Award.item_id.label("id"),
            Award.award_id,
            Award.title,
            Award.date,
            Award.date_signed,
            Award.period_start,
            Award.period_end,
            Award.value_amount.label("value"),
            Award.currency,
            Award.buyer_name.label("buyer"),
            AwardSupplier.name.label("supplier_name"),
            AwardSupplier.rfc_raw.label("supplier_rfc"),
            Award.url,
            Award.source_file,
        )
        .join(AwardSupplier, AwardSupplier.award_pk == Award.id)
        .where(AwardSupplier.party_key.in_(party_keys))
        .order_by(Award.date, Award.date_signed)
    ).all()


def named(
    entity_ids: Collection[str], *, conn: Connection
) -> dict[str, tuple[str | None, str | None]]:
    """entity -> (display name, normalised RFCs space-separated), for those that exist."""
    if not entity_ids:
        return {}
    rows = conn.execute(
        select(Entity.id, Entity.display_name, Entity.rfcs).where(Entity.id.in_(sorted(entity_ids)))
    )
    return {eid: (name, rfcs) for eid, name, rfcs in rows}


def search(
    *, rfc: str | None, name_part: str | None, offset: int, limit: int, conn: Connection
) -> tuple[int, Sequence[AnyRow]]:
    """(how many, a page of) the firms whose records carry the RFC `rfc`, or else whose
    normalised names contain `name_part`, the largest first."""
    condition = (
        LinkRecord.rfc == rfc if rfc is not None else LinkRecord.name_norm.like(f"%{name_part}%")
    )
    found = (
        select(EntityMember.entity_id)
        .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
        .where(condition)
        .distinct()
        .subquery()
    )
    total = conn.execute(select(func.count()).select_from(found)).scalar_one()
    rows = conn.execute(
        select(Entity)
        .where(Entity.id.in_(select(found.c.entity_id)))
        .order_by(Entity.size.desc(), Entity.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return int(total), rows


# Built once: constructing a statement costs more than running it on a warm database.
_RECORDS = (
    select(
        EntityMember.entity_id,
        LinkRecord.record_key,
        LinkRecord.source,
        LinkRecord.source_key,
        LinkRecord.name,
        LinkRecord.rfc_raw,
    )
    .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
    .where(EntityMember.entity_id.in_(bindparam("entities", expanding=True)))
    .order_by(LinkRecord.record_key)
)
_SANCTIONS = (
    select(EntityMember.entity_id, *SANCTION_COLUMNS)
    .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
    .join(Sanction, Sanction.id == LinkRecord.record_id)
    .join(IngestRun, IngestRun.id == Sanction.run_id)
    .where(
        LinkRecord.record_type == "sanction",
        EntityMember.entity_id.in_(bindparam("entities", expanding=True)),
    )
    .order_by(Sanction.start_date, Sanction.source_key)
)


def _by_entity(statement: Any, entity_ids: Collection[str], conn: Connection) -> Iterator[Any]:
    wanted = sorted(set(entity_ids))
    for start in range(0, len(wanted), _CHUNK):
        yield from conn.execute(statement, {"entities": wanted[start : start + _CHUNK]})


def records_of(entity_ids: Collection[str], *, conn: Connection) -> Iterator[AnyRow]:
    """(entity id, record key, source, source key, name, RFC as published) of each of the
    firms' records, by record key within a firm."""
    return _by_entity(_RECORDS, entity_ids, conn)


def sanctions_of(entity_ids: Collection[str], *, conn: Connection) -> Iterator[AnyRow]:
    """(entity id, *SANCTION_COLUMNS) of each of the firms' sanctions, earliest first."""
    return _by_entity(_SANCTIONS, entity_ids, conn)


def awards_of(entity_ids: Collection[str], *, conn: Connection) -> Iterator[AnyRow]:
    """(entity id, ocid, kind, item id, award id) of each award the firms' parties won, once."""
    if not entity_ids:
        return iter(())
    return iter(
        conn.execute(
            select(EntityMember.entity_id, Award.ocid, Award.kind, Award.item_id, Award.award_id)
            .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
            .join(AwardSupplier, AwardSupplier.party_key == LinkRecord.source_key)
            .join(Award, Award.id == AwardSupplier.award_pk)
            .where(
                LinkRecord.record_type == "party", EntityMember.entity_id.in_(sorted(entity_ids))
            )
            .distinct()
        )
    )


def postal_codes_of(entity_ids: Collection[str], *, conn: Connection) -> Iterator[AnyRow]:
    """(entity id, postal code as published) from the firms' OCDS parties and register entries
    that give one."""
    if not entity_ids:
        return
    wanted = sorted(entity_ids)
    for table, record_type in ((Party, "party"), (SupplierEntry, "supplier")):
        yield from conn.execute(
            select(EntityMember.entity_id, table.postal_code)
            .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
            .join(table, table.id == LinkRecord.record_id)
            .where(
                LinkRecord.record_type == record_type,
                EntityMember.entity_id.in_(wanted),
                table.postal_code.is_not(None),
            )
        )


def entity_of_records(*, conn: Connection) -> tuple[Sequence[str], Sequence[str]]:
    """(record keys, the firm each is in) for every linked record, as two columns. Fetched
    from the driver's cursor: a million plain tuples, not a million SQLAlchemy rows (2.5 s to
    0.7 s at 1M records, on every link's index files)."""
    result = conn.execute(select(EntityMember.record_key, EntityMember.entity_id))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return [row[0] for row in rows], [row[1] for row in rows]  # zip(*rows): 15 times slower
