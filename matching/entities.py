"""Entity pages and search, read from the store."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from app.store.tables import (
    Award,
    AwardSupplier,
    Entity,
    EntityMember,
    IngestRun,
    Judgement,
    Link,
    LinkRecord,
    Sanction,
)
from matching import names, rfc
from matching.results import (
    EntityDetail,
    EntityPage,
    EntitySummary,
    FirmAward,
    FirmRef,
    FirmSanction,
    Judged,
    LinkOut,
    MemberRecord,
    RecordOut,
    ReviewItem,
    ReviewPage,
)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def detail(engine: Engine, entity_id: str) -> EntityDetail | None:
    """All member records, the links among them with evidence, sanctions and awards won."""
    with Session(engine) as conn:
        entity = conn.execute(select(Entity).where(Entity.id == entity_id)).scalar()
        if entity is None:
            return None
        members = conn.execute(
            select(
                LinkRecord.record_key,
                LinkRecord.source,
                LinkRecord.source_key,
                LinkRecord.name,
                LinkRecord.rfc_raw,
                LinkRecord.record_type,
                EntityMember.probability,
            )
            .join(EntityMember, EntityMember.record_key == LinkRecord.record_key)
            .where(EntityMember.entity_id == entity_id)
            .order_by(LinkRecord.record_key)
        ).all()
        keys = [m.record_key for m in members]
        links = (
            conn.execute(
                select(Link)
                .where(or_(Link.record_a.in_(keys), Link.record_b.in_(keys)))
                .order_by(Link.probability.desc())
            )
            .scalars()
            .all()
            if keys
            else []
        )
        sanction_keys = [m.source_key for m in members if m.record_type == "sanction"]
        sanctions = (
            conn.execute(
                select(Sanction, IngestRun.retrieved_at)
                .join(IngestRun, IngestRun.id == Sanction.run_id)
                .where(Sanction.source_key.in_(sanction_keys))
                .order_by(Sanction.start_date)
            ).all()
            if sanction_keys
            else []
        )
        party_keys = [m.source_key for m in members if m.record_type == "party"]
        awards = (
            conn.execute(
                select(
                    Award,
                    AwardSupplier.name.label("supplier_name"),
                    AwardSupplier.rfc_raw.label("supplier_rfc"),
                )
                .join(AwardSupplier, AwardSupplier.award_pk == Award.id)
                .where(AwardSupplier.party_key.in_(party_keys))
                .order_by(Award.date, Award.date_signed)
            ).all()
            if party_keys
            else []
        )
    return EntityDetail(
        entity_id=entity.id,
        display_name=entity.display_name,
        rfcs=entity.rfcs.split() if entity.rfcs else [],
        size=entity.size,
        records=[
            MemberRecord(
                record_key=m.record_key,
                source=m.source,
                source_key=m.source_key,
                name=m.name,
                rfc=m.rfc_raw,
                probability=None if m.probability is None else float(m.probability),
            )
            for m in members
        ],
        links=[
            LinkOut(
                record_a=link.record_a,
                record_b=link.record_b,
                probability=float(link.probability),
                match_weight=float(link.match_weight),
                status=link.status,
                reason=link.reason,
                evidence=link.evidence,
            )
            for link in links
        ],
        sanctions=[
            FirmSanction(
                registry=s.registry_code,
                case_number=s.case_number,
                kind=s.kind,
                authority=s.authority,
                start=_iso(s.start_date),
                end=_iso(s.end_date),
                status=s.raw_status,
                withdrawn=s.status != "active",
                source_file=s.source_file,
                position=s.position,
                retrieved_at=_iso(retrieved),
            )
            for s, retrieved in ((row[0], row[1]) for row in sanctions)
        ],
        awards=[
            FirmAward(
                ocid=a.ocid,
                kind=a.kind,
                id=a.item_id,
                award_id=a.award_id,
                title=a.title,
                date=_iso(a.date),
                date_signed=_iso(a.date_signed),
                period_start=_iso(a.period_start),
                period_end=_iso(a.period_end),
                value=None if a.value_amount is None else float(a.value_amount),
                currency=a.currency,
                buyer=a.buyer_name,
                supplier_name=supplier_name,
                supplier_rfc=supplier_rfc,
                url=a.url,
                source_file=a.source_file,
            )
            for a, supplier_name, supplier_rfc in ((row[0], row[1], row[2]) for row in awards)
        ],
    )


def named(engine: Engine, entity_ids: Collection[str]) -> dict[str, tuple[str | None, str | None]]:
    """entity -> (display name, normalised RFCs space-separated), for those that exist."""
    if not entity_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Entity.id, Entity.display_name, Entity.rfcs).where(
                Entity.id.in_(sorted(entity_ids))
            )
        )
        return {eid: (name, rfcs) for eid, name, rfcs in rows}


def search(
    engine: Engine, q: str, *, page: int, per_page: int, offset: int | None = None
) -> EntityPage:
    """Entities whose records carry the RFC `q`, or whose names contain its words. `offset`
    (a suggest cursor) skips that many instead of the pages before `page`."""
    found = rfc.best(q)
    if found is not None and found.usable:
        condition = LinkRecord.rfc == found.value
    else:
        norm = names.parse_name(q).norm or names.normalise_text(q)
        if not norm:
            return EntityPage(total=0, page=page, per_page=per_page, items=[])
        condition = LinkRecord.name_norm.like(f"%{norm}%")
    matching = (
        select(EntityMember.entity_id)
        .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
        .where(condition)
        .distinct()
        .subquery()
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(matching)).scalar_one()
        rows = conn.execute(
            select(Entity)
            .where(Entity.id.in_(select(matching.c.entity_id)))
            .order_by(Entity.size.desc(), Entity.id)
            .offset((page - 1) * per_page if offset is None else offset)
            .limit(per_page)
        ).all()
    return EntityPage(
        total=int(total),
        page=page,
        per_page=per_page,
        items=[
            EntitySummary(
                entity_id=r.id,
                display_name=r.display_name,
                rfcs=r.rfcs.split() if r.rfcs else [],
                size=r.size,
            )
            for r in rows
        ],
    )


def review_queue(engine: Engine, *, page: int, per_page: int) -> ReviewPage:
    """Uncertain and refused links, those touching a sanction first, then the most probable."""
    touches_sanction = or_(Link.record_a.like("sanction:%"), Link.record_b.like("sanction:%"))
    with engine.connect() as conn:
        base = select(Link).where(Link.status.in_(["review", "refused"]))
        total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = conn.execute(
            base.order_by(touches_sanction.desc(), Link.probability.desc(), Link.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        keys = {k for r in rows for k in (r.record_a, r.record_b)}
        published = (
            {
                r.record_key: RecordOut(
                    source=r.source, source_key=r.source_key, name=r.name, rfc=r.rfc_raw
                )
                for r in conn.execute(select(LinkRecord).where(LinkRecord.record_key.in_(keys)))
            }
            if keys
            else {}
        )
        # The firm each record is in now, with its RFCs: a pair is held apart by the RFCs of
        # the firms its records already joined, which need not be either record's own.
        firm_of: dict[str, FirmRef] = (
            {
                key: FirmRef(entity_id=eid, name=name, rfcs=rfcs.split() if rfcs else [])
                for key, eid, name, rfcs in conn.execute(
                    select(EntityMember.record_key, Entity.id, Entity.display_name, Entity.rfcs)
                    .join(Entity, Entity.id == EntityMember.entity_id)
                    .where(EntityMember.record_key.in_(keys))
                )
            }
            if keys
            else {}
        )
        # The latest decision a person already made on a listed pair (applied at the next link).
        judged: dict[tuple[str, str], Judged] = {}
        if keys:
            for a, b, decision, author in conn.execute(
                select(Judgement.record_a, Judgement.record_b, Judgement.decision, Judgement.author)
                .where(Judgement.record_a.in_(keys), Judgement.record_b.in_(keys))
                .order_by(Judgement.id)
            ):
                judged[(a, b) if a < b else (b, a)] = Judged(decision=decision, author=author)
    return ReviewPage(
        total=int(total),
        page=page,
        per_page=per_page,
        items=[
            ReviewItem(
                record_a=r.record_a,
                record_b=r.record_b,
                status=r.status,
                reason=r.reason,
                probability=float(r.probability),
                evidence=r.evidence,
                a=published.get(r.record_a),
                b=published.get(r.record_b),
                judged=judged.get((r.record_a, r.record_b)),
                firm_a=firm_of.get(r.record_a),
                firm_b=firm_of.get(r.record_b),
            )
            for r in rows
        ],
    )
