"""The SFP directory as its older CSV export: cells separated by a comma AND a tab (",\t"),
no RFC column, free-text `PLAZO` ("3 MESES", "TRES MESES", "1 AÑO 6 MESES"), `DD/MM/YYYY`
dates, Windows-1252 or UTF-8.

The exporter did not quote: names keep their own commas ("GVICOA, S.A. DE C.V."), which is why
",\t" (never inside a name) is the separator and a plain CSV parser would split names. A copy
re-saved by a spreadsheet becomes an ordinary quoted CSV (",", ";" or tab): the delimiter is
read from the header line, so both forms load.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions._sat69b_table import sniff_encoding
from ingest.sanctions.sfp_layout import HEADER_SCAN_LIMIT, expected_header, layout_of
from ingest.sanctions.sfp_table import Cells, Table, read_table

EXPORT_SEPARATOR = ",\t"
_PLAIN_DELIMITERS = (";", "\t", ",")  # for re-saved copies, most specific first


def read_sfp_csv(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per data line; `Rejected` for lines that cannot be read."""
    return read_table(lambda: _open(path))


def _lines(path: Path) -> Generator[tuple[int, str]]:
    encoding = sniff_encoding(path)
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            # Per line, so a file whose first 64 KB were plain ASCII (sniffed as UTF-8) still
            # reads a later cp1252 name; cp1252 leaves only five bytes undefined.
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    raise UnreadableSource(
                        f"{path.name}: line {number} is neither UTF-8 nor Windows-1252"
                    ) from None
            yield number, text.lstrip("\ufeff").rstrip("\r\n")


def _splitter(header_line: str) -> tuple[str, str | None]:
    """("export", None) for the ",\t" export, else ("csv", delimiter) for a re-saved copy."""
    if EXPORT_SEPARATOR in header_line:
        return "export", None
    counts = {d: header_line.count(d) for d in _PLAIN_DELIMITERS}
    return "csv", max(_PLAIN_DELIMITERS, key=lambda d: counts[d])


def _export_cells(line: str) -> Cells:
    cells: Cells = []
    for cell in line.split(EXPORT_SEPARATOR):
        text = cell.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].replace('""', '"')
        cells.append(text)
    return cells


def _split(how: tuple[str, str | None], line: str) -> Cells:
    if how[1] is None:
        return _export_cells(line)
    return list(next(csv.reader([line], delimiter=how[1]), []))


@contextmanager
def _open(path: Path) -> Iterator[Table]:
    lines = _lines(path)
    try:
        for number, line in lines:
            how = _splitter(line)
            layout = layout_of(_split(how, line))
            if layout is not None:
                yield layout, _data(how, lines, path.name)
                return
            if number >= HEADER_SCAN_LIMIT:
                break
    finally:
        lines.close()  # closes the file now, not whenever the generator is collected
    raise UnreadableSource(
        f"{path.name}: not an SFP directory export: no header in the first {HEADER_SCAN_LIMIT} "
        f"lines; expected {expected_header()}"
    )


def _data(
    how: tuple[str, str | None], lines: Iterator[tuple[int, str]], source: str
) -> Iterator[tuple[str, Cells]]:
    for number, line in lines:
        try:
            cells = _split(how, line)
        except csv.Error as exc:
            raise UnreadableSource(f"{source}: line {number}: {exc}") from exc
        yield f"line {number}", cells
