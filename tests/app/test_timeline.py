"""The firm page's timeline: awards placed against sanction windows, on one yearly axis."""

from __future__ import annotations

from datetime import date

from app.web.timeline import LEFT, WIDTH, build


def test_awards_inside_a_debarment_are_marked() -> None:
    awards = [
        {"kind": "award", "date": "2026-08-01", "title": "inside"},
        {"kind": "contract", "date": None, "date_signed": "2025-03-01", "title": "before"},
        {"kind": "contract", "date": None, "date_signed": None, "period_start": None, "title": "-"},
    ]
    sanctions = [
        {"kind": "debarment", "start": "2026-06-10", "end": "2028-03-28", "status": None},
        {"kind": "efos_definitivo", "start": "2024-01-05", "end": None, "status": "Definitivo"},
        {"kind": "fine", "start": "2024-02-01", "end": None, "status": None},  # no window
    ]
    drawn = build(awards, sanctions, today=date(2026, 12, 1))
    assert drawn is not None
    assert drawn.start == date(2024, 1, 1) and drawn.end == date(2029, 1, 1)
    assert [m.inside for m in drawn.marks] == [False, True]  # by date; the undated is left out
    assert [b.kind for b in drawn.bands] == ["listed", "debarment"]
    assert all(b.x >= LEFT and b.x + b.width <= WIDTH for b in drawn.bands)
    assert drawn.ticks[0][1] == "2024" and drawn.ticks[-1][1] == ""


def test_nothing_dated_draws_nothing() -> None:
    assert build([{"date": None, "title": "x"}], [], today=date(2026, 1, 1)) is None
