"""The SFP directory as captured from its JSON API: one JSON array of flat records.

It is streamed with ijson, twice: a first cheap pass only collects source keys so that the few
duplicated cases can be numbered stably (see `DuplicateKeys`), the second pass builds the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import ijson

from ingest.dates import parse_day
from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions._common import (
    DuplicateKeys,
    clean_text,
    date_order,
    open_json,
    parse_amount,
    raw_json,
)
from ingest.sanctions.sfp_case import (
    REGISTRY,
    case_key,
    kind_of,
    money,
    short_number,
    term_details,
    term_end,
)

_T = TypeVar("_T")


def read_sfp_json(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per directory record; `Rejected` for records that make no sense."""
    suffixes = _duplicate_suffixes(path)
    for index, record in _records(path):
        yield _row(record, f"item {index}", suffixes.get(index, ""))


def _records(path: Path) -> Iterator[tuple[int, object]]:
    stream, first = open_json(path)
    with stream:
        if first != b"[":
            raise UnreadableSource(f"{path.name}: expected a JSON array of SFP records")
        index = -1
        try:
            # use_float=False keeps non-integer numbers as Decimal: amounts must stay exact.
            for index, record in enumerate(ijson.items(stream, "item", use_float=False)):
                yield index, record
        except ijson.JSONError as exc:
            raise UnreadableSource(f"{path.name}: broken JSON after item {index}: {exc}") from exc


def _agency(record: dict[str, Any]) -> dict[str, Any]:
    agency = record.get("institucion_dependencia")
    return agency if isinstance(agency, dict) else {}


def _short_numbers(record: dict[str, Any]) -> tuple[str | None, str | None]:
    code = _agency(record).get("clave_dependencia")
    procedure = short_number(
        record.get("numprocedimiento_corto"), record.get("numero_procedimiento_adm"), code
    )
    case = short_number(record.get("numexpediente_corto"), record.get("numero_expediente"), code)
    return procedure, case


def _base_key(record: dict[str, Any]) -> str:
    procedure, case = _short_numbers(record)
    return case_key(
        procedure=procedure,
        case=case,
        authority=_agency(record).get("nombre"),
        name=record.get("nombre_razon_social"),
        rfc=record.get("rfc"),
        start=_lenient_start(record),
    )


def _duplicate_suffixes(path: Path) -> dict[int, str]:
    # In the 2026-06 capture three procedures appear twice (re-sanctions under the same
    # procedure, e.g. FNA940617BC1 in 2023 and 2026): the older one keeps the plain key.
    keys = DuplicateKeys()
    for index, record in _records(path):
        if isinstance(record, dict) and _has_party(record):
            keys.add(_base_key(record), date_order(_lenient_start(record)), index)
    return keys.suffixes()


def _has_party(record: dict[str, Any]) -> bool:
    return bool(clean_text(record.get("nombre_razon_social")) or clean_text(record.get("rfc")))


def _lenient_start(record: dict[str, Any]) -> date | None:
    plazo = record.get("plazo")
    try:
        return parse_day(plazo.get("fecha_inicial")) if isinstance(plazo, dict) else None
    except ValueError:
        return None


def _row(record: object, position: str, suffix: str) -> SanctionRow | Rejected:
    if not isinstance(record, dict):
        return Rejected(position, raw_json(record), "record is not a JSON object")
    if not _has_party(record):
        reason = "record has neither nombre_razon_social nor rfc"
        return Rejected(position, raw_json(record), reason)
    parts: dict[str, dict[str, Any]] = {}
    for field in ("plazo", "multa", "institucion_dependencia"):
        value = record.get(field)
        if value is not None and not isinstance(value, dict):
            return Rejected(position, raw_json(record), f"{field} is not an object")
        parts[field] = value or {}
    plazo, multa, agency = parts["plazo"], parts["multa"], parts["institucion_dependencia"]
    try:
        start = _field(parse_day, plazo, "plazo.fecha_inicial")
        end = _field(parse_day, plazo, "plazo.fecha_final")
        amount = money(_field(parse_amount, multa, "multa.monto"))
    except ValueError as exc:
        return Rejected(position, raw_json(record), str(exc))

    # In the 2026-06 capture the ~550 fines carry a `plazo` object whose fields are all null
    # (never `plazo: null`), so the kind is decided on the start date, not on `plazo`.
    term = clean_text(plazo.get("plazo_inha"))
    ends = term_end(start, end, term)
    procedure, case = _short_numbers(record)
    return SanctionRow(
        registry=REGISTRY,
        source_key=_base_key(record) + suffix,
        case_number=case,
        name=clean_text(record.get("nombre_razon_social")),
        rfc_raw=clean_text(record.get("rfc")),
        person_kind=None,  # the directory does not say; the RFC's length will
        kind=kind_of(start, amount),
        start_date=start,
        end_date=ends.end,
        authority=clean_text(agency.get("nombre")),
        raw_status=term,
        amount=amount,
        currency="MXN" if amount is not None else None,
        details={
            "leyes_infringidas": clean_text(record.get("leyes_infringidas")),
            "numero_procedimiento": procedure,
            "numero_procedimiento_adm": clean_text(record.get("numero_procedimiento_adm")),
            "numero_expediente": clean_text(record.get("numero_expediente")),
            "clave_dependencia": clean_text(agency.get("clave_dependencia")),
            "plazo_inha": term,
            **term_details(ends),
        },
        position=position,
    )


def _field(parse: Callable[[object], _T], obj: dict[str, Any], name: str) -> _T:
    """Parse obj[last part of name]; the error names the field, as it becomes the reject reason."""
    try:
        return parse(obj.get(name.rsplit(".", 1)[-1]))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
