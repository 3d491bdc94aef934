"""Batched, portable upserts (SQLite and PostgreSQL alike): select the keys a batch already has,
insert the new rows, update the changed ones, and count the unchanged. No dialect-specific
ON CONFLICT, so the same code and the same counts hold on both engines."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from app.models import Award, AwardSupplier, Party, RecordHistory, Sanction, SupplierEntry
from matching import rfc as rfcs

PARTIES: Table = Party.__table__  # type: ignore[assignment]
AWARDS: Table = Award.__table__  # type: ignore[assignment]
AWARD_SUPPLIERS: Table = AwardSupplier.__table__  # type: ignore[assignment]
SANCTIONS: Table = Sanction.__table__  # type: ignore[assignment]
SUPPLIER_ENTRIES: Table = SupplierEntry.__table__  # type: ignore[assignment]
HISTORY: Table = RecordHistory.__table__  # type: ignore[assignment]

PROVENANCE = ("run_id", "source_file", "position", "content_hash")


@dataclass(slots=True)
class Counts:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.loaded += other.loaded
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class Changed:
    """Which keys a batch inserted or updated, so a caller can count per release."""

    inserted: set[str]
    updated: set[str]


def content_hash(values: dict[str, Any]) -> str:
    """A fingerprint of what a record says (not where it came from), to spot real changes."""
    data = {k: v for k, v in values.items() if k not in PROVENANCE}
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def rfc_columns(raw: str | None) -> dict[str, Any]:
    """The RFC columns every linkable record has: as published, best usable, all, kind, check."""
    found = rfcs.split(raw)
    usable = [r for r in found if r.usable]
    best = usable[0] if usable else (found[0] if found else None)
    return {
        "rfc_raw": raw.strip() if raw else None,
        "rfc": best.value if best is not None and best.usable else None,
        "rfc_all": " ".join(r.value for r in usable) or None,
        "rfc_kind": best.kind.value if best is not None else None,
        "rfc_check_ok": best.check_ok if best is not None else None,
    }


def _existing(conn: Connection, table: Table, keys: Sequence[str], *extra: str) -> dict[str, Any]:
    cols = [table.c.source_key, table.c.id, table.c.content_hash, *(table.c[e] for e in extra)]
    rows = conn.execute(select(*cols).where(table.c.source_key.in_(keys)))
    return {row[0]: row for row in rows}


def _update_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [c for c in rows[0] if c not in ("id", "_id")]
    stmt = (
        update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    )
    conn.execute(stmt, rows)


def upsert_registry_rows(
    conn: Connection,
    table: Table,
    record_type: str,
    rows: Iterable[dict[str, Any]],
    *,
    run_id: int,
    now: datetime,
) -> Counts:
    """Sanctions and supplier-register entries: keyed by source_key, history kept for changes."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        row["content_hash"] = content_hash(row)
        by_key[row["source_key"]] = row  # a repeated key in one batch: the later row wins
    if not by_key:
        return Counts()
    existing = _existing(conn, table, list(by_key), "status")
    inserts, updates, history = [], [], []
    counts = Counts()
    for key, row in by_key.items():
        row["run_id"] = run_id
        old = existing.get(key)
        if old is None:
            inserts.append(row)
            history.append(_history(record_type, key, run_id, now, "created", row))
            counts.loaded += 1
        elif old.content_hash != row["content_hash"] or old.status != "active":
            change = "restored" if old.status != "active" else "updated"
            updates.append({**row, "_id": old.id, "status": "active", "withdrawn_at": None})
            history.append(_history(record_type, key, run_id, now, change, row))
            counts.updated += 1
        else:
            counts.unchanged += 1
    if inserts:
        conn.execute(insert(table), inserts)
    _update_many(conn, table, updates)
    if history:
        conn.execute(insert(HISTORY), history)
    return counts


def _history(
    record_type: str, key: str, run_id: int, now: datetime, change: str, row: dict[str, Any]
) -> dict[str, Any]:
    data = {k: v for k, v in row.items() if k not in ("run_id", "content_hash")}
    return {
        "record_type": record_type,
        "source_key": key,
        "run_id": run_id,
        "observed_at": now,
        "change": change,
        "data": json.loads(json.dumps(data, default=str)),
    }


