"""The day an award counts from, and which rows are one award: one rule for alerts, the firm
page and its timeline, and the awards counted for OpenRefine.

An award counts from its award date: that is when a barred firm was chosen. A contract with no
award of its own (federal OCDS publishes contracts only; a ComprasMX row is one contract) counts
from its signature, else the start of its period, else the award date (*fecha de fallo*) it
carries: a contract signed inside a debarment is the breach even when the award came before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, TypeVar

AWARD_DATE = "award date"
DATE_SIGNED = "date signed"
PERIOD_START = "period start"

# (kind of row, attribute, basis) in order of preference across the rows of one award.
_ORDER = (
    ("award", "date", AWARD_DATE),
    ("contract", "date_signed", DATE_SIGNED),
    ("contract", "period_start", PERIOD_START),
    ("contract", "date", AWARD_DATE),
)


class Dated(Protocol):
    """An award or contract row (read-only attributes)."""

    @property
    def kind(self) -> str: ...  # award | contract
    @property
    def date(self) -> dt.date | None: ...
    @property
    def date_signed(self) -> dt.date | None: ...
    @property
    def period_start(self) -> dt.date | None: ...


_T = TypeVar("_T", bound=Dated)


class Keyed(Protocol):
    """An award or contract row of one contracting process (read-only attributes)."""

    @property
    def ocid(self) -> str: ...
    @property
    def kind(self) -> str: ...  # award | contract
    @property
    def item_id(self) -> str: ...
    @property
    def award_id(self) -> str | None: ...


_K = TypeVar("_K", bound=Keyed)


def award_keys(rows: Iterable[_K]) -> list[tuple[_K, str]]:
    """Each row of one process with the award it belongs to: an award and its contract are one
    award. A contract names its award by awardID; the airport's contracts name none, and their
    process has a single award, which is then theirs."""
    listed = list(rows)
    awards = {r.item_id for r in listed if r.kind == "award"}
    single = next(iter(awards)) if len(awards) == 1 else None
    out = []
    for row in listed:
        own = row.item_id if row.kind == "award" else (row.award_id or single or row.item_id)
        out.append((row, f"{row.ocid}/{own}"))
    return out


def day_of(rows: Iterable[_T]) -> tuple[dt.date, str, _T] | None:
    """The day, its basis and the row it came from, for the rows (award and contracts) of one
    award; None when none of them is dated."""
    listed = list(rows)
    for kind, attribute, basis in _ORDER:
        for row in listed:
            value = getattr(row, attribute)
            if row.kind == kind and value is not None:
                return value, basis, row
    return None
