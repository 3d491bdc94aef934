"""Rows of a tabular SFP directory (XLSX or CSV) as `SanctionRow`s, whatever the container.

A table is opened by a callable returning its layout and its data rows as (position, cells);
cells are whatever the container gives (text from a CSV; text, numbers, dates from a workbook).
It is opened twice: a first pass collects only source keys and start dates, so that a case
listed twice is numbered stably (see `DuplicateKeys`), the second builds the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ingest.dates import parse_day
from ingest.rows import Rejected, SanctionRow
from ingest.sanctions._common import DuplicateKeys, clean_text, date_order, parse_amount
from ingest.sanctions.sfp_case import (
    JSON_ONLY_DETAILS,
    REGISTRY,
    case_key,
    kind_of,
    money,
    term_details,
    term_end,
)
from ingest.sanctions.sfp_layout import Layout

Cells = list[object]
Table = tuple[Layout, Iterator[tuple[str, Cells]]]
TableOpener = Callable[[], AbstractContextManager[Table]]

# What a row says nothing about when its layout lacks the column (see SanctionRow.absent).
_ABSENT_WITHOUT = {
    "rfc": ("rfc_raw",),
    "authority": ("authority",),
    "case": ("case_number",),
    "procedure": ("details.numero_procedimiento",),
    "law": ("details.leyes_infringidas",),
    "start": ("start_date",),
    "amount": ("amount", "currency"),
    "period": ("raw_status", "details.plazo_inha"),
}
# details key -> field, as the JSON names them (the JSON reader writes the same keys).
_DETAILS = {"leyes_infringidas": "law", "numero_procedimiento": "procedure", "plazo_inha": "period"}


def read_table(open_table: TableOpener) -> Iterator[SanctionRow | Rejected]:
    suffixes = _duplicate_suffixes(open_table)
    with open_table() as (layout, rows):
        absent = _absent(layout)
        for index, (position, cells) in enumerate(rows):
            if _blank(cells):
                continue  # empty trailing rows of a sheet are formatting, not data
            yield _row(layout, absent, cells, position, suffixes.get(index, ""))


def cell_text(value: object) -> str | None:
    """A cell as text: numbers typed into a text column ("246" as 246.0) lose the ".0"."""
    if value is None or isinstance(value, bool):
        return clean_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return clean_text(value)


def _blank(cells: Cells) -> bool:
    return all(cell_text(cell) is None for cell in cells)


def _cell(layout: Layout, cells: Cells, field: str) -> object:
    column = layout.columns.get(field)
    return cells[column] if column is not None and column < len(cells) else None


def _text(layout: Layout, cells: Cells, field: str) -> str | None:
    return cell_text(_cell(layout, cells, field))


def _base_key(layout: Layout, cells: Cells) -> str:
    return case_key(
        procedure=_text(layout, cells, "procedure"),
        case=_text(layout, cells, "case"),
        authority=_text(layout, cells, "authority"),
        name=_text(layout, cells, "name"),
        rfc=_text(layout, cells, "rfc"),
        start=_lenient_start(layout, cells),
    )


def _lenient_start(layout: Layout, cells: Cells) -> date | None:
    try:
        start: date | None = parse_day(_cell(layout, cells, "start"))
    except ValueError:
        return None  # the row is rejected for it later, with the reason
    return start


def _duplicate_suffixes(open_table: TableOpener) -> dict[int, str]:
    keys = DuplicateKeys()
    with open_table() as (layout, rows):
        for index, (_, cells) in enumerate(rows):
            if _blank(cells) or not _text(layout, cells, "name"):
                continue
            keys.add(_base_key(layout, cells), date_order(_lenient_start(layout, cells)), index)
    return keys.suffixes()


def _absent(layout: Layout) -> frozenset[str]:
    missing = (names for field, names in _ABSENT_WITHOUT.items() if not layout.has(field))
    return JSON_ONLY_DETAILS | {name for names in missing for name in names}


def _raw(layout: Layout, cells: Cells) -> str:
    named: dict[str, Any] = {}
    for column, value in enumerate(cells):
        header = layout.headers[column] if column < len(layout.headers) else ""
        named[header or f"column {column + 1}"] = value
    return json.dumps(named, ensure_ascii=False, default=str)


def _extra(layout: Layout, cells: Cells) -> dict[str, str]:
    """Cells of columns the layout does not know, by header: kept, never dropped."""
    found: dict[str, str] = {}
    for column, value in enumerate(cells):
        if column in layout.known:
            continue
        text = cell_text(value)
        if text is not None:
            header = layout.headers[column] if column < len(layout.headers) else ""
            found[header or f"column {column + 1}"] = text
    return found


def _parsed(layout: Layout, cells: Cells, field: str, parse: Callable[[object], Any]) -> Any:
    try:
        return parse(_cell(layout, cells, field))
    except ValueError as exc:
        raise ValueError(f"{layout.header(field)}: {exc}") from None


def _row(
    layout: Layout, absent: frozenset[str], cells: Cells, position: str, suffix: str
) -> SanctionRow | Rejected:
    name = _text(layout, cells, "name")
    if name is None:
        reason = f"row has no {layout.header('name')!r} (the sanctioned supplier)"
        return Rejected(position, _raw(layout, cells), reason)
    try:
        start: date | None = _parsed(layout, cells, "start", parse_day)
        end: date | None = _parsed(layout, cells, "end", parse_day)
        amount: Decimal | None = money(_parsed(layout, cells, "amount", parse_amount))
    except ValueError as exc:
        return Rejected(position, _raw(layout, cells), str(exc))
    period = _text(layout, cells, "period")
    term = term_end(start, end, period)
    row_absent = absent if term.end is not None or layout.has("end") else absent | {"end_date"}
    details: dict[str, Any] = {
        key: _text(layout, cells, field) for key, field in _DETAILS.items() if layout.has(field)
    }
    details |= term_details(term)
    if extra := _extra(layout, cells):
        details["otras_columnas"] = extra
    return SanctionRow(
        registry=REGISTRY,
        source_key=_base_key(layout, cells) + suffix,
        case_number=_text(layout, cells, "case"),
        name=name,
        rfc_raw=_text(layout, cells, "rfc"),
        person_kind=None,
        kind=kind_of(start, amount),
        start_date=start,
        end_date=term.end,
        authority=_text(layout, cells, "authority"),
        raw_status=period,
        amount=amount,
        currency="MXN" if amount is not None else None,
        details=details,
        position=position,
        absent=row_absent,
    )
