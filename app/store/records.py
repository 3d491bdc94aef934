"""The records to link, as the ingest stored them: OCDS parties, sanction listings and
supplier-register entries, the same nine columns from each table."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, literal, null, select

from app.store.tables import Party, Sanction, SupplierEntry

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


def linkable(
    *,
    runs: Collection[int] | None,
    keys: Mapping[str, Sequence[str]] | None,
    chunk: int,
    conn: Connection,
) -> Iterator[tuple[str, Any]]:
    """(record type, row of the nine columns) for every record; with `runs`, only those the
    given ingest runs wrote; with `keys` (record type -> source keys), only those."""
    for record_type, table, query in _QUERIES:
        if runs is not None:
            query = query.where(table.run_id.in_(sorted(runs)))
        if keys is None:
            parts = [query]
        else:
            wanted = keys.get(record_type, [])
            parts = [
                query.where(table.source_key.in_(wanted[start : start + 1000]))
                for start in range(0, len(wanted), 1000)
            ]
        for part in parts:
            for row in conn.execution_options(yield_per=chunk).execute(part):
                yield record_type, row
