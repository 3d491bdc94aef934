"""Reads for the exports: every resolved firm with its member records, streamed, and for a
batch of firms the addresses, sanctions and awards of their records (the FtM export)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.store.firms import MEMBER_COLUMNS, AnyRow
from app.store.tables import (
    Award,
    AwardSupplier,
    Entity,
    EntityMember,
    IngestRun,
    LinkRecord,
    Party,
    Sanction,
    SupplierEntry,
)

_MEMBERS = (
    select(Entity.id, Entity.display_name, Entity.rfcs, *MEMBER_COLUMNS)
    .join(EntityMember, EntityMember.entity_id == Entity.id)
    .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
    .order_by(Entity.id, LinkRecord.record_key)
)
# Built once (building a statement costs about what running it on a batch does); each read
# adds its batch's keys.
_SANCTIONS = (
    select(Sanction, IngestRun.origin)
    .join(IngestRun, IngestRun.id == Sanction.run_id)
    .order_by(Sanction.source_key)
)
_AWARDS = (
    select(Award, AwardSupplier.party_key)
    .join(AwardSupplier, AwardSupplier.award_pk == Award.id)
    .order_by(Award.source_key)
)


def members(*, batch: int, conn: Connection) -> Iterator[AnyRow]:
    """(entity id, display name, RFCs, *firms.MEMBER_COLUMNS) of every record in a firm, in
    firm id and record key order, fetched `batch` rows at a time: never the whole table."""
    return iter(conn.execution_options(yield_per=batch).execute(_MEMBERS))


def addresses(
    record_type: str, source_keys: Collection[str], *, session: Session
) -> Sequence[AnyRow]:
    """(source key, street, locality, region, postal code) of these parties (`party`) or
    register entries (`supplier`)."""
    table = Party if record_type == "party" else SupplierEntry
    place = (table.street, table.locality, table.region, table.postal_code)
    return _among(select(table.source_key, *place), table.source_key, source_keys, session)


def sanctions(source_keys: Collection[str], *, session: Session) -> Sequence[AnyRow]:
    """(Sanction, its ingest run's origin) for these source keys."""
    return _among(_SANCTIONS, Sanction.source_key, source_keys, session)


def awards(party_keys: Collection[str], *, session: Session) -> Sequence[AnyRow]:
    """(Award, the party key of its supplier) for the awards these parties won."""
    return _among(_AWARDS, AwardSupplier.party_key, party_keys, session)


def _among(query: Any, column: Any, keys: Collection[str], session: Session) -> Sequence[AnyRow]:
    """The rows of `query` whose `column` is one of `keys`; none, and no query, for no keys."""
    if not keys:
        return []
    return session.execute(query.where(column.in_(keys))).all()
