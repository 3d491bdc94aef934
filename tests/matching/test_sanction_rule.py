"""The one sanctions rule (matching/verdict.py), on plain values: what a check answers before
an award and what alert a scan raises after it, from the same facts (issue 16 item 1: the scan
kept a rule of its own, so an undated debarment barred a check and raised no alert)."""

from __future__ import annotations

from datetime import date

import pytest

from matching.verdict import (
    BARRED,
    CLEAR,
    HIGH,
    LOW,
    MEDIUM,
    WARNING,
    SanctionFact,
    alert_level,
    severity,
)

ON = date(2026, 3, 6)


def fact(
    kind: str,
    start: date | None = None,
    end: date | None = None,
    status: str = "active",
) -> SanctionFact:
    return SanctionFact(
        "sanction:test:1", "sfp", None, kind, None, start, end, None, status, "f.json", None
    )


CASES = [
    # kind, start, end, status -> check severity, alert linked, alert in review band
    ("debarment", date(2026, 1, 23), date(2027, 1, 23), "active", BARRED, HIGH, MEDIUM),
    ("debarment", ON, ON, "active", BARRED, HIGH, MEDIUM),  # both ends count
    ("debarment", date(2026, 3, 7), None, "active", CLEAR, None, None),  # starts the next day
    ("debarment", None, None, "active", BARRED, HIGH, MEDIUM),  # undated: in force
    ("debarment", None, date(2026, 12, 31), "active", BARRED, HIGH, MEDIUM),
    ("debarment", date(2020, 1, 1), None, "active", BARRED, HIGH, MEDIUM),  # open-ended
    ("debarment", date(2024, 1, 1), date(2026, 3, 5), "active", WARNING, None, None),  # ended
    ("debarment", date(2020, 1, 1), date(2024, 3, 5), "active", CLEAR, None, None),  # >2 years
    ("debarment", date(2026, 1, 1), None, "withdrawn", CLEAR, None, None),
    ("fine", date(2025, 1, 1), None, "active", WARNING, None, None),
    ("efos_definitivo", date(2019, 7, 18), None, "active", WARNING, MEDIUM, None),
    ("efos_definitivo", None, None, "active", WARNING, MEDIUM, None),
    ("efos_definitivo", date(2026, 3, 7), None, "active", CLEAR, None, None),
    ("efos_presunto", date(2025, 1, 1), None, "active", WARNING, LOW, None),
    ("efos_desvirtuado", date(2025, 1, 1), None, "active", CLEAR, None, None),
    ("efos_sentencia_favorable", date(2025, 1, 1), None, "active", CLEAR, None, None),
    ("other", date(2025, 1, 1), None, "active", CLEAR, None, None),
]


@pytest.mark.parametrize(("kind", "start", "end", "status", "check", "linked", "review"), CASES)
def test_a_check_and_an_alert_read_one_rule(
    kind: str,
    start: date | None,
    end: date | None,
    status: str,
    check: str,
    linked: str | None,
    review: str | None,
) -> None:
    sanction = fact(kind, start, end, status)
    assert severity([sanction], ON) == check
    assert alert_level(sanction, ON, linked=True) == linked
    assert alert_level(sanction, ON, linked=False) == review
    # What bars a check always alerts; what clears a check never does.
    assert (check == BARRED) == (linked == HIGH)
    assert check != CLEAR or (linked is None and review is None)
