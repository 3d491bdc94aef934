"""The SFP directory as its current public download: an XLSX workbook (sheet `data`), with no
RFC column, `dd-mm-yyyy` dates, periods such as "1 año, 3 meses", names with trailing tabs and
fines as padded text ("             555,644.00").

python-calamine holds a sheet's cells in compact native memory once loaded and hands them to
Python one row at a time (`iter_rows`); no more streaming than that exists for XLSX in it.
Re-saved copies may have real Excel dates and numbers instead of text: the table reader
accepts both. Legacy `.xls` workbooks read the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions.sfp_layout import HEADER_SCAN_LIMIT, Layout, expected_header, layout_of
from ingest.sanctions.sfp_table import Cells, Table, read_table

PREFERRED_SHEET = "data"  # the sheet the SFP download names; any sheet with the header will do


def read_sfp_xlsx(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per data row of the workbook; `Rejected` for rows that cannot be read."""
    return read_table(lambda: _open(path))


@contextmanager
def _open(path: Path) -> Iterator[Table]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableSource(f"{path.name}: not a readable Excel workbook: {exc}") from exc
    try:
        names = sorted(
            workbook.sheet_names, key=lambda name: name.strip().lower() != PREFERRED_SHEET
        )
        for name in names:
            try:
                sheet = workbook.get_sheet_by_name(name)
            except CalamineError as exc:
                raise UnreadableSource(f"{path.name}: sheet {name!r} unreadable: {exc}") from exc
            found = _header(sheet)
            if found is not None:
                layout, rows = found
                yield layout, rows
                return
        raise UnreadableSource(
            f"{path.name}: no sheet of this workbook ({', '.join(workbook.sheet_names)}) has an "
            f"SFP directory header in its first {HEADER_SCAN_LIMIT} rows; expected "
            + expected_header()
        )
    finally:
        workbook.close()


def _header(sheet: CalamineSheet) -> tuple[Layout, Iterator[tuple[str, Cells]]] | None:
    # `start` is the first non-empty cell: rows and columns before it are not in iter_rows.
    first_row = sheet.start[0] if sheet.start is not None else 0
    rows = enumerate(sheet.iter_rows(), start=first_row + 1)
    for excel_row, cells in rows:
        layout = layout_of(cells)
        if layout is not None:
            return layout, ((f"row {number}", list(data)) for number, data in rows)
        if excel_row - first_row >= HEADER_SCAN_LIMIT:
            return None
    return None