def withdraw_missing(
    conn: Connection,
    table: Table,
    record_type: str,
    scope_column: str,
    scope: str,
    seen: set[str],
    *,
    run_id: int,
    now: datetime,
) -> int:
    """Mark records of this registry that the new snapshot no longer lists: kept, not deleted."""
    active = conn.execute(
        select(table.c.id, table.c.source_key).where(
            table.c[scope_column] == scope, table.c.status == "active"
        )
    ).all()
    gone = [(row.id, row.source_key) for row in active if row.source_key not in seen]
    for start in range(0, len(gone), 1000):
        chunk = gone[start : start + 1000]
        conn.execute(
            update(table)
            .where(table.c.id.in_([pk for pk, _ in chunk]))
            .values(status="withdrawn", withdrawn_at=now)
        )
        conn.execute(
            insert(HISTORY),
            [
                _history(record_type, key, run_id, now, "withdrawn", {"status": "withdrawn"})
                for _, key in chunk
            ],
        )
    return len(gone)


def _newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a release may overwrite what an earlier one stored.

    OCDS releases arrive out of order and the same ocid may come as separate releases and as a
    compiled record: only a strictly newer release overwrites, so re-reading any of them is a
    no-op. Undated releases never overwrite dated ones (or each other)."""
    if incoming is None:
        return False
    if stored is None:
        return True
    if incoming.tzinfo is None or stored.tzinfo is None:
        return incoming.replace(tzinfo=None) > stored.replace(tzinfo=None)
    return incoming > stored


def upsert_parties(conn: Connection, rows: Iterable[dict[str, Any]]) -> Changed:
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        row["content_hash"] = content_hash(row)
        prior = by_key.get(row["source_key"])
        if prior is None or _newer(row["release_date"], prior["release_date"]):
            by_key[row["source_key"]] = row
    if not by_key:
        return Changed(set(), set())
    existing = _existing(conn, PARTIES, list(by_key), "release_date")
    inserts, updates = [], []
    for key, row in by_key.items():
        old = existing.get(key)
        if old is None:
            inserts.append(row)
        elif old.content_hash != row["content_hash"] and _newer(
            row["release_date"], old.release_date
        ):
            updates.append({**row, "_id": old.id})
    if inserts:
        conn.execute(insert(PARTIES), inserts)
    _update_many(conn, PARTIES, updates)
    return Changed({r["source_key"] for r in inserts}, {r["source_key"] for r in updates})


def upsert_awards(
    conn: Connection, rows: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> Changed:
    """Awards and contracts with their suppliers (replaced as a whole when the award changes)."""
    by_key: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for award, suppliers in rows:
        award["content_hash"] = content_hash({**award, "suppliers": suppliers})
        prior = by_key.get(award["source_key"])
        if prior is None or _newer(award["release_date"], prior[0]["release_date"]):
            by_key[award["source_key"]] = (award, suppliers)
    if not by_key:
        return Changed(set(), set())
    existing = _existing(conn, AWARDS, list(by_key), "release_date")
    inserts, updates = [], []
    for key, (award, _) in by_key.items():
        old = existing.get(key)
        if old is None:
            inserts.append(award)
        elif old.content_hash != award["content_hash"] and _newer(
            award["release_date"], old.release_date
        ):
            updates.append({**award, "_id": old.id})
    if inserts:
        conn.execute(insert(AWARDS), inserts)
    _update_many(conn, AWARDS, updates)
    changed_keys = [a["source_key"] for a in inserts] + [a["source_key"] for a in updates]
    if changed_keys:
        ids = {
            key: pk
            for key, pk in conn.execute(
                select(AWARDS.c.source_key, AWARDS.c.id).where(
                    AWARDS.c.source_key.in_(changed_keys)
                )
            )
        }
        if updates:
            conn.execute(
                delete(AWARD_SUPPLIERS).where(
                    AWARD_SUPPLIERS.c.award_pk.in_([u["_id"] for u in updates])
                )
            )
        children = [
            {**supplier, "award_pk": ids[key]}
            for key in changed_keys
            for supplier in by_key[key][1]
        ]
        if children:
            conn.execute(insert(AWARD_SUPPLIERS), children)
    return Changed({a["source_key"] for a in inserts}, {a["source_key"] for a in updates})
