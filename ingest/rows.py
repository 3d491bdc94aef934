"""Typed rows that readers yield. Plain slotted dataclasses: a reader makes millions of them.

Readers yield rows (or `Rejected`) and never touch the database; the pipeline normalises RFCs,
hashes content, and upserts. `position` says where in the source file the row came from, in a
form a person can find again ("line 12", "releases[3]", "records[0].compiledRelease").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.errors import BadData


@dataclass(slots=True)
class Address:
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(slots=True)
class PartyRow:
    ocid: str
    party_id: str
    name: str | None
    roles: tuple[str, ...]  # canonical OCDS codes (supplier, buyer, tenderer, ...)
    rfc_raw: str | None  # where the RFC was found, as published
    identifier_scheme: str | None
    identifier_id: str | None
    address: Address
    release_id: str | None
    release_date: datetime | None
    position: str


@dataclass(slots=True)
class SupplierRef:
    party_id: str | None  # the party this award points at, within the same ocid
    name: str | None
    rfc_raw: str | None
    # The process whose parties hold this supplier, when not the award's own: ComprasMX keeps
    # one party per supplier across all its procedures (see ingest/contracts.py).
    party_ocid: str | None = None


@dataclass(slots=True)
class AwardRow:
    ocid: str
    kind: str  # "award" | "contract"
    item_id: str
    award_id: str | None  # contracts: their awardID
    title: str | None
    status: str | None
    date: dt.date | None
    date_signed: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    value_amount: Decimal | None
    currency: str | None
    buyer_id: str | None
    buyer_name: str | None
    buyer_rfc_raw: str | None
    suppliers: tuple[SupplierRef, ...]
    release_id: str | None
    release_date: datetime | None
    position: str
    url: str | None = None  # the public notice of the process, where the source gives one


@dataclass(slots=True)
class SanctionRow:
    registry: str  # sfp | sat-69b | pdn-s3
    source_key: str  # stable within the registry across snapshots
    case_number: str | None
    name: str | None
    rfc_raw: str | None
    person_kind: str | None  # company | person, when the source says
    kind: str  # debarment | fine | efos_definitivo | efos_presunto | ... | other
    start_date: dt.date | None
    end_date: dt.date | None
    authority: str | None
    raw_status: str | None
    amount: Decimal | None
    currency: str | None
    details: dict[str, Any]
    position: str
    # Fields this layout does not publish at all (the SFP XLSX has no RFC column, the 3-column
    # 69-B file has no dates): a sparser snapshot must not erase what an earlier one said, so
    # the store keeps the stored values of these fields. Names are SanctionRow field names;
    # `details` keys are named "details.<key>".
    absent: frozenset[str] = frozenset()


@dataclass(slots=True)
class SupplierEntryRow:
    register: str
    register_id: str | None
    source_key: str  # stable within the register across snapshots
    name: str | None
    rfc_raw: str | None
    address: Address
    position: str
    absent: frozenset[str] = frozenset()  # as SanctionRow.absent


@dataclass(slots=True)
class Rejected:
    """A row the reader could not make sense of: quarantined, counted, reported."""

    position: str
    raw: str
    reason: str


@dataclass(slots=True)
class OcdsItem:
    """Everything one (compiled) release yields, so a release is stored as one unit."""

    parties: list[PartyRow] = field(default_factory=list)
    awards: list[AwardRow] = field(default_factory=list)


class UnreadableSource(BadData):
    """The file as a whole cannot be read (bad encoding, broken JSON, unknown header)."""
