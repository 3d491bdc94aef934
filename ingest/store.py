"""Batched, portable upserts (SQLite and PostgreSQL alike): select the keys a batch already has,
insert the new rows, update the changed ones, and count the unchanged. No dialect-specific
ON CONFLICT, so the same code and the same counts hold on both engines.

The hot paths go to the driver directly: the key lookup is one statement with the keys as a
single parameter (`json_each` on SQLite, `= ANY(array)` on PostgreSQL), and inserts go through
`app.bulk`. Updates (rare: a changed record) stay on SQLAlchemy.

A registry row may name columns its source does not publish (`ABSENT`, from the reader's
`absent`): a sparser snapshot is not evidence that what an earlier one said was wrong, so those
columns keep their stored values. Only such rows cost a second lookup (one statement per batch,
for their keys and those columns alone); full snapshots never pay for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Table,
    bindparam,
    delete,
    update,
)

from app.bulk import driver, insert_rows, is_sqlite, quote
from app.models import Award, AwardSupplier, Party, RecordHistory, Sanction, SupplierEntry
from matching import rfc as rfcs

PARTIES: Table = Party.__table__  # type: ignore[assignment]
AWARDS: Table = Award.__table__  # type: ignore[assignment]
AWARD_SUPPLIERS: Table = AwardSupplier.__table__  # type: ignore[assignment]
SANCTIONS: Table = Sanction.__table__  # type: ignore[assignment]
SUPPLIER_ENTRIES: Table = SupplierEntry.__table__  # type: ignore[assignment]
HISTORY: Table = RecordHistory.__table__  # type: ignore[assignment]

PROVENANCE = frozenset({"run_id", "source_file", "position", "content_hash"})
# Key of a registry row (from `ingest.convert`) naming the columns its source does not publish:
# table columns, or "details.<key>[.<key>...]" for a part of a JSON column. Never stored.
ABSENT = "_absent"
_NOT_CONTENT = PROVENANCE | {ABSENT}


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


# --- content hashes ------------------------------------------------------------------------------
# Per dict shape (its keys in order, which of them hold JSON, which are left out): the content
# keys in a fixed (sorted) order, a getter for their values, the positions of the JSON ones, and
# the names' repr, which goes into the hash so that a renamed field counts.
_Shape = tuple[Callable[[dict[str, Any]], Any], tuple[int, ...], bytes]
_SHAPES: dict[tuple[tuple[str, ...], frozenset[str], frozenset[str]], _Shape] = {}
_NOTHING: frozenset[str] = frozenset()


def _shape(keys: tuple[str, ...], json_keys: frozenset[str], skip: frozenset[str]) -> _Shape:
    found = _SHAPES.get((keys, json_keys, skip))
    if found is None:
        names = tuple(sorted(k for k in keys if k not in _NOT_CONTENT and k not in skip))
        getter: Callable[[dict[str, Any]], Any] = (
            itemgetter(*names) if len(names) > 1 else (lambda d: tuple(d[k] for k in names))
        )
        nested = tuple(i for i, name in enumerate(names) if name in json_keys)
        if len(_SHAPES) > 256:  # shapes are a handful per table; never let this grow
            _SHAPES.clear()
        found = _SHAPES[(keys, json_keys, skip)] = (getter, nested, repr(names).encode())
    return found


def content_hash(
    values: dict[str, Any],
    json_keys: frozenset[str] = _NOTHING,
    skip: frozenset[str] = _NOTHING,
) -> str:
    """A fingerprint of what a record says (not where it came from), to spot real changes.

    md5 of the repr of the content values in sorted-key order: deterministic across processes
    (no `hash()`, whose strings are salted per process) and several times cheaper than JSON.
    The values of `json_keys` (JSON columns, whose objects come in the publisher's key order)
    are hashed as sorted-key JSON, so that reordered keys are not a change. `skip` names keys
    that are not content either (an OCDS row's release date: see `upsert_parties`)."""
    getter, nested, names = _shape(tuple(values), json_keys, skip)
    content = getter(values)
    if nested:
        content = list(content)
        for i in nested:
            content[i] = json.dumps(content[i], sort_keys=True, default=str)
    digest = hashlib.md5(names, usedforsecurity=False)
    digest.update(repr(content).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


def json_keys(table: Table) -> frozenset[str]:
    """The keys of `table`'s JSON columns (for `content_hash`)."""
    return frozenset(c.key for c in table.columns if isinstance(c.type, JSON))


def legacy_content_hash(values: dict[str, Any]) -> str:
    """The fingerprint earlier versions stored (sorted-key JSON). Only consulted when a stored
    hash differs from `content_hash`, so that a database loaded before the change does not see
    every record as changed on its next ingest."""
    data = {k: v for k, v in values.items() if k not in PROVENANCE}
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _changed(stored: str, row: dict[str, Any], extra: dict[str, Any] | None = None) -> bool:
    """Whether the hash stored for a record says that `row` (with `extra`, hashed alongside)
    says something else. A hash in the legacy form is recomputed that way to compare."""
    if stored == row["content_hash"]:
        return False
    return stored != legacy_content_hash({**row, **extra} if extra else row)


# --- RFC columns ---------------------------------------------------------------------------------
RFC_COLUMNS = ("rfc_raw", "rfc", "rfc_all", "rfc_kind", "rfc_check_ok")


@lru_cache(maxsize=32768)  # the same firms recur across releases and registries
def rfc_values(raw: str | None) -> tuple[Any, ...]:
    """`rfc_columns` as a tuple in `RFC_COLUMNS` order (cached: do not build on it in place)."""
    found = rfcs.split(raw)
    usable = [r for r in found if r.usable]
    best = usable[0] if usable else (found[0] if found else None)
    return (
        raw.strip() if raw else None,
        best.value if best is not None and best.usable else None,
        " ".join(r.value for r in usable) or None,
        best.kind.value if best is not None else None,
        best.check_ok if best is not None else None,
    )


def rfc_columns(raw: str | None) -> dict[str, Any]:
    """The RFC columns every linkable record has: as published, best usable, all, kind, check."""
    return dict(zip(RFC_COLUMNS, rfc_values(raw), strict=True))


# --- driver-level bulk operations ----------------------------------------------------------------
def _existing(
    conn: Connection, table: Table, keys: Sequence[str], *extra: str
) -> dict[str, tuple[Any, ...]]:
    """source_key -> (id, content_hash, *extra) for the keys the table already has.

    The keys travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so the
    statement text is the same for every batch: one prepared statement, and no per-length
    entries piling up in the driver's statement cache."""
    if not keys:
        return {}
    names = ["source_key", "id", "content_hash", *extra]
    columns = ", ".join(quote(conn, table.c[n].name) for n in names)
    name = quote(conn, table.name)
    cursor = driver(conn).cursor()
    try:
        if is_sqlite(conn):
            cursor.execute(
                f"SELECT {columns} FROM {name} WHERE source_key IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(list(keys)),),
            )
        else:
            cursor.execute(
                f"SELECT {columns} FROM {name} WHERE source_key = ANY(%s)", (list(keys),)
            )
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    processors = [
        (i + 3, p)
        for i, n in enumerate(extra)
        if (p := table.c[n].type.dialect_impl(conn.dialect).result_processor(conn.dialect, None))
    ]
    found: dict[str, tuple[Any, ...]] = {}
    for row in fetched:
        if processors:
            values = list(row)
            for index, process in processors:
                values[index] = process(values[index])
            row = tuple(values)
        found[row[0]] = tuple(row[1:])
    return found


def _next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`, so that children can point at rows inserted in
    bulk. SQLite: this transaction holds the write lock, and max(id) + 1 is what SQLite itself
    would assign. PostgreSQL: drawn from the column's sequence."""
    if count <= 0:
        return []
    cursor = driver(conn).cursor()
    try:
        if is_sqlite(conn):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {quote(conn, table.name)}")
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return sorted(int(row[0]) for row in cursor.fetchall())
    finally:
        cursor.close()


def _update_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [c for c in rows[0] if c not in ("id", "_id")]
    stmt = (
        update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    )
    conn.execute(stmt, rows)


# --- registries ----------------------------------------------------------------------------------
def upsert_registry_rows(
    conn: Connection,
    table: Table,
    record_type: str,
    rows: Iterable[dict[str, Any]],
    *,
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
    existing = _existing(conn, table, list(by_key), "status")
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
            history.append(_history(record_type, key, run_id, now, "created", row))
            counts.loaded += 1
            continue
        old_id, old_hash, old_status = old
        if old_status == "active" and not _changed(old_hash, row):
            counts.unchanged += 1
            continue
        change = "restored" if old_status != "active" else "updated"
        updates.append({**row, "_id": old_id, "status": "active", "withdrawn_at": None})
        history.append(_history(record_type, key, run_id, now, change, row))
        counts.updated += 1
    insert_rows(conn, table, inserts)
    _update_many(conn, table, updates)
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
    stored = _existing(conn, table, list(sparse), *columns)
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
        # The JSON text the column stores: dates and amounts as strings.
        "data": json.dumps(data, default=str),
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
    from sqlalchemy import select

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
                _history(record_type, key, run_id, now, "withdrawn", {"status": "withdrawn"})
                for _, key in chunk
            ],
            json_text=("data",),
        )
    return len(gone)


# --- OCDS ----------------------------------------------------------------------------------------
def newer_release(incoming: datetime | None, stored: datetime | None) -> bool:
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


# Not what a party or an award says: the date of the release (the download) it came from. A
# newer release that says the same thing is no change: the row keeps its content, hash and run
# (the incremental linker re-reads what an ingest run wrote, so it has nothing to re-read), and
# only its release date advances. Advancing it keeps the rule "only a strictly newer release
# overwrites" true to what was last confirmed: an older release read later, or one between the
# two, cannot overwrite what the newer one said again.
RELEASE_DATE = frozenset({"release_date"})


def _utc(instant: datetime | None) -> datetime | None:
    """A stored release date as rows carry it (aware, UTC): SQLite gives it back naive UTC."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _release_changed(
    stored: str,
    stored_date: datetime | None,
    row: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> bool:
    """Whether `row` (with `extra`, hashed alongside) says something else than the stored
    record. Hashes stored by earlier versions include the release date, the stored one: they
    are recomputed that way (both earlier forms) to compare."""
    if stored == row["content_hash"]:
        return False
    then = {**row, **(extra or {}), "release_date": _utc(stored_date)}
    return stored != content_hash(then) and stored != legacy_content_hash(then)


@dataclass(slots=True)
class _Confirmed:
    """Stored rows that a newer release repeats: their release date advances; a hash in an
    earlier form is rewritten in today's (once), so the next read compares directly."""

    dates: dict[datetime, list[int]]
    rehashed: list[dict[str, Any]]

    def add(self, pk: int, row: dict[str, Any], stored_hash: str) -> None:
        if stored_hash == row["content_hash"]:
            self.dates.setdefault(row["release_date"], []).append(pk)
        else:
            self.rehashed.append(
                {
                    "_id": pk,
                    "release_date": row["release_date"],
                    "content_hash": row["content_hash"],
                }
            )

    def write(self, conn: Connection, table: Table) -> None:
        # One statement per release date (a download has one): the rows are not rewritten.
        for when, pks in self.dates.items():
            for start in range(0, len(pks), 10_000):
                conn.execute(
                    update(table)
                    .where(table.c.id.in_(pks[start : start + 10_000]))
                    .values(release_date=when)
                )
        _update_many(conn, table, self.rehashed)


_source_key = itemgetter("source_key")


def party_hash(row: dict[str, Any]) -> str:
    """A party's content hash: its release date is when, not what (see `_release_changed`)."""
    return content_hash(row, _NOTHING, RELEASE_DATE)


def award_hash(award: dict[str, Any], suppliers: list[dict[str, Any]]) -> str:
    """An award's content hash covers its suppliers: a changed supplier changes the award."""
    return content_hash({**award, "suppliers": suppliers}, _NOTHING, RELEASE_DATE)


def upsert_parties(conn: Connection, rows: Iterable[dict[str, Any]]) -> Changed:
    """Parties by source key. A row may come hashed already (`party_hash`, computed where the
    file is read): the hash is a pure function of the row."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        prior = by_key.get(row["source_key"])
        if prior is None or newer_release(row["release_date"], prior["release_date"]):
            by_key[row["source_key"]] = row
    if not by_key:
        return Changed(set(), set())
    existing = _existing(conn, PARTIES, sorted(by_key), "release_date")
    inserts, updates = [], []
    confirmed = _Confirmed({}, [])
    for key, row in by_key.items():
        if "content_hash" not in row:
            row["content_hash"] = party_hash(row)
        old = existing.get(key)
        if old is None:
            inserts.append(row)
            continue
        old_id, old_hash, old_date = old
        if not newer_release(row["release_date"], old_date):
            continue
        if _release_changed(old_hash, old_date, row):
            updates.append({**row, "_id": old_id})
        else:
            confirmed.add(old_id, row, old_hash)
    inserts.sort(key=_source_key)
    insert_rows(conn, PARTIES, inserts)
    _update_many(conn, PARTIES, updates)
    confirmed.write(conn, PARTIES)
    return Changed({r["source_key"] for r in inserts}, {r["source_key"] for r in updates})


def upsert_awards(
    conn: Connection, rows: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> Changed:
    """Awards and contracts with their suppliers (replaced as a whole when the award changes).
    An award may come hashed already (`award_hash`)."""
    by_key: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for award, suppliers in rows:
        prior = by_key.get(award["source_key"])
        if prior is None or newer_release(award["release_date"], prior[0]["release_date"]):
            by_key[award["source_key"]] = (award, suppliers)
    if not by_key:
        return Changed(set(), set())
    # Looked up in key order, as they are inserted below: neighbouring index pages.
    existing = _existing(conn, AWARDS, sorted(by_key), "release_date")
    inserts, updates = [], []
    confirmed = _Confirmed({}, [])
    for key, (award, suppliers) in by_key.items():
        if "content_hash" not in award:
            award["content_hash"] = award_hash(award, suppliers)
        old = existing.get(key)
        if old is None:
            inserts.append(award)
            continue
        old_id, old_hash, old_date = old
        if not newer_release(award["release_date"], old_date):
            continue
        if _release_changed(old_hash, old_date, award, {"suppliers": suppliers}):
            updates.append({**award, "_id": old_id})
        else:
            confirmed.add(old_id, award, old_hash)
    # In key order: the batch's entries then land on neighbouring pages of the unique
    # source_key index instead of 2,000 random ones (a 1M-contract index outgrows the cache).
    inserts.sort(key=_source_key)
    for award, pk in zip(inserts, _next_ids(conn, AWARDS, len(inserts)), strict=True):
        award["id"] = pk
    insert_rows(conn, AWARDS, inserts)
    _update_many(conn, AWARDS, updates)
    confirmed.write(conn, AWARDS)
    if updates:
        conn.execute(
            delete(AWARD_SUPPLIERS).where(
                AWARD_SUPPLIERS.c.award_pk.in_([u["_id"] for u in updates])
            )
        )
    children = []
    for award in (*inserts, *updates):
        pk = award["id"] if "id" in award else award["_id"]
        for supplier in by_key[award["source_key"]][1]:
            supplier["award_pk"] = pk  # hashed already: the rows are this batch's own
            children.append(supplier)
    insert_rows(conn, AWARD_SUPPLIERS, children)
    return Changed({a["source_key"] for a in inserts}, {a["source_key"] for a in updates})
