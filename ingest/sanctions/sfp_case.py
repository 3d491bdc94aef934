"""What every form of the SFP directory (JSON API, XLSX download, older CSV export) shares: the
case's source key, its kind, amounts and the end date computed from the period.

One function builds the key for all forms, so a case read from the JSON and the same case read
from the XLSX are one record: the forms are renderings of the same registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ingest.sanctions._common import clean_text, fold, key_part
from ingest.sanctions.periods import add_period, parse_period

REGISTRY = "sfp"
_CENTS = Decimal("0.01")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")

# The details keys the JSON publishes and the tables (XLSX, CSV) cannot: the agency's code and
# the long case numbers that embed it. A table row names them absent, so a sparser snapshot
# does not erase them.
JSON_ONLY_DETAILS = frozenset(
    {"details.clave_dependencia", "details.numero_expediente", "details.numero_procedimiento_adm"}
)


def folded_key(value: object) -> str:
    """Upper-case, accents and punctuation folded: "Aeropuerto  Internacional ... S.A. de C.V."
    and "AEROPUERTO INTERNACIONAL ... S.A DE C.V." give the same key segment."""
    text = clean_text(value)
    return _NOT_ALNUM.sub(" ", fold(text).upper()).strip() if text else ""


def case_key(
    *,
    procedure: object,
    case: object,
    authority: object,
    name: object,
    rfc: object = None,
    start: date | None = None,
) -> str:
    """The source key of one SFP case, from the SHORT numbers the XLSX also shows.

    The JSON's long numbers are the agency's code + the short number ("00641" + "PA-0038/2024");
    the XLSX has the short number and the agency's name, never its code. Short numbers repeat
    across agencies (384 groups in the 2026-06 capture: every agency has a "PA-0001/2024"), so
    the folded agency name goes into the key; in that capture name and code are one-to-one, so
    short numbers + name are exactly as unique as the long numbers. One expediente can cover
    several firms, each with its own procedure; a row without a procedure number is told apart
    by the firm's name. The RFC is left out (mistyped in ~9% of the directory, corrected over
    time, and absent from the XLSX).

    A debarment's start date ends the key (`@2023-11-17`): one procedure can sanction a firm
    twice (DACEGA 2020 and 2023, FARMACIAS NACIONALES 2023 and 2026), and a file that lists only
    one of the two (a partial XLSX, a later snapshot) must update that one, never the other. A
    case that SFP re-dates becomes a new record and the old one is withdrawn with the snapshot
    (history keeps both).
    """
    return _case_key(procedure, case, authority, name, rfc) + (
        f"@{start.isoformat()}" if start is not None else ""
    )


def _case_key(procedure: object, case: object, authority: object, name: object, rfc: object) -> str:
    agency = folded_key(authority)
    procedure_part, case_part = key_part(procedure), key_part(case)
    if procedure_part:
        return f"{REGISTRY}:{procedure_part}:{case_part}:{agency}"
    if case_part:
        return f"{REGISTRY}::{case_part}:{agency}:{folded_key(name)}"
    rfc_part = key_part(rfc)
    if rfc_part:
        return f"{REGISTRY}:rfc:{rfc_part}"
    return f"{REGISTRY}:name:{folded_key(name)}:{agency}"


def short_number(short: object, long: object, agency_code: object) -> str | None:
    """The short form of a case number: as published, else the long one without its agency
    code prefix ("006410246/2022" -> "0246/2022"), else the long one."""
    published = clean_text(short)
    if published:
        return published
    whole, code = clean_text(long), clean_text(agency_code)
    if whole and code and whole.startswith(code) and len(whole) > len(code):
        return whole[len(code) :]
    return whole


def money(amount: Decimal | None) -> Decimal | None:
    """Amounts to the cent: the JSON says "967896", the XLSX "967,896.00"; one amount."""
    return amount.quantize(_CENTS) if amount is not None else None


def kind_of(start: date | None, amount: Decimal | None) -> str:
    # A start date makes a debarment (which may carry a fine too); a fine alone has no dates.
    if start is not None:
        return "debarment"
    if amount is not None and amount > 0:
        return "fine"
    return "other"


@dataclass(frozen=True, slots=True)
class Term:
    end: date | None
    computed: bool
    published_end: date | None = None  # set when the published end was not used


def term_end(start: date | None, end: date | None, period: str | None) -> Term:
    """The end date as published; when only the start is, computed from a readable period.

    SFP also publishes ends before their starts (GEN INDUSTRIAL 2025-12-31 to 2025-03-31, "3
    meses"): taken as published, such a debarment bars nobody on any day. When the period is
    readable the end is computed from it (the published one kept in details); when it is not,
    the end is left open rather than let a typo clear a barred firm: the details say why, and
    a person reading the record sees both dates."""
    if start is not None and end is not None and end < start:
        parsed = parse_period(period)
        computed = add_period(start, parsed) if parsed is not None else None
        return Term(computed, computed is not None, published_end=end)
    if end is not None or start is None:
        return Term(end, False)
    parsed = parse_period(period)
    if parsed is None:
        return Term(None, False)
    return Term(add_period(start, parsed), True)


def term_details(term: Term) -> dict[str, Any]:
    details: dict[str, Any] = {"fecha_final_calculada": True} if term.computed else {}
    if term.published_end is not None:
        details["fecha_final_publicada"] = term.published_end.isoformat()
        details["fecha_final_anterior_al_inicio"] = True
    return details
