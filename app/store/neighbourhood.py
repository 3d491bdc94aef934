"""The part of the store an incremental link touches: the entities that new links, moved
records and new judgements reach, their records and the links among them. Read and written
by key, so a run over a large store costs what changed, not what is stored."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.store.bulk import insert_rows
from app.store.links import (
    ENTITIES,
    LINKS,
    MEMBERS,
    RECORDS,
    RUNS,
    LinkRow,
    SourceRecord,
    chunks,
    entity_row,
    link_rows,
    record_row,
)


@dataclass(slots=True)
class Neighbourhood:
    """Stored records of the touched entities, with what the store says of them."""

    entity_of: dict[str, str] = field(default_factory=dict)  # record -> its entity now
    probability: dict[str, float | None] = field(default_factory=dict)
    created: dict[str, datetime] = field(default_factory=dict)  # entity -> created_at
    rfc: dict[str, str | None] = field(default_factory=dict)  # record -> normalised RFC
    published: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # name, type
    # Stored links with both ends in the neighbourhood: (a, b) -> (probability, status, reason).
    links: dict[tuple[str, str], tuple[float, str, str | None]] = field(default_factory=dict)


def _in(conn: Connection, query: Any, column: Any, values: Iterable[str]) -> list[Any]:
    found: list[Any] = []
    for chunk in chunks(sorted(set(values))):
        found.extend(conn.execute(query.where(column.in_(chunk))).all())
    return found


def record_hashes(keys: Collection[str], *, conn: Connection) -> dict[str, str]:
    """record key -> features hash the last link stored, for the keys it knows."""
    query = select(RECORDS.c.record_key, RECORDS.c.content_hash)
    return dict(_in(conn, query, RECORDS.c.record_key, keys))


def entities_of(keys: Collection[str], *, conn: Connection) -> set[str]:
    query = select(MEMBERS.c.entity_id)
    return {row[0] for row in _in(conn, query, MEMBERS.c.record_key, keys)}


def held_apart_from(entity_ids: Collection[str], marker: str, *, conn: Connection) -> set[str]:
    """The entities at the other end of the refused links whose reason carries `marker` (a
    suspect RFC: `matching.cluster.NOT_FROM_NAME`) from a record of `entity_ids`. Clearing or
    making a suspect among these changes why such a link was refused, and the alert scan reads
    that reason: they are clustered again together, as a full run would."""
    query = select(MEMBERS.c.record_key)
    keys = {row[0] for row in _in(conn, query, MEMBERS.c.entity_id, entity_ids)}
    refused = select(LINKS.c.record_a, LINKS.c.record_b).where(
        LINKS.c.status == "refused", LINKS.c.reason.contains(marker, autoescape=True)
    )
    across: set[str] = set()
    for column in (LINKS.c.record_a, LINKS.c.record_b):
        for a, b in _in(conn, refused, column, keys):
            across.update((a, b))
    return entities_of(across - keys, conn=conn)


def gather(entity_ids: Collection[str], *, conn: Connection) -> Neighbourhood:
    """Every record of `entity_ids`, and the stored links among them."""
    hood = Neighbourhood()
    for key, entity, p in _in(
        conn,
        select(MEMBERS.c.record_key, MEMBERS.c.entity_id, MEMBERS.c.probability),
        MEMBERS.c.entity_id,
        entity_ids,
    ):
        hood.entity_of[key] = entity
        hood.probability[key] = p
    for entity, created in _in(
        conn, select(ENTITIES.c.id, ENTITIES.c.created_at), ENTITIES.c.id, entity_ids
    ):
        hood.created[entity] = created
    keys = list(hood.entity_of)
    for key, rfc, name, record_type in _in(
        conn,
        select(RECORDS.c.record_key, RECORDS.c.rfc, RECORDS.c.name, RECORDS.c.record_type),
        RECORDS.c.record_key,
        keys,
    ):
        hood.rfc[key] = rfc
        hood.published[key] = (name, record_type)
    links = select(
        LINKS.c.record_a, LINKS.c.record_b, LINKS.c.probability, LINKS.c.status, LINKS.c.reason
    )
    for a, b, p, status, reason in _in(conn, links, LINKS.c.record_a, keys):
        if b in hood.entity_of:
            hood.links[(a, b)] = (float(p), status, reason)
    return hood


def taken_ids(
    candidates: Collection[str], besides: Collection[str], *, conn: Connection
) -> set[str]:
    """The `candidates` that name entities other than `besides` (fresh ids must not)."""
    query = select(ENTITIES.c.id)
    found = {row[0] for row in _in(conn, query, ENTITIES.c.id, candidates)}
    return found - set(besides)


@dataclass(slots=True)
class LocalResult:
    """What an incremental run decided, for `write`."""

    records: Sequence[SourceRecord]  # new or changed records
    hashes: Mapping[str, str]
    names: Mapping[str, str | None]  # normalised names
    rfcs: Mapping[str, str | None]
    changed: Collection[str]  # stored records whose features changed
    stale: Collection[str]  # records whose stored links no longer hold (moved)
    members: Sequence[Sequence[str]]  # the neighbourhood's clusters
    ids: Sequence[str]
    strongest: Mapping[str, float]
    links: Sequence[LinkRow]  # new links
    # Stored links whose status the new clusters change: (a, b, status, reason).
    status_changes: Sequence[tuple[str, str, str, str | None]]
    touched_entities: Collection[str]  # entity ids before the run


def write(
    hood: Neighbourhood,
    result: LocalResult,
    *,
    conn: Connection,
    model_version: str,
    summary: dict[str, Any],
) -> tuple[int, dict[str, int]]:
    """Store one incremental link run in the caller's transaction; returns its id and the totals
    after it (links, review queue, entities)."""
    now = datetime.now(UTC)
    run_id = int(
        conn.execute(
            insert(RUNS)
            .values(
                mode="incremental",
                model_version=model_version,
                started_at=now,
                status="running",
            )
            .returning(RUNS.c.id)
        ).scalar_one()
    )
    _write_records(conn, result)
    _write_entities(conn, hood, result, run_id, now)
    _write_links(conn, result, run_id)
    counts = _counts(conn)
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status="ok", finished_at=datetime.now(UTC), summary={**summary, **counts})
    )
    return run_id, counts


def _write_records(conn: Connection, result: LocalResult) -> None:
    for chunk in chunks(sorted(result.changed)):
        conn.execute(delete(RECORDS).where(RECORDS.c.record_key.in_(chunk)))
    rows = [
        record_row(
            r, result.hashes[r.record_key], result.rfcs[r.record_key], result.names[r.record_key]
        )
        for r in result.records
    ]
    for chunk in chunks(rows):
        insert_rows(conn, RECORDS, list(chunk))


def _write_entities(
    conn: Connection, hood: Neighbourhood, result: LocalResult, run_id: int, now: datetime
) -> None:
    nodes = [k for keys in result.members for k in keys]
    for chunk in chunks(nodes):
        conn.execute(delete(MEMBERS).where(MEMBERS.c.record_key.in_(chunk)))
    stale = set(result.touched_entities) | set(result.ids)
    for chunk in chunks(sorted(stale)):
        conn.execute(delete(ENTITIES).where(ENTITIES.c.id.in_(chunk)))
    published = dict(hood.published)
    published.update((r.record_key, (r.name, r.record_type)) for r in result.records)
    rfc_of = {**hood.rfc, **result.rfcs}
    members, entities = [], []
    for keys, entity_id in zip(result.members, result.ids, strict=True):
        for key in keys:
            members.append(
                {
                    "record_key": key,
                    "entity_id": entity_id,
                    "probability": result.strongest.get(key),
                }
            )
        created = hood.created.get(entity_id, now)
        entities.append(entity_row(entity_id, keys, published, rfc_of, created, now, run_id))
    for chunk in chunks(members):
        insert_rows(conn, MEMBERS, list(chunk))
    for chunk in chunks(entities):
        insert_rows(conn, ENTITIES, list(chunk))


def _write_links(conn: Connection, result: LocalResult, run_id: int) -> None:
    stale = sorted(result.stale)
    for chunk in chunks(stale):
        conn.execute(delete(LINKS).where(LINKS.c.record_a.in_(chunk)))
        conn.execute(delete(LINKS).where(LINKS.c.record_b.in_(chunk)))
    for a, b, status, reason in result.status_changes:
        conn.execute(
            update(LINKS)
            .where(LINKS.c.record_a == a, LINKS.c.record_b == b)
            .values(status=status, reason=reason, link_run_id=run_id)
        )
    rows = link_rows(result.links, run_id)
    for chunk in chunks(rows):
        insert_rows(conn, LINKS, list(chunk))


def _counts(conn: Connection) -> dict[str, int]:
    """Totals after the run, for its summary."""
    by_status: dict[str, int] = dict(
        conn.execute(select(LINKS.c.status, func.count()).group_by(LINKS.c.status)).all()
    )
    entities = conn.execute(select(func.count()).select_from(ENTITIES)).scalar_one()
    return {
        "links": int(by_status.get("linked", 0)),
        "review_queue": int(by_status.get("review", 0)),
        # Refused links that stand after the run wait in the review queue too.
        "refused": int(by_status.get("refused", 0)),
        "entities": int(entities),
    }
