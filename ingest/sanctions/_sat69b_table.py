"""Low-level reading of SAT 69-B CSV files: encoding, preamble, header layout, physical lines.

Kept apart from the row logic in `sat69b.py` because every 69-B snapshot differs in its
packaging (encoding, preamble lines, header wording) while the meaning of the columns does not.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ingest.rows import UnreadableSource
from ingest.sanctions._common import fold

if TYPE_CHECKING:
    from _csv import Reader

# Stages of an Article 69-B procedure, in the order the list's columns give them. The first
# keyword found in a folded header names the stage ("desvirtuaron" before "presuncion" is not
# a risk: no header mentions two stages). Stems, so that plurals, the singular ("definitivo"),
# and the typos of hand-made copies ("DEFINIFITVOS") read the same.
STAGES = ("presunto", "desvirtuado", "definitivo", "sentencia_favorable")
_STAGE_WORDS = (
    ("sentencia", "sentencia_favorable"),
    ("desvirtu", "desvirtuado"),
    ("defini", "definitivo"),
    ("presun", "presunto"),
)
_NUMBER_HEADERS = {"no", "no.", "num", "num.", "numero", "#", "n°", "n.o"}
_PUNCTUATION = re.compile(r"[^\w#°]+")
# What each required column is called, to say what a header that lacks one should have had.
_EXPECTED = {
    "rfc": "'RFC'",
    "name": "'Nombre del Contribuyente'",
    "status": "'Situación del contribuyente'",
}
# The row fields a stage's columns give (beside its record in `details["stages"]`).
STAGE_FIELDS = ("start_date", "case_number")
HEADER_SCAN_LIMIT = 50  # preamble lines are a title and a date; 50 is generous
SNIFF_BYTES = 65536


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each field sits in one file's header (found by wording, never by position)."""

    headers: tuple[str, ...]  # as published, to name columns in reject reasons
    rfc: int
    name: int
    status: int
    number: int | None
    # stage -> slot -> column. Slots: "oficio" (older lists, one notice for SAT and DOF),
    # "oficio_sat", "oficio_dof", "sat" and "dof" (publication dates on the SAT page / in the DOF).
    stages: dict[str, dict[str, int]]
    extra: tuple[int, ...]  # columns not understood: kept in details rather than dropped

    @property
    def width(self) -> int:
        return len(self.headers)

    def absent(self, stage: str | None) -> frozenset[str]:
        """What this layout does not publish for a row in `stage` (see `SanctionRow.absent`).

        Only what another 69-B layout does publish counts (amounts and person kinds, which no
        69-B list carries, stay out), so the complete 20-column list has nothing absent and
        takes the store's fast path."""
        absent = {"details.no"} if self.number is None else set()
        if not self.stages:
            # No notice and no date at all (the 3-column open-data file): the case number, the
            # start date and every stage's record are what an earlier, dated snapshot said (and
            # the end date, which no 69-B list publishes, is named for completeness).
            return frozenset({*absent, *STAGE_FIELDS, "end_date", "details.stages"})
        absent.update(f"details.stages.{s}" for s in STAGES if s not in self.stages)
        if stage is not None and stage not in self.stages:
            absent.update(STAGE_FIELDS)  # the dates that would give them are not in this layout
        return frozenset(absent)


def _words(header: str) -> list[str]:
    """A header's words, folded, punctuation gone: "Publicación  DOF-presuntos:" -> ["publicacion",
    "dof", "presuntos"]."""
    return _PUNCTUATION.sub(" ", fold(header)).split()


def _channel(words: list[str]) -> str:
    """Where a notice or a date was published, wherever the header says it ("... de presuncion
    SAT", "Publicacion DOF presuntos", "oficio DOF global de ..."); "" when it does not."""
    if "dof" in words:
        return "dof"
    if "sat" in words:
        return "sat"
    return ""


def _classify(header: str) -> tuple[str, str] | None:
    folded = fold(header)
    words = _words(header)
    if not words:
        return None
    if folded in _NUMBER_HEADERS or words in (["no"], ["num"], ["numero"]):
        return "number", ""
    if words[0] == "rfc":
        return "rfc", ""
    if "situacion" in words or "estatus" in words:
        return "status", ""
    joined = " ".join(words)
    if "nombre" in words or "razon social" in joined or words == ["contribuyente"]:
        return "name", ""
    stage = next((name for word, name in _STAGE_WORDS if word in joined), None)
    if stage is None:
        return None
    channel = _channel(words)
    if "oficio" in words:
        # "... de presuncion SAT" / "... DOF" since 2018; older lists have one notice column.
        return stage, f"oficio_{channel}" if channel else "oficio"
    if ("publicacion" in words or "fecha" in words) and channel:
        return stage, channel
    return None


