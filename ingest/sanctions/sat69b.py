"""Reader for SAT's list of Article 69-B taxpayers (EFOS, "empresas factureras").

One row per listing. Its status (Presunto -> Definitivo / Desvirtuado -> Sentencia Favorable)
evolves between snapshots, so the source key is the firm's RFC: the pipeline then sees one
listing change status instead of a new sanction per snapshot. Every stage's notice and
publication dates go into `details`, so the history survives even when the status moves on.

Every layout SAT has used reads here (2016-17, the 2019 18-column split files, the 20-column
lists of 2021 and 2023, the 2026 3-column open-data file); `_sat69b_table` finds the columns by
what their headers mean. A layout that lacks columns others publish says so in each row's
`absent`, so that loading it after a dated list keeps that list's case numbers and dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.dates import parse_day_range, parse_days
from ingest.rows import Rejected, SanctionRow
from ingest.sanctions._common import DuplicateKeys, clean_text, date_order, fold, key_part
from ingest.sanctions._sat69b_table import STAGES, Layout, as_csv, open_table

REGISTRY = "sat-69b"
KIND_BY_STAGE = {
    "presunto": "efos_presunto",
    "desvirtuado": "efos_desvirtuado",
    "definitivo": "efos_definitivo",
    "sentencia_favorable": "efos_sentencia_favorable",
}
_SUPPRESSED_RFC = re.compile(r"X{12,13}")  # SAT blanks the RFC when a court annuls a listing
# When SAT suppresses a listing by court order, the name cell holds the order instead:
# "Información suprimida por ...", "Suprimido en cumplimiento a ...", "En cumplimiento a ...".
_SUPPRESSION_NOTE = re.compile(r"suprimid|^en (?:cumplimiento|atencion)\b")
_PLAIN_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_LAST_ROW = 10**12 - 1  # more rows than any list will have, in 12 digits: see _undated_order
_OFICIO_END = re.compile(r"\s+de\s+fecha\b|\s*//", re.IGNORECASE)
_SLOT_KEYS = {
    "oficio": "oficio",
    "oficio_sat": "oficio_sat",
    "oficio_dof": "oficio_dof",
    "sat": "published_sat",
    "dof": "published_dof",
}


def read_sat_69b(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per listed taxpayer; `Rejected` for rows that cannot be read."""
    suffixes = _duplicate_suffixes(path)
    with open_table(path) as (layout, rows):
        plan = _plan(layout)
        absent = {stage: layout.absent(stage) for stage in (*STAGES, None)}
        for index, (line, cells) in enumerate(rows):
            yield _row(layout, plan, absent, cells, f"line {line}", suffixes.get(index, ""))


def _undated_order(index: int) -> tuple[int, str]:
    """Ordering token for a listing in a layout without dates (the 3-column file).

    SAT lists a firm's listings newest procedure first (so in the 2021 list and the 2026 file
    alike: ABIRA's 2020 Definitivo above its 2017 Sentencia Favorable), so the last one is the
    oldest: it keeps the plain key, as a dated snapshot ranks it, and a sparse snapshot then
    finds each listing's stored dates under the same key."""
    return (1, f"{_LAST_ROW - index:012d}")


def _duplicate_suffixes(path: Path) -> dict[int, str]:
    # 52 RFCs appear twice in the 2021-05-18 list: a firm with two separate 69-B procedures
    # (e.g. a 2017 one that ended in Sentencia Favorable and a 2020 one now Definitivo). The
    # listing whose presuncion was published first keeps the plain key.
    #
    # A first pass finds the base keys that repeat (keys only: cheap); only when some do, a
    # second one reads the presuncion dates of just those rows to rank them.
    first: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    with open_table(path) as (layout, rows):
        for index, (_, cells) in enumerate(rows):
            if _shape_problem(layout, cells) is None and (base := _base_key(layout, cells)):
                earliest = first.setdefault(base, index)
                if earliest != index:
                    repeated.setdefault(base, [earliest]).append(index)
    if not repeated:
        return {}
    base_of = {index: base for base, members in repeated.items() for index in members}
    keys = DuplicateKeys()
    with open_table(path) as (layout, rows):
        dated = "presunto" in layout.stages
        for index, (_, cells) in enumerate(rows):
            if (base := base_of.get(index)) is not None:
                order = (
                    date_order(_lenient_presuncion(layout, cells))
                    if dated
                    else _undated_order(index)
                )
                keys.add(base, order, index)
    return keys.suffixes()


