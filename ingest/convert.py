"""Reader rows -> table rows. Pure functions: the RFC is normalised here, once, for every source."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from app.store.hashes import ABSENT
from ingest.rfc_columns import RFC_COLUMNS, rfc_columns, rfc_values
from ingest.rows import AwardRow, PartyRow, SanctionRow, SupplierEntryRow
from matching import rfc as rfcs


def _collapse(text: str | None) -> str | None:
    if text is None:
        return None
    collapsed = " ".join(str(text).split())
    return collapsed or None


# Names, addresses and buyers recur across releases: collapse each text once.
_clean = lru_cache(maxsize=65536)(_collapse)


@lru_cache(maxsize=1 << 17)
def _usable_rfc(raw: str | None) -> str | None:
    """The first usable RFC in a field, normalised; None when there is none."""
    found = rfcs.best(raw)
    return found.value if found is not None and found.usable else None


def _utc(instant: datetime | None) -> datetime | None:
    # SQLite drops offsets: store instants in UTC so that comparisons mean the same everywhere.
    return instant.astimezone(UTC) if instant is not None else None


MAX_KEY = 200


def bounded(key: str) -> str:
    """Source keys are built from source text (a suppressed 69-B row is keyed by its court
    note); past MAX_KEY characters the tail becomes a digest so every key fits its column."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{key[: MAX_KEY - 17]}~{digest}"


def party_key(ocid: str, party_id: str) -> str:
    return bounded(f"{ocid}/{party_id}")


def party_values(row: PartyRow, source_file: str) -> dict[str, Any]:
    rfc_raw, rfc, rfc_all, rfc_kind, rfc_check_ok = rfc_values(row.rfc_raw)
    address = row.address
    return {
        "source_key": party_key(row.ocid, row.party_id),
        "ocid": row.ocid,
        "party_id": row.party_id,
        "release_id": row.release_id,
        "release_date": _utc(row.release_date),
        "name": _clean(row.name),
        "roles": " ".join(row.roles),
        "identifier_scheme": row.identifier_scheme,
        "identifier_id": row.identifier_id,
        "rfc_raw": rfc_raw,
        "rfc": rfc,
        "rfc_all": rfc_all,
        "rfc_kind": rfc_kind,
        "rfc_check_ok": rfc_check_ok,
        "street": _clean(address.street),
        "locality": _clean(address.locality),
        "region": _clean(address.region),
        "postal_code": _clean(address.postal_code),
        "country": _clean(address.country),
        "source_file": source_file,
        "position": row.position,
    }


def award_values(row: AwardRow, source_file: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    award = {
        "source_key": bounded(f"{row.ocid}/{row.kind}/{row.item_id}"),
        "ocid": row.ocid,
        "release_id": row.release_id,
        "release_date": _utc(row.release_date),
        "kind": row.kind,
        "item_id": row.item_id,
        "award_id": row.award_id,
        "title": _clean(row.title),
        "status": row.status,
        "date": row.date,
        "date_signed": row.date_signed,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "value_amount": row.value_amount,
        "currency": row.currency,
        "buyer_id": row.buyer_id,
        "buyer_name": _clean(row.buyer_name),
        "buyer_rfc": _usable_rfc(row.buyer_rfc_raw),
        "url": row.url,
        "source_file": source_file,
        "position": row.position,
    }
    suppliers = [
        {
            "party_key": party_key(ref.party_ocid or row.ocid, ref.party_id)
            if ref.party_id
            else None,
            "name": _clean(ref.name),
            "rfc_raw": ref.rfc_raw,
            "rfc": _usable_rfc(ref.rfc_raw),
        }
        for ref in row.suppliers
    ]
    return award, suppliers


# Row fields that stand for several columns: the RFC as published gives every derived RFC
# column (a source without an RFC says nothing about them either), an address its parts.
_ADDRESS_COLUMNS = ("street", "locality", "region", "postal_code")
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "rfc_raw": RFC_COLUMNS,
    "address": _ADDRESS_COLUMNS,
    **{f"address.{part}": (part,) for part in _ADDRESS_COLUMNS},
    "address.country": (),  # registers store no country
}


@lru_cache(maxsize=256)  # a reader's rows share a handful of absent sets
def _absent_columns(absent: frozenset[str], columns: frozenset[str]) -> frozenset[str]:
    """A row's `absent` fields as the columns (and "details.<key>" paths) the store keeps.
    An unknown name is a reader's bug: raised, not ignored, or it would erase data silently."""
    found: set[str] = set()
    for name in absent:
        if name in _FIELD_COLUMNS:
            found.update(_FIELD_COLUMNS[name])
        elif name in columns or (name.partition(".")[0] in columns and "." in name):
            found.add(name)
        else:
            raise ValueError(f"absent field {name!r} is not a column of this row")
    return frozenset(found)


def _with_absent(values: dict[str, Any], absent: frozenset[str]) -> dict[str, Any]:
    if absent:
        values[ABSENT] = _absent_columns(absent, frozenset(values))
    return values


def sanction_values(row: SanctionRow, source_file: str) -> dict[str, Any]:
    values = {
        "source_key": bounded(row.source_key),
        "registry": row.registry,
        "case_number": _collapse(row.case_number),
        "name": _collapse(row.name),
        "person_kind": row.person_kind,
        "kind": row.kind,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "authority": _collapse(row.authority),
        "raw_status": _collapse(row.raw_status),
        "amount": row.amount,
        "currency": row.currency,
        "details": row.details,
        **rfc_columns(row.rfc_raw),
        "source_file": source_file,
        "position": row.position,
    }
    return _with_absent(values, row.absent)


def supplier_values(row: SupplierEntryRow, source_file: str) -> dict[str, Any]:
    address = asdict(row.address)
    values = {
        "source_key": bounded(row.source_key),
        "register": row.register,
        "register_id": row.register_id,
        "name": _collapse(row.name),
        **rfc_columns(row.rfc_raw),
        "street": _collapse(address["street"]),
        "locality": _collapse(address["locality"]),
        "region": _collapse(address["region"]),
        "postal_code": _collapse(address["postal_code"]),
        "source_file": source_file,
        "position": row.position,
    }
    return _with_absent(values, row.absent)
