"""Where each field sits in a tabular SFP directory (the XLSX download, the older CSV export).

Columns are found by wording, never by position: the XLSX says "Proveedor y Contratista" and
"Periodo de Inhabilitación", the old CSV "PROVEEDOR O CONTRATISTA" and "PLAZO", and either can
gain, lose or reorder a column between years. The header need not be the first row: exports
put a title and a date above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.sanctions._common import fold

HEADER_SCAN_LIMIT = 30  # title rows above the header are one to three; 30 is generous
_MIN_KNOWN = 3  # the name and at least two other known columns make a header
_WORDS = re.compile(r"[a-z0-9]+")


def _classify(header: str) -> str | None:
    """The field a header names, by its words (accents, case and punctuation folded)."""
    words = _WORDS.findall(fold(header))
    if not words:
        return None
    found = set(words)
    if words[0] == "rfc" or "".join(words) == "rfc":
        return "rfc"
    if found & {"proveedor", "proveedores", "contratista", "contratistas", "razon", "sancionado"}:
        return "name"
    if "procedimiento" in found:
        return "procedure"
    if "expediente" in found:
        return "case"
    if found & {"multa", "monto", "importe"}:
        return "amount"
    if found & {"plazo", "periodo", "duracion"}:
        return "period"
    if found & {"inicio", "inicial"}:
        return "start"
    if found & {"fin", "final", "termino", "conclusion"}:
        return "end"
    if found & {"ley", "leyes", "ordenamiento", "normatividad", "infringida", "infringidas"}:
        return "law"
    if found & {"oic", "dependencia", "entidad", "institucion", "autoridad", "organo"}:
        return "authority"
    if "nombre" in found:  # after the authority: "Nombre de la dependencia" is not the firm
        return "name"
    return None


@dataclass(frozen=True, slots=True)
class Layout:
    headers: tuple[str, ...]  # as published, to name columns in reject reasons and details
    columns: dict[str, int]  # field -> column; any other column is kept in details
    known: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.columns.values()))

    def has(self, name: str) -> bool:
        return name in self.columns

    def header(self, name: str) -> str:
        return self.headers[self.columns[name]]


def header_text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def layout_of(cells: Iterable[object]) -> Layout | None:
    """The layout when `cells` read as an SFP header, else None."""
    headers = tuple(header_text(cell) for cell in cells)
    columns: dict[str, int] = {}
    for column, header in enumerate(headers):
        named = _classify(header) if header else None
        # A second column for a field ("Fecha ..." twice) is not guessed at: kept as extra.
        if named is not None and named not in columns:
            columns[named] = column
    if "name" not in columns or len(columns) < _MIN_KNOWN:
        return None
    return Layout(headers=headers, columns=columns)


def expected_header() -> str:
    """For error messages: what an SFP header looks like."""
    return (
        "a row naming the supplier (Proveedor y Contratista / PROVEEDOR O CONTRATISTA) and "
        "at least two of: OIC Responsable / DEPENDENCIA, Expediente, Procedimiento "
        "Administrativo, Inicio / Fin de la sanción, Monto de la Multa, Periodo de "
        "Inhabilitación / PLAZO"
    )