def _shape_problem(layout: Layout, cells: list[str]) -> str | None:
    if len(cells) < layout.width:
        return f"row has {len(cells)} cells, the header has {layout.width}"
    if any(cell.strip() for cell in cells[layout.width :]):
        return f"row has {len(cells)} cells, more than the header's {layout.width}"
    return None


def _is_suppressed(rfc: str | None) -> bool:
    return rfc is not None and _SUPPRESSED_RFC.fullmatch(rfc.upper()) is not None


def _base_key(layout: Layout, cells: list[str], rfc: str | None = None) -> str | None:
    """The row's source key before any duplicate suffix; `rfc`: its cleaned RFC cell, when the
    caller has it already."""
    if rfc is None:
        rfc = clean_text(cells[layout.rfc])
    if rfc and not _is_suppressed(rfc):
        return f"{REGISTRY}:{key_part(rfc)}"
    name = clean_text(cells[layout.name])
    # Suppressed or missing RFC: the published text is all there is (accents folded, since
    # SAT re-types names between snapshots: "COMUNICACION" / "COMUNICACIÓN").
    return f"{REGISTRY}:name:{fold(name).upper()}" if name else None


def _lenient_presuncion(layout: Layout, cells: list[str]) -> date | None:
    stage = layout.stages.get("presunto", {})
    for slot in ("dof", "sat"):
        if slot in stage:
            try:
                found = _first_date(cells[stage[slot]])
            except ValueError:
                continue
            if found is not None:
                return found
    return None


def _dates(text: str) -> tuple[date, ...]:
    """The publication dates in a cell, in the order written: one, or two (a range, or a
    listing re-published after a court order, in either order and with any spacing:
    "24/04/2023 -15/10/2020", "22/06/2018 // 10/10/2018"). Raises ValueError when unreadable."""
    try:
        first, last = parse_day_range(text)
    except ValueError:
        return parse_days(text)
    if first is None or last is None or first == last:
        return (first,) if first is not None else ()
    return first, last


def _first_date(text: str) -> date | None:
    """The publication date in a cell; for two dates the first one written."""
    found = _dates(text)
    return found[0] if found else None


@lru_cache(maxsize=4096)  # global notices: the same text on thousands of rows
def _oficio_number(text: str | None) -> str | None:
    """ "500-05-2018-16632 de fecha 01 de junio de 2018" -> "500-05-2018-16632"."""
    if not text:
        return None
    return clean_text(_OFICIO_END.split(text, maxsplit=1)[0])


@dataclass(frozen=True, slots=True)
class _Slot:
    stage: str
    column: int
    key: str  # the name in details["stages"][stage]
    notice: bool  # an oficio (text kept) rather than a publication date


def _plan(layout: Layout) -> tuple[_Slot, ...]:
    """Every stage column of a file's layout, in the order `_stages` reads them."""
    return tuple(
        _Slot(stage, column, _SLOT_KEYS[slot], slot.startswith("oficio"))
        for stage in STAGES
        for slot, column in layout.stages.get(stage, {}).items()
    )


@lru_cache(maxsize=8192)  # publication dates repeat across the whole list
def _publication(raw: str) -> tuple[tuple[str, ...], bool, str | None]:
    """A publication cell (stripped) -> (its dates as ISO strings, the first being the
    publication's, whether it is a plain DD/MM/YYYY, the error when it cannot be read)."""
    try:
        found = _dates(raw)
    except ValueError as exc:
        return (), False, str(exc)
    return tuple(d.isoformat() for d in found), _PLAIN_DATE.fullmatch(raw) is not None, None


