"""An entity's awards against its sanction windows, laid out for a small SVG drawing: plain
numbers, so the template only places them. The same facts are listed in a table beside it for
screen readers and for printing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching.award_dates import day_of
from matching.explain import ENGLISH, Translator

WIDTH, LEFT, RIGHT = 760, 10, 10
BAND_KINDS = {
    "debarment": "debarment",
    "efos_definitivo": "listed",
    "efos_presunto": "listed",
}


@dataclass(frozen=True, slots=True)
class Band:
    x: float
    width: float
    row: int
    kind: str  # debarment | listed (69-B)
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    inside: bool  # won while a debarment was in force
    label: str


@dataclass(slots=True)
class Timeline:
    start: date
    end: date
    width: int = WIDTH
    ticks: list[tuple[float, str]] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return max((b.row for b in self.bands), default=-1) + 1


@dataclass(frozen=True, slots=True)
class _Dated:
    kind: str
    date: dt.date | None
    date_signed: dt.date | None
    period_start: dt.date | None


def award_day(award: dict[str, Any]) -> date | None:
    """The day an award counts from, by the rule alerts use (matching/award_dates.py)."""

    def day(name: str) -> date | None:
        value = award.get(name)
        return date.fromisoformat(value) if value else None

    row = _Dated(award.get("kind") or "award", day("date"), day("date_signed"), day("period_start"))
    found = day_of([row])
    return found[0] if found else None


def build(
    awards: Sequence[dict[str, Any]],
    sanctions: Sequence[dict[str, Any]],
    *,
    today: date,
    tr: Translator = ENGLISH,
    show_day: Callable[[date], str] = date.isoformat,
) -> Timeline | None:
    """The timeline of one entity, or None when it has nothing dated to show; its labels in
    `tr`'s language, with days as `show_day` writes them."""
    days = [(award_day(a), a) for a in awards]
    dated = [(d, a) for d, a in days if d is not None]
    windows = []
    for s in sanctions:
        kind = BAND_KINDS.get(s["kind"])
        if kind is None or not s.get("start"):
            continue
        start = date.fromisoformat(s["start"])
        end = date.fromisoformat(s["end"]) if s.get("end") else None
        windows.append((start, end, kind, s))
    if not dated and not windows:
        return None
    edges = [d for d, _ in dated] + [w[0] for w in windows] + [w[1] for w in windows if w[1]]
    first = date(min(edges).year, 1, 1)
    last = date(max([*edges, min(today, max(edges))]).year + 1, 1, 1)
    timeline = Timeline(first, last)
    span = (last - first).days or 1

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span

    # A line at each new year, labelled but for the last (the axis's end, no room for text).
    for year in range(first.year, last.year + 1):
        label = str(year) if year < last.year else ""
        timeline.ticks.append((round(x(date(year, 1, 1)), 1), label))
    for row, (start, end, kind, s) in enumerate(sorted(windows, key=lambda w: w[0])):
        stop = end or last
        name = (
            tr.gettext("debarment") if kind == "debarment" else f"69-B {s.get('status') or ''}"
        ).strip()
        label = f"{name} {show_day(start)} – {show_day(end) if end else tr.gettext('open')}"
        timeline.bands.append(
            Band(round(x(start), 1), round(max(x(stop) - x(start), 2.0), 1), row, kind, label)
        )
    debarred = [(w[0], w[1]) for w in windows if w[2] == "debarment"]
    for day, award in sorted(dated, key=lambda item: item[0]):
        inside = any(start <= day and (end is None or day <= end) for start, end in debarred)
        label = f"{show_day(day)}: {award.get('title') or award.get('ocid')}"
        timeline.marks.append(Mark(round(x(day), 1), inside, label))
    return timeline
