"""Small helpers shared by the sanctions readers (text clean-up, amounts, duplicate keys)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from ingest.amounts import UnreadableAmount, amount_of
from ingest.rows import UnreadableSource

SANCTION_KINDS = (
    "debarment",
    "fine",
    "efos_definitivo",
    "efos_presunto",
    "efos_desvirtuado",
    "efos_sentencia_favorable",
    "other",
)


def clean_text(value: object) -> str | None:
    """A published string with runs of whitespace (line breaks, NBSP, double spaces) collapsed.

    Registries pad names and authorities with spaces and break long names across lines; none of
    that is meaningful, and leaving it in would make one firm look like several.
    """
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def fold(value: str) -> str:
    """Lower-case, accents stripped, whitespace collapsed: for matching headers and statuses."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def key_part(value: object) -> str:
    """Upper-case, stripped, accents kept: one segment of a source_key."""
    return " ".join(str(value).split()).upper() if value is not None else ""


def parse_amount(value: object) -> Decimal | None:
    """A money amount published as a number or a numeric string ("967896", "1,077,312.00").

    Empty gives None; anything else unreadable raises ValueError so the caller can quarantine
    (the one rule of `ingest.amounts`)."""
    try:
        return amount_of(value)
    except UnreadableAmount as error:
        raise ValueError(f"unreadable amount {value!r}: {error}") from None


def raw_json(value: object) -> str:
    """A record as text for `Rejected.raw`: Decimal and dates must not break serialisation."""
    return json.dumps(value, ensure_ascii=False, default=str)


class DuplicateKeys:
    """Gives `#2`, `#3` suffixes to records that share a base source_key, in a stable order.

    A registry sometimes lists one case twice (a re-sanction under the same procedure, a firm
    with two 69-B procedures). Numbering by file position would move the plain key to a new
    entry whenever the publisher inserts one above an old one (both registries list newest
    first), and the pipeline would then see the old sanction "change". Instead readers do a
    cheap first pass that records each base key with an ordering token (the sanction's start
    date): the oldest entry keeps the plain key and later ones are numbered, so adding a newer
    entry never renames the existing ones. Ties fall back to file position. Only the keys are
    held in memory, never the records.
    """

    def __init__(self) -> None:
        self._groups: dict[str, list[tuple[tuple[int, str], int]]] = {}

    def add(self, key: str, order: tuple[int, str], index: int) -> None:
        self._groups.setdefault(key, []).append((order, index))

    def suffixes(self) -> dict[int, str]:
        """Record index -> suffix, only for records whose base key is shared."""
        result: dict[int, str] = {}
        for members in self._groups.values():
            if len(members) < 2:
                continue
            ranked = sorted(members)
            for rank, (_, index) in enumerate(ranked[1:], start=2):
                result[index] = f"#{rank}"
        return result


def date_order(value: date | None) -> tuple[int, str]:
    """Ordering token for `DuplicateKeys`: known dates first, ascending; unknown ones last."""
    return (0, value.isoformat()) if value is not None else (1, "")


def open_json(path: Path) -> tuple[BinaryIO, bytes]:
    """Open a JSON file for ijson and peek its first significant byte ("[", "{", ...).

    The stream is left just past any UTF-8 BOM (ijson's C backend rejects one), so the caller
    can hand it straight to ijson. An empty file is unreadable as a whole.
    """
    stream = path.open("rb")
    start = 3 if stream.read(3) == b"\xef\xbb\xbf" else 0
    stream.seek(start)
    while chunk := stream.read(4096):
        significant = chunk.lstrip()
        if significant:
            stream.seek(start)
            return stream, significant[:1]
    stream.close()
    raise UnreadableSource(f"{path.name}: empty file, expected JSON")
