"""Reader for the SFP Directorio de Proveedores y Contratistas Sancionados, in any of the forms an
auditor gets it: the JSON API capture, the current XLSX download (or a legacy XLS) and the older
",\t"-separated CSV export.

The form is told apart by the file's first bytes, never by its name: URLs are cached under
hashed names, and downloads get renamed. All forms give the same source key for the same case
(see `sfp_case.case_key`), so loading the XLSX after the JSON updates one record per case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions.sfp_csv import read_sfp_csv
from ingest.sanctions.sfp_json import read_sfp_json
from ingest.sanctions.sfp_xlsx import read_sfp_xlsx

_ZIP = b"PK\x03\x04"  # XLSX (and ODS) are zip archives
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_BOMS = (b"\xef\xbb\xbf",)
_PEEK = 4096


def read_sfp(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per sanction in the directory, whichever form the file is in."""
    form = detect_form(path)
    if form == "json":
        yield from read_sfp_json(path)
    elif form == "xlsx":
        yield from read_sfp_xlsx(path)
    else:
        yield from read_sfp_csv(path)


def detect_form(path: Path) -> str:
    """ "json", "xlsx" (any workbook calamine reads) or "csv", from the first bytes."""
    with path.open("rb") as stream:
        head = stream.read(_PEEK)
    if head.startswith((_ZIP, _OLE2)):
        return "xlsx"
    text = head
    for bom in _BOMS:
        text = text.removeprefix(bom)
    significant = text.lstrip()
    if not significant:
        raise UnreadableSource(f"{path.name}: empty file, expected an SFP directory")
    if significant[:1] in (b"[", b"{"):
        return "json"
    if b"\x00" in head:
        raise UnreadableSource(
            f"{path.name}: binary file that is neither an Excel workbook nor JSON nor text; "
            "expected the SFP directory as JSON, XLSX or CSV"
        )
    return "csv"