def _stages(layout: Layout, cells: list[str], plan: tuple[_Slot, ...]) -> dict[str, Any]:
    """Every stage's notices and publication dates (ISO). Raises ValueError naming the column."""
    stages: dict[str, dict[str, Any]] = {}
    for slot in plan:
        cell = cells[slot.column]
        if not cell or cell.isspace():  # what clean_text reads as empty
            continue
        if slot.notice:
            stages.setdefault(slot.stage, {})[slot.key] = clean_text(cell)
            continue
        raw = cell.strip()  # not collapsed: two spaces can separate two dates
        isos, plain, error = _publication(raw)
        if error is not None:
            raise ValueError(f"{layout.headers[slot.column].strip()}: {error}")
        entry = stages.setdefault(slot.stage, {})
        entry[slot.key] = isos[0] if isos else None
        if not plain:
            entry[f"{slot.key}_raw"] = raw  # a range, a serial number, a short year
        if len(isos) > 1:
            entry[f"{slot.key}_dates"] = list(isos)  # both publications, as written
    return stages


@lru_cache(maxsize=256)  # a handful of statuses
def _stage_of(status: str | None) -> str | None:
    folded = fold(status or "")
    for prefix, stage in (
        ("presun", "presunto"),
        ("definitiv", "definitivo"),
        ("desvirtu", "desvirtuado"),
        ("sentencia", "sentencia_favorable"),
    ):
        if folded.startswith(prefix):
            return stage
    return None


def _row(
    layout: Layout,
    plan: tuple[_Slot, ...],
    absent: dict[str | None, frozenset[str]],
    cells: list[str],
    position: str,
    suffix: str,
) -> SanctionRow | Rejected:
    problem = _shape_problem(layout, cells)
    if problem is not None:
        return Rejected(position, as_csv(cells), problem)
    rfc = clean_text(cells[layout.rfc])
    base = _base_key(layout, cells, rfc)
    if base is None:
        return Rejected(position, as_csv(cells), "row has neither RFC nor name")
    try:
        stages = _stages(layout, cells, plan)
    except ValueError as exc:
        return Rejected(position, as_csv(cells), str(exc))

    # A layout without stage columns (the 3-column file) says nothing about them: no key,
    # rather than an empty record that would read as "no stage was ever published".
    details: dict[str, Any] = {"stages": stages} if layout.stages else {}
    if layout.number is not None:
        details["no"] = clean_text(cells[layout.number])
    name = clean_text(cells[layout.name])
    if _is_suppressed(rfc):
        rfc = None
        details["rfc_suppressed"] = True
        if name and _SUPPRESSION_NOTE.search(fold(name)):
            # The "name" is the court order that suppressed it: not a firm to match against,
            # but kept (and it keys the listing, see _base_key).
            details["suppression_note"], name = name, None
    if name and "//" in name:
        # SAT appends court notes and former names after "//":
        # "ARKDIS, S.A. DE C.V.// En cumplimiento a la sentencia ...", "... // ANTES CERAMICA ...".
        head, note = (part.strip() for part in name.split("//", 1))
        if head:
            name, details["name_note"] = head, note
    for column in layout.extra:
        if text := clean_text(cells[column]):
            details.setdefault("extra", {})[layout.headers[column].strip()] = text

    status = clean_text(cells[layout.status])
    stage = _stage_of(status)
    current = stages.get(stage, {}) if stage else {}
    # The listing takes effect when published; the DOF publication is the legal one.
    channel = "dof" if current.get("published_dof") else "sat"
    start = current.get(f"published_{channel}")
    oficios = ("oficio_dof", "oficio_sat") if channel == "dof" else ("oficio_sat", "oficio_dof")
    oficio = next((current[k] for k in (*oficios, "oficio") if current.get(k)), None)
    return SanctionRow(
        registry=REGISTRY,
        source_key=base + suffix,
        case_number=_oficio_number(oficio),
        name=name,
        rfc_raw=rfc,
        person_kind=None,  # the list does not say; the RFC's length will
        kind=KIND_BY_STAGE.get(stage, "other") if stage else "other",
        start_date=date.fromisoformat(start) if start else None,
        end_date=None,
        authority="SAT",
        raw_status=status,
        amount=None,
        currency=None,
        details=details,
        position=position,
        absent=absent[stage],
    )
