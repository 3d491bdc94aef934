"""Registries (sanctions, supplier registers): batched, portable upserts keyed by source key,
with a history row for every change. No dialect-specific ON CONFLICT: select the keys a batch
already has (`bulk.stored_by_key`), insert the new rows, update the changed ones, count the
unchanged, so the same code and the same counts hold on SQLite and PostgreSQL.

A registry row may name columns its source does not publish (`ABSENT`, from the reader's
`absent`): a sparser snapshot is not evidence that what an earlier one said was wrong, so those
columns keep their stored values. Only such rows cost a second lookup (one statement per batch,
for their keys and those columns alone); full snapshots never pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update

from app.store.bulk import insert_rows, stored_by_key, update_many
from app.store.hashes import ABSENT, changed, content_hash, json_keys
from app.store.tables import RecordHistory, Sanction, SupplierEntry

SANCTIONS: Table = Sanction.__table__  # type: ignore[assignment]
SUPPLIER_ENTRIES: Table = SupplierEntry.__table__  # type: ignore[assignment]
HISTORY: Table = RecordHistory.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class Counts:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        other.add_to(self)

    def add_to(self, total: Any) -> None:
        """Add these counts to the fields of the same names on `total` (a running `Counts`, or
        an ingest's per-file result)."""
        for name in ("loaded", "updated", "unchanged"):
            setattr(total, name, getattr(total, name) + getattr(self, name))


def upsert_registry_rows(
    table: Table,
    record_type: str,
    rows: Iterable[dict[str, Any]],
    *,
    conn: Connection,
    run_id: int,
    now: datetime,
) -> Counts:
    """Sanctions and supplier-register entries: keyed by source_key, history kept for changes.

    A row's `ABSENT` columns take their stored values before it is hashed, so a sparse re-read
    of an unchanged record is unchanged, and an update keeps what the sparse source lacks."""
    by_key: dict[str, dict[str, Any]] = {}
    sparse: dict[str, frozenset[str]] = {}
    for row in rows:
        key = row["source_key"]
        by_key[key] = row  # a repeated key in one batch: the later row wins
        absent = row.pop(ABSENT, None)
        if absent:
            sparse[key] = absent
        else:
            sparse.pop(key, None)
    if not by_key:
        return Counts()
    existing = stored_by_key(conn, table, list(by_key), "status")
    _keep_stored(conn, table, by_key, {k: a for k, a in sparse.items() if k in existing})
    nested = json_keys(table)
    for row in by_key.values():
        row["content_hash"] = content_hash(row, nested)
    inserts, updates, history = [], [], []
    counts = Counts()
    for key, row in by_key.items():
        row["run_id"] = run_id
        old = existing.get(key)
        if old is None:
            inserts.append(row)
            history.append(history_row(record_type, key, run_id, now, "created", row))
            counts.loaded += 1
            continue
        old_id, old_hash, old_status = old
        if old_status == "active" and not changed(old_hash, row):
            counts.unchanged += 1
            continue
        change = "restored" if old_status != "active" else "updated"
        updates.append({**row, "_id": old_id, "status": "active", "withdrawn_at": None})
        history.append(history_row(record_type, key, run_id, now, change, row))
        counts.updated += 1
    insert_rows(conn, table, inserts)
    update_many(conn, table, updates)
    insert_rows(conn, HISTORY, history, json_text=("data",))
    return counts


def _keep_stored(
    conn: Connection,
    table: Table,
    by_key: dict[str, dict[str, Any]],
    sparse: dict[str, frozenset[str]],
) -> None:
    """Give each row of `sparse` (source_key -> its absent columns, all stored already) the
    stored values of the columns it does not publish. One statement for the batch."""
    if not sparse:
        return
    columns = sorted({path.partition(".")[0] for absent in sparse.values() for path in absent})
    stored = stored_by_key(conn, table, list(sparse), *columns)
    for key, absent in sparse.items():
        found = stored.get(key)
        if found is None:  # deleted since the first lookup, by someone else: nothing to keep
            continue
        old = dict(zip(columns, found[2:], strict=True))
        row = by_key[key]
        for path in absent:
            column, _, rest = path.partition(".")
            if rest:
                row[column] = _with_stored(row.get(column), old[column], rest.split("."))
            else:
                row[column] = old[column]


def _with_stored(new: Any, old: Any, path: list[str]) -> Any:
    """`new` (a JSON object) with the value `old` holds at `path`; `new` as it is when `old`
    holds nothing there. Copies rather than changes `new`: it is the reader's object."""
    head, rest = path[0], path[1:]
    if not isinstance(old, dict) or head not in old:
        return new
    merged = dict(new) if isinstance(new, dict) else {}
    merged[head] = _with_stored(merged.get(head), old[head], rest) if rest else old[head]
    return merged


def history_row(
    record_type: str, key: str, run_id: int, now: datetime, change: str, row: dict[str, Any]
) -> dict[str, Any]:
    data = {k: v for k, v in row.items() if k not in ("run_id", "content_hash")}
    return {
        "record_type": record_type,
        "source_key": key,
        "run_id": run_id,
        "observed_at": now,
        "change": change,
        # The JSON text the column stores: dates and amounts as strings.
        "data": json.dumps(data, default=str),
    }


def withdraw_missing(
    table: Table,
    record_type: str,
    scope_column: str,
    scope: str,
    seen: set[str],
    *,
    conn: Connection,
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
        insert_rows(
            conn,
            HISTORY,
            [
                history_row(record_type, key, run_id, now, "withdrawn", {"status": "withdrawn"})
                for _, key in chunk
            ],
            json_text=("data",),
        )
    return len(gone)
