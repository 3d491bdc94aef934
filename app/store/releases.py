"""Parties and awards from OCDS releases (and ComprasMX contracts): batched, portable upserts
where only a strictly newer release overwrites what an earlier one stored.

The hot paths go to the driver directly (`app.store.bulk`): the key lookup is one statement
with the keys as a single parameter, and inserts are DB-API `executemany` or COPY. Updates
(rare: a changed record) stay on SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, delete, update

from app.store.bulk import insert_rows, next_ids, stored_by_key, update_many
from app.store.hashes import NOTHING, content_hash, legacy_content_hash
from app.store.tables import Award, AwardSupplier, Party

PARTIES: Table = Party.__table__  # type: ignore[assignment]
AWARDS: Table = Award.__table__  # type: ignore[assignment]
AWARD_SUPPLIERS: Table = AwardSupplier.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class Changed:
    """Which keys a batch inserted or updated, so a caller can count per release."""

    inserted: set[str]
    updated: set[str]


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
        update_many(conn, table, self.rehashed)


_source_key = itemgetter("source_key")


def _hash(row: dict[str, Any], extra: dict[str, Any]) -> str:
    """A stored row's content hash: its release date is when, not what (see
    `_release_changed`)."""
    return content_hash({**row, **extra}, NOTHING, RELEASE_DATE)


def party_hash(row: dict[str, Any]) -> str:
    return _hash(row, {})


def award_hash(award: dict[str, Any], suppliers: list[dict[str, Any]]) -> str:
    """An award's content hash covers its suppliers: a changed supplier changes the award."""
    return _hash(award, {"suppliers": suppliers})


def _newest(
    rows: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Per source key, the row of the newest release in the batch (with its child rows)."""
    by_key: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for row, children in rows:
        prior = by_key.get(row["source_key"])
        if prior is None or newer_release(row["release_date"], prior[0]["release_date"]):
            by_key[row["source_key"]] = (row, children)
    return by_key


@dataclass(slots=True)
class _Sorted:
    """A batch against the store: rows to insert, to update, and stored rows it confirms."""

    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    confirmed: _Confirmed


def _sort_out(
    conn: Connection,
    table: Table,
    by_key: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]],
    children_field: str | None,
) -> _Sorted:
    """Compare each row (hashed with its children under `children_field`, if any) with the
    stored one of its key. Inserts come back in key order: the batch's entries then land on
    neighbouring pages of the unique source_key index instead of 2,000 random ones (a
    1M-contract index outgrows the cache)."""
    # Looked up in key order, as they are inserted: neighbouring index pages.
    existing = stored_by_key(conn, table, sorted(by_key), "release_date")
    out = _Sorted([], [], _Confirmed({}, []))
    for key, (row, children) in by_key.items():
        extra = {children_field: children} if children_field else {}
        if "content_hash" not in row:
            row["content_hash"] = _hash(row, extra)
        old = existing.get(key)
        if old is None:
            out.inserts.append(row)
            continue
        old_id, old_hash, old_date = old
        if not newer_release(row["release_date"], old_date):
            continue
        if _release_changed(old_hash, old_date, row, extra):
            out.updates.append({**row, "_id": old_id})
        else:
            out.confirmed.add(old_id, row, old_hash)
    out.inserts.sort(key=_source_key)
    return out


def upsert_parties(rows: Iterable[dict[str, Any]], *, conn: Connection) -> Changed:
    """Parties by source key. A row may come hashed already (`party_hash`, computed where the
    file is read): the hash is a pure function of the row."""
    by_key = _newest((row, []) for row in rows)
    if not by_key:
        return Changed(set(), set())
    batch = _sort_out(conn, PARTIES, by_key, None)
    insert_rows(conn, PARTIES, batch.inserts)
    update_many(conn, PARTIES, batch.updates)
    batch.confirmed.write(conn, PARTIES)
    return Changed(
        {r["source_key"] for r in batch.inserts}, {r["source_key"] for r in batch.updates}
    )


def upsert_awards(
    rows: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]], *, conn: Connection
) -> Changed:
    """Awards and contracts with their suppliers (replaced as a whole when the award changes).
    An award may come hashed already (`award_hash`)."""
    by_key = _newest(rows)
    if not by_key:
        return Changed(set(), set())
    batch = _sort_out(conn, AWARDS, by_key, "suppliers")
    inserts, updates, confirmed = batch.inserts, batch.updates, batch.confirmed
    for award, pk in zip(inserts, next_ids(conn, AWARDS, len(inserts)), strict=True):
        award["id"] = pk
    insert_rows(conn, AWARDS, inserts)
    update_many(conn, AWARDS, updates)
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
