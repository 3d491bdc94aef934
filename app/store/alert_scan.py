"""What the alert scan reads: the alerting sanctions with their firms, the links, and every
award's suppliers with the firm each resolves to."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from app.store.tables import Award, AwardSupplier, EntityMember, IngestRun, Link, Sanction

# (record_a, record_b, probability, evidence)
LinkRow = Row[str, str, float, list[dict[str, object]]]


def sanctions_with_firms(
    *, conn: Connection, columns: Sequence[Any], kinds: Collection[str]
) -> Iterator[Row[Any]]:
    """(firm id, *columns) of the active sanctions of these kinds that are in a firm; `columns`
    may name IngestRun's (the sanction's run is joined)."""
    query = (
        select(EntityMember.entity_id, *columns)
        .join(EntityMember, EntityMember.record_key == "sanction:" + Sanction.source_key)
        .join(IngestRun, IngestRun.id == Sanction.run_id)
        .where(Sanction.status == "active", Sanction.kind.in_(kinds))
    )
    yield from conn.execute(query)


def firm_of_records(*, conn: Connection) -> dict[str, str]:
    """Record key -> the firm it is in, for every record in a firm."""
    return {k: e for k, e in conn.execute(select(EntityMember.record_key, EntityMember.entity_id))}


def links(*, conn: Connection, status: str) -> Iterator[LinkRow]:
    """(record_a, record_b, probability, evidence) of the links with this status."""
    yield from conn.execute(
        select(Link.record_a, Link.record_b, Link.probability, Link.evidence).where(
            Link.status == status
        )
    )


def held_for_a_person(*, conn: Connection, marker: str) -> Iterator[LinkRow]:
    """(record_a, record_b, probability, evidence) of the refused links whose reason carries
    `marker`: refused only so that a person decides (`matching.cluster.NOT_FROM_NAME`)."""
    yield from conn.execute(
        select(Link.record_a, Link.record_b, Link.probability, Link.evidence).where(
            Link.status == "refused", Link.reason.contains(marker, autoescape=True)
        )
    )


def linked_touching(*, conn: Connection, keys: Sequence[str]) -> Iterator[LinkRow]:
    """(record_a, record_b, probability, evidence) of the made links with a side in `keys`."""
    yield from conn.execute(
        select(Link.record_a, Link.record_b, Link.probability, Link.evidence).where(
            Link.status == "linked", (Link.record_a.in_(keys)) | (Link.record_b.in_(keys))
        )
    )


# In the order of the rows' fields (`app.alerts.detect._Row`).
_AWARD = (Award.id, Award.ocid, Award.kind, Award.item_id, Award.award_id)
_DAYS = (Award.date, Award.date_signed, Award.period_start)
_WHAT = (Award.value_amount, Award.currency, Award.buyer_name, Award.source_file)
_SUPPLIER = (AwardSupplier.party_key, AwardSupplier.name, AwardSupplier.rfc_raw)
_FIRM = (EntityMember.entity_id, EntityMember.probability)


def award_suppliers(*, conn: Connection) -> Iterator[Sequence[Any]]:
    """Per award and named supplier: the award's dates, value, buyer and source, the supplier's
    party key, name and RFC, and the firm (and probability) its party record is in, if any."""
    query = (
        select(*_AWARD, *_DAYS, *_WHAT, IngestRun.retrieved_at, *_SUPPLIER, *_FIRM)
        .join(AwardSupplier, AwardSupplier.award_pk == Award.id)
        .join(IngestRun, IngestRun.id == Award.run_id)
        .join(
            EntityMember,
            EntityMember.record_key == "party:" + AwardSupplier.party_key,
            isouter=True,
        )
        .where(AwardSupplier.party_key.is_not(None))
    )
    # Per statement: on a Connection, execution_options() would stay set for the INSERTs that
    # follow, and PostgreSQL cannot run an INSERT through a server-side cursor.
    yield from conn.execute(query, execution_options={"yield_per": 20_000})
