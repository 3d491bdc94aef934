"""Entity pages and search, read from the store (`app.store.firms`, `app.store.review`): each
entry point reads on one connection of its own (`app.store.engine.reading`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Engine, Row

from app.store import firms, judgements, review
from app.store.engine import reading
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

TYPES = ("sanction", "party")  # the record types whose rows a firm's page shows


def _plain(row: Row[Any]) -> dict[str, Any]:
    """A row labelled as an answer's fields, its days and instants as ISO text."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row._mapping.items()}


def _rfcs(value: str | None) -> list[str]:
    return value.split() if value else []


def detail(engine: Engine, entity_id: str) -> EntityDetail | None:
    """All member records, the links among them with evidence, sanctions and awards won."""
    with reading(engine) as conn:
        entity = firms.firm(entity_id, conn=conn)
        if entity is None:
            return None
        members = firms.members(entity_id, conn=conn)
        links = firms.links_touching([m.record_key for m in members], conn=conn)
        keys = {t: [m.source_key for m in members if m.record_type == t] for t in TYPES}
        sanctions = firms.sanctions_listed(keys["sanction"], conn=conn)
        awards = firms.awards_won(keys["party"], conn=conn)
    return EntityDetail(
        entity_id=entity.id,
        display_name=entity.display_name,
        rfcs=_rfcs(entity.rfcs),
        size=entity.size,
        records=[MemberRecord.model_validate(_plain(m)) for m in members],
        links=[LinkOut.model_validate(_plain(link)) for link in links],
        sanctions=[
            FirmSanction.model_validate(_plain(s) | {"withdrawn": s.state != "active"})
            for s in sanctions
        ],
        awards=[FirmAward.model_validate(_plain(a)) for a in awards],
    )


def named(engine: Engine, entity_ids: Collection[str]) -> dict[str, tuple[str | None, str | None]]:
    """entity -> (display name, normalised RFCs space-separated), for those that exist."""
    if not entity_ids:
        return {}
    with reading(engine) as conn:
        return firms.named(entity_ids, conn=conn)


def search(
    engine: Engine, q: str, *, page: int, per_page: int, offset: int | None = None
) -> EntityPage:
    """Entities whose records carry the RFC `q`, or whose names contain its words. `offset`
    (a suggest cursor) skips that many instead of the pages before `page`."""
    found = rfc.best(q)
    given = found.value if found is not None and found.usable else None
    norm = None if given is not None else names.parse_name(q).norm or names.normalise_text(q)
    if given is None and not norm:
        return EntityPage(total=0, page=page, per_page=per_page, items=[])
    skip = (page - 1) * per_page if offset is None else offset
    with reading(engine) as conn:
        total, rows = firms.search(
            rfc=given, name_part=norm, offset=skip, limit=per_page, conn=conn
        )
    return EntityPage(
        total=total,
        page=page,
        per_page=per_page,
        items=[
            EntitySummary(
                entity_id=r.id, display_name=r.display_name, rfcs=_rfcs(r.rfcs), size=r.size
            )
            for r in rows
        ],
    )


def review_queue(engine: Engine, *, page: int, per_page: int) -> ReviewPage:
    """Uncertain and refused links, those touching a sanction first, then the most probable."""
    with reading(engine) as conn:
        total, rows = review.queue(offset=(page - 1) * per_page, limit=per_page, conn=conn)
        keys = {k for r in rows for k in (r.record_a, r.record_b)}
        published = {
            key: RecordOut(source=r.source, source_key=r.source_key, name=r.name, rfc=r.rfc_raw)
            for key, r in review.published(keys, conn=conn).items()
        }
        # The firm each record is in now, with its RFCs: a pair is held apart by the RFCs of
        # the firms its records already joined, which need not be either record's own.
        firm_of = {
            key: FirmRef(entity_id=eid, name=name, rfcs=_rfcs(rfcs))
            for key, (eid, name, rfcs) in review.firms_of(keys, conn=conn).items()
        }
        # The latest decision a person already made on a listed pair (applied at the next link).
        judged = {
            pair: Judged(decision=decision, author=author)
            for pair, (decision, author) in judgements.latest_among(keys, conn=conn).items()
        }
    return ReviewPage(
        total=total,
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
