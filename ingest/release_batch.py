"""A batch of OCDS items made ready for the store: converted, deduplicated within the file, hashed.

Everything here is pure (no database): it depends only on the items and on the file's earlier
items, so it can run in the reading process (`ingest.prefetch`), overlapping the writer, and
give exactly what running it in the writing process gives. The writer is then left with the
lookups and the inserts, which it alone can do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.store.releases import award_hash, newer_release, party_hash
from ingest.convert import award_values, party_key, party_values
from ingest.rows import OcdsItem, Rejected


class HandedParties:
    """The parties of one file already handed to the store, with their release dates.

    `upsert_parties` keeps the first row of a key unless a later one is strictly newer, and a
    stored row is only overwritten by a strictly newer release: so a party repeated later in the
    file with a release date that is not newer can change nothing, and needs no converting,
    hashing or looking up. ComprasMX repeats its suppliers and buying units on every contract
    (a million rows name ~2% as many parties). Bounded: past `limit` keys it starts afresh,
    which only means a repeated party takes the (equivalent) database path again."""

    def __init__(self, limit: int = 200_000) -> None:
        self._dates: dict[str, datetime | None] = {}
        self._limit = limit

    def repeated(self, key: str, released: datetime | None) -> bool:
        """Whether the party `key` with release date `released` was already handed on with a
        date at least as new; if not, it is recorded as handed."""
        if key in self._dates and not newer_release(released, self._dates[key]):
            return True
        if len(self._dates) >= self._limit:
            self._dates.clear()
        self._dates[key] = released
        return False


@dataclass(slots=True)
class ReleaseBatch:
    """What one batch of a release file gives the store. Rows carry no run id yet: the writer
    knows it, the reader does not."""

    read: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)
    awards: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    # The party and award keys of each release, to count it loaded, updated or unchanged.
    keys_per_release: list[list[str]] = field(default_factory=list)


class ReleasePreparer:
    """Turns the batches of one file, in order, into `ReleaseBatch`es. Stateful (the parties
    already handed on), so one preparer serves one file, in one process."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.handed = HandedParties()

    def __call__(self, items: list[Any]) -> ReleaseBatch:
        batch = ReleaseBatch(read=len(items))
        for item in items:
            if isinstance(item, Rejected):
                batch.rejected.append(item)
                continue
            assert isinstance(item, OcdsItem)
            keys: list[str] = []
            for p in item.parties:
                key = party_key(p.ocid, p.party_id)
                keys.append(key)
                released = p.release_date.astimezone(UTC) if p.release_date is not None else None
                if self.handed.repeated(key, released):
                    continue
                values = party_values(p, self.source_file)
                values["content_hash"] = party_hash(values)
                batch.parties.append(values)
            for a in item.awards:
                award, suppliers = award_values(a, self.source_file)
                award["content_hash"] = award_hash(award, suppliers)
                batch.awards.append((award, suppliers))
                keys.append(award["source_key"])
            batch.keys_per_release.append(keys)
        return batch