def is_header(cells: list[str]) -> bool:
    """The header is the first row whose leading cells read like "No", "RFC"."""
    firsts = [_words(cell) for cell in cells[:3]]
    if ["rfc"] not in firsts:
        return False
    return firsts[0] == ["rfc"] or _classify(cells[0]) == ("number", "")


def layout_from_header(cells: list[str], source: str) -> Layout:
    found = [_classify(header) for header in cells]
    _channel_repeated_notices(cells, found)
    fields: dict[str, int] = {}
    stages: dict[str, dict[str, int]] = {}
    extra: list[int] = []
    for column, (header, kind) in enumerate(zip(cells, found, strict=True)):
        if kind is None:
            if header.strip():
                extra.append(column)
            continue
        what, slot = kind
        if not slot:
            if what in fields:
                extra.append(column)  # a second "Nombre ..." column: keep, do not guess
            else:
                fields[what] = column
        elif slot in stages.setdefault(what, {}):
            extra.append(column)
        else:
            stages[what][slot] = column
    missing = [label for label in ("rfc", "name", "status") if label not in fields]
    if missing:
        expected = ", ".join(f"{label} (a column like {_EXPECTED[label]})" for label in missing)
        raise UnreadableSource(
            f"{source}: 69-B header has no {', '.join(missing)} column: expected {expected} "
            f"(header was: {', '.join(h for h in cells if h.strip())})"
        )
    return Layout(
        headers=tuple(cells),
        rfc=fields["rfc"],
        name=fields["name"],
        status=fields["status"],
        number=fields.get("number"),
        stages={stage: slots for stage, slots in stages.items() if slots},
        extra=tuple(extra),
    )


def _channel_repeated_notices(cells: list[str], found: list[tuple[str, str] | None]) -> None:
    """2019 lists repeat one notice header for the SAT and the DOF publication ("Numero y fecha
    de oficio global de presuncion" twice, each just before its own publication date column):
    a repeated, unsuffixed notice takes the channel of the next publication date of its stage.
    A notice header that appears once stays the stage's shared notice."""
    repeats = Counter(" ".join(_words(h)) for h in cells)
    for column, kind in enumerate(found):
        if kind is None or kind[1] != "oficio" or repeats[" ".join(_words(cells[column]))] < 2:
            continue
        stage = kind[0]
        for later in found[column + 1 :]:
            if later is not None and later[0] == stage and later[1] in ("sat", "dof"):
                found[column] = (stage, f"oficio_{later[1]}")
                break
            if later is not None and later[1].startswith("oficio"):
                break  # the next notice comes first: this one's date is not published


def sniff_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the first 64 KB decode as UTF-8; else Windows-1252.

    SAT publishes cp1252; re-saved copies are often UTF-8. Bytes 0x80-0xFF in cp1252 text
    almost never form valid UTF-8 sequences, so a clean UTF-8 decode is a reliable signal.
    """
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # final=False: the 64 KB cut may fall inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decoded_lines(stream: BinaryIO, encoding: str, source: str) -> Iterator[str]:
    # Decoding line by line lets a file whose first 64 KB are plain ASCII (so sniffed as UTF-8)
    # still read a later cp1252 name instead of failing half-way through.
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            try:
                yield raw.decode("cp1252")
            except UnicodeDecodeError:
                raise UnreadableSource(
                    f"{source}: line {number} is neither UTF-8 nor Windows-1252"
                ) from None


@contextmanager
def open_table(path: Path) -> Iterator[tuple[Layout, Iterator[tuple[int, list[str]]]]]:
    """The file's layout and its data rows as (physical start line, cells); blank rows skipped."""
    with path.open("rb") as stream:
        reader = csv.reader(_decoded_lines(stream, sniff_encoding(path), path.name))
        try:
            layout = _find_header(reader, path.name)
        except csv.Error as exc:
            raise UnreadableSource(f"{path.name}: line {reader.line_num}: {exc}") from exc
        yield layout, _data_rows(reader, path.name)


def _find_header(reader: Reader, source: str) -> Layout:
    for count, cells in enumerate(reader, start=1):
        if is_header(cells):
            return layout_from_header(cells, source)
        if count >= HEADER_SCAN_LIMIT:
            break
    raise UnreadableSource(
        f"{source}: no 69-B header (a row starting with 'No', 'RFC') in the first "
        f"{HEADER_SCAN_LIMIT} rows"
    )


def _data_rows(reader: Reader, source: str) -> Iterator[tuple[int, list[str]]]:
    # csv's line_num is the last physical line consumed, so a row starts one line after the
    # previous row ended; a quoted name with a line break makes a row span several lines.
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableSource(f"{source}: line {previous_end + 1}: {exc}") from exc
        start, previous_end = previous_end + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


def as_csv(cells: list[str]) -> str:
    """Cells re-joined as one CSV record: what `Rejected.raw` shows for a bad row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()
