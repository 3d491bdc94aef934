"""The records to link, read from the store: OCDS parties that sell (suppliers, tenderers,
payees), every sanction listing and every supplier-register entry."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, literal, null, select

from app.store.tables import Party, Sanction, SupplierEntry
from matching.features import RawRecord

# Parties that only buy or pay are government bodies, not suppliers: they are not linked.
BUYER_ONLY = {"buyer", "procuringEntity", "payer", "funder", "reviewBody", "interestedParty"}


@dataclass(frozen=True, slots=True)
class SourceRecord:
    record_key: str  # "{type}:{source_key}", stable across re-ingests and relinks
    record_type: str  # party | sanction | supplier
    record_id: int
    source: str
    source_key: str
    name: str | None
    rfc_raw: str | None
    raw: RawRecord


def record_key(record_type: str, source_key: str) -> str:
    return f"{record_type}:{source_key}"


def load(
    engine: Engine,
    *,
    runs: Collection[int] | None = None,
    keys: Collection[str] | None = None,
    chunk: int = 50_000,
) -> Iterator[SourceRecord]:
    """Every linkable record; with `runs`, only those the given ingest runs wrote (new or
    changed by them); with `keys`, only those record keys."""
    by_type: dict[str, list[str]] = {}
    for key in keys or ():
        record_type, _, source_key = key.partition(":")
        by_type.setdefault(record_type, []).append(source_key)

    def queries(query: Any, table: Any, record_type: str) -> Iterator[Any]:
        if runs is not None:
            query = query.where(table.run_id.in_(sorted(runs)))
        if keys is None:
            yield query
            return
        wanted = by_type.get(record_type, [])
        for start in range(0, len(wanted), 1000):
            yield query.where(table.source_key.in_(wanted[start : start + 1000]))

    if runs is not None and not runs:
        return
    with engine.connect() as conn:
        for record_type, table, query in _QUERIES:
            for part in queries(query, table, record_type):
                found = conn.execution_options(yield_per=chunk).execute(part)
                for rid, source, key, name, rfc_raw, rfc_all, roles, postal, kind in found:
                    if roles and set(roles.split()) <= BUYER_ONLY:
                        continue
                    yield _record(
                        record_type, rid, source, key, name, rfc_raw, rfc_all, postal, kind
                    )


# Per record type: its table, and the same nine columns from each (id, source, key, name, RFC as
# published and as found, roles, postal code, person kind), NULL where a table has none.
_QUERIES: tuple[tuple[str, Any, Any], ...] = (
    (
        "party",
        Party,
        select(
            Party.id,
            literal("ocds"),
            Party.source_key,
            Party.name,
            Party.rfc_raw,
            Party.rfc_all,
            Party.roles,
            Party.postal_code,
            null(),
        ),
    ),
    (
        "sanction",
        Sanction,
        select(
            Sanction.id,
            Sanction.registry_code,
            Sanction.source_key,
            Sanction.name,
            Sanction.rfc_raw,
            Sanction.rfc_all,
            null(),
            null(),
            Sanction.person_kind,
        ),
    ),
    (
        "supplier",
        SupplierEntry,
        select(
            SupplierEntry.id,
            SupplierEntry.register,
            SupplierEntry.source_key,
            SupplierEntry.name,
            SupplierEntry.rfc_raw,
            SupplierEntry.rfc_all,
            null(),
            SupplierEntry.postal_code,
            null(),
        ),
    ),
)


def _record(
    record_type: str,
    record_id: int,
    source: str,
    source_key: str,
    name: str | None,
    rfc_raw: str | None,
    rfc_all: str | None,
    postal: str | None,
    person_kind: str | None,
) -> SourceRecord:
    key = record_key(record_type, source_key)
    return SourceRecord(
        record_key=key,
        record_type=record_type,
        record_id=record_id,
        source=source,
        source_key=source_key,
        name=name,
        rfc_raw=rfc_raw,
        # rfc_all holds the usable RFCs found in the field; the features take the first.
        raw=RawRecord(key, source, name, rfc_all or rfc_raw, postal, person_kind),
    )
