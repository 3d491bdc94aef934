"""Writing a full link run: link records, entities, members and links (readers of what the last
run left: `link_history`; an incremental run's writes: `neighbourhood`).

Writes are diffs against the previous run, so a link over a large store touches only what
changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Table, delete, insert, select, update

from app.store.bulk import indexes_rebuilt, insert_rows
from app.store.tables import Entity, EntityMember, Link, LinkRecord, LinkRun

ENTITIES: Table = Entity.__table__  # type: ignore[assignment]
MEMBERS: Table = EntityMember.__table__  # type: ignore[assignment]
LINKS: Table = Link.__table__  # type: ignore[assignment]
RECORDS: Table = LinkRecord.__table__  # type: ignore[assignment]
RUNS: Table = LinkRun.__table__  # type: ignore[assignment]
CHUNK = 5000  # keys per IN list, rows per insert


class SourceRecord(Protocol):
    """What the store keeps of a linked record (`matching.records.SourceRecord` is one): a
    protocol, so that the store does not import the matching code that uses it."""

    @property
    def record_key(self) -> str: ...
    @property
    def record_type(self) -> str: ...
    @property
    def record_id(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def source_key(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def rfc_raw(self) -> str | None: ...


@dataclass(slots=True)
class PreviousState:
    model_version: str | None = None
    hashes: dict[str, str] = field(default_factory=dict)  # record key -> features hash
    entity_of: dict[str, str] = field(default_factory=dict)  # record key -> entity id
    probability: dict[str, float | None] = field(default_factory=dict)


def chunks(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def write(
    *,
    conn: Connection,
    records: Sequence[SourceRecord],
    hashes: Sequence[str],
    names: Sequence[str | None],
    rfc_values: Sequence[str | None],
    members: Sequence[Sequence[str]],
    ids: Sequence[str],
    strongest: Mapping[str, float],
    links: Sequence[LinkRow],
    previous: PreviousState,
    model_version: str,
    summary: dict[str, Any],
) -> tuple[int, int]:
    """Store one link run in the caller's transaction; returns its id and how many entities
    changed."""
    now = datetime.now(UTC)
    run_id = int(
        conn.execute(
            insert(RUNS)
            .values(
                mode=summary["mode"],
                model_version=model_version,
                started_at=now,
                status="running",
            )
            .returning(RUNS.c.id)
        ).scalar_one()
    )
    _write_records(conn, records, hashes, names, rfc_values, previous)
    rfc_of = {r.record_key: v for r, v in zip(records, rfc_values, strict=True) if v}
    changed = _write_members(conn, members, ids, strongest, previous, run_id, now, records, rfc_of)
    with indexes_rebuilt(conn, LINKS, worth_it=True):
        conn.execute(delete(LINKS))  # a full run rewrites every link
        for chunk in chunks(link_rows(links, run_id)):
            insert_rows(conn, LINKS, list(chunk))
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status="ok", finished_at=datetime.now(UTC), summary=summary)
    )
    return run_id, changed


def record_row(
    record: SourceRecord, features_hash: str, rfc: str | None, name_norm: str | None
) -> dict[str, Any]:
    """A `link_records` row: the record as published, and what the link saw of it."""
    return {
        "record_key": record.record_key,
        "record_type": record.record_type,
        "record_id": record.record_id,
        "source": record.source,
        "source_key": record.source_key,
        "name": record.name,
        "rfc_raw": record.rfc_raw,
        "content_hash": features_hash,
        "rfc": rfc,
        "name_norm": name_norm,
    }


def _write_records(
    conn: Connection,
    records: Sequence[SourceRecord],
    hashes: Sequence[str],
    names: Sequence[str | None],
    rfc_values: Sequence[str | None],
    previous: PreviousState,
) -> None:
    current = {r.record_key for r in records}
    gone = [k for k in previous.hashes if k not in current]
    for chunk in chunks(gone):
        conn.execute(delete(RECORDS).where(RECORDS.c.record_key.in_(chunk)))
    fresh: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        old = previous.hashes.get(r.record_key)
        if old == hashes[i]:
            continue
        row = record_row(r, hashes[i], rfc_values[i], names[i])
        (fresh if old is None else changed).append(row)
    kept = len(previous.hashes) - len(gone) - len(changed)
    with indexes_rebuilt(conn, RECORDS, worth_it=len(fresh) + len(changed) > kept):
        for chunk in chunks(fresh):
            insert_rows(conn, RECORDS, list(chunk))
        for chunk in chunks(changed):
            keys = [row["record_key"] for row in chunk]
            conn.execute(delete(RECORDS).where(RECORDS.c.record_key.in_(keys)))
            insert_rows(conn, RECORDS, list(chunk))


def display_name(
    published: Mapping[str, tuple[str | None, str]], keys: Sequence[str]
) -> str | None:
    """The name most of `keys` publish (`published`: key -> (name, record type)); sanctions and
    registers spell names better than OCDS, so they count double."""
    counts: Counter[str] = Counter()
    for key in keys:
        name, record_type = published.get(key, (None, ""))
        if name:
            counts[" ".join(name.split())] += 2 if record_type != "party" else 1
    if not counts:
        return None
    return max(counts.items(), key=lambda item: (item[1], len(item[0]), item[0]))[0]


def entity_row(
    entity_id: str,
    keys: Sequence[str],
    published: Mapping[str, tuple[str | None, str]],
    rfc_of: Mapping[str, str | None],
    created: datetime,
    now: datetime,
    run_id: int,
) -> dict[str, Any]:
    """An `entities` row for the records `keys`: display name, RFCs, size, and when."""
    rfcs = sorted({rfc for k in keys if (rfc := rfc_of.get(k))})
    return {
        "id": entity_id,
        "display_name": display_name(published, keys),
        "rfcs": " ".join(rfcs) or None,
        "size": len(keys),
        "created_at": created,
        "updated_at": now,
        "link_run_id": run_id,
    }


def _write_members(
    conn: Connection,
    members: Sequence[Sequence[str]],
    ids: Sequence[str],
    strongest: Mapping[str, float],
    previous: PreviousState,
    run_id: int,
    now: datetime,
    records: Sequence[SourceRecord],
    rfc_of: Mapping[str, str],
) -> int:
    published = {r.record_key: (r.name, r.record_type) for r in records}
    new_of: dict[str, str] = {}
    changed_entities: set[str] = set()
    entity_rows: dict[str, dict[str, Any]] = {}
    for keys, entity_id in zip(members, ids, strict=True):
        for key in keys:
            new_of[key] = entity_id
        entity_rows[entity_id] = {"keys": keys}
    member_inserts, member_updates = [], []
    for key, entity_id in new_of.items():
        p = strongest.get(key)
        old = previous.entity_of.get(key)
        if old is None:
            member_inserts.append({"record_key": key, "entity_id": entity_id, "probability": p})
            changed_entities.add(entity_id)
        elif old != entity_id or previous.probability.get(key) != p:
            member_updates.append({"record_key": key, "entity_id": entity_id, "probability": p})
            changed_entities.update({entity_id, old})
    removed = [k for k in previous.entity_of if k not in new_of]
    changed_entities.update(previous.entity_of[k] for k in removed)
    for chunk in chunks(removed):
        conn.execute(delete(MEMBERS).where(MEMBERS.c.record_key.in_(chunk)))
    kept = len(previous.entity_of) - len(removed) - len(member_updates)
    written = len(member_updates) + len(member_inserts)
    with indexes_rebuilt(conn, MEMBERS, worth_it=written > kept):
        for chunk in chunks(member_updates):
            keys = [r["record_key"] for r in chunk]
            conn.execute(delete(MEMBERS).where(MEMBERS.c.record_key.in_(keys)))
            insert_rows(conn, MEMBERS, list(chunk))
        for chunk in chunks(member_inserts):
            insert_rows(conn, MEMBERS, list(chunk))
    # Entities whose membership changed are rewritten; ids that no longer exist are removed.
    stale = sorted(changed_entities)
    created: dict[str, datetime] = {}
    for chunk in chunks(stale):
        created.update(
            (eid, at)
            for eid, at in conn.execute(
                select(Entity.id, Entity.created_at).where(Entity.id.in_(chunk))
            )
        )
        conn.execute(delete(ENTITIES).where(ENTITIES.c.id.in_(chunk)))
    rows = []
    for entity_id in stale:
        info = entity_rows.get(entity_id)
        if info is None:
            continue
        rows.append(
            entity_row(
                entity_id, info["keys"], published, rfc_of, created.get(entity_id, now), now, run_id
            )
        )
    for chunk in chunks(rows):
        insert_rows(conn, ENTITIES, list(chunk))
    return len(rows)


LinkRow = tuple[str, str, float, float, list[dict[str, Any]], str, str | None]


def link_rows(links: Sequence[LinkRow], run_id: int) -> list[dict[str, Any]]:
    """(a, b, probability, match weight, evidence, status, reason) as `links` table rows."""
    return [
        {
            "record_a": a,
            "record_b": b,
            "probability": p,
            "match_weight": mw,
            "evidence": ev,
            "status": status,
            "reason": reason,
            "link_run_id": run_id,
        }
        for a, b, p, mw, ev, status, reason in links
    ]
