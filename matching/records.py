"""The records to link, read from the store: OCDS parties that sell (suppliers, tenderers,
payees), every sanction listing and every supplier-register entry."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine

from app.store import records as stored
from app.store.engine import reading
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
    if runs is not None and not runs:
        return
    wanted = None if keys is None else by_type
    with reading(engine) as conn:
        for record_type, row in stored.linkable(runs=runs, keys=wanted, chunk=chunk, conn=conn):
            rid, source, key, name, rfc_raw, rfc_all, roles, postal, kind = row
            if roles and set(roles.split()) <= BUYER_ONLY:
                continue
            yield _record(record_type, rid, source, key, name, rfc_raw, rfc_all, postal, kind)


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
