"""May this supplier be awarded on a given day? The verdict from matched firms and sanctions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

BARRED, WARNING, REVIEW, CLEAR = "barred", "warning", "review", "clear"
WARNING_EFOS = ("efos_definitivo", "efos_presunto")
HIGH, MEDIUM, LOW = "high", "medium", "low"  # the severities of an alert
# The 69-B stages an alert is raised for, by how sure the SAT is: a definitive listing is
# medium, a presumed one low. The other stages (desvirtuado, sentencia favorable) clear.
EFOS_ALERT = {"efos_definitivo": MEDIUM, "efos_presunto": LOW}
ALERTING_KINDS = ("debarment", *EFOS_ALERT)
RECENT_DEBARMENT_YEARS = 2
# The RFC rule: an exact match on a whole RFC whose check digit holds (and that is no generic or
# placeholder RFC) identifies the taxpayer, whatever the model's other comparisons say. The SAT
# issues each RFC to one taxpayer, and a garbled RFC passes the check digit about one time in
# eleven. The model cannot know this: it weighs an exact RFC by how often the registries' RFCs
# agree, check digit or not, and with no name to compare it stops near 0.94. What remains is a
# registry that published another taxpayer's valid RFC: one in a thousand is allowed for that.
RFC_IDENTITY_PROBABILITY = 0.999


@dataclass(frozen=True, slots=True)
class SanctionFact:
    record_key: str
    registry: str
    case_number: str | None
    kind: str
    authority: str | None
    start: date | None
    end: date | None
    raw_status: str | None
    status: str  # active | withdrawn
    source_file: str
    retrieved_at: datetime | None

    @property
    def source_key(self) -> str:
        return self.record_key.split(":", 1)[1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "case_number": self.case_number,
            "kind": self.kind,
            "authority": self.authority,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "status": self.raw_status,
            "source_file": self.source_file,
            "retrieved_at": self.retrieved_at.isoformat() if self.retrieved_at else None,
        }


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def covers(fact: SanctionFact, on: date) -> bool:
    """A debarment in force on `on` (an open end means still in force)."""
    return (
        fact.kind == "debarment"
        and fact.status == "active"
        and (fact.start is None or fact.start <= on)
        and (fact.end is None or on <= fact.end)
    )


def warns(fact: SanctionFact, on: date) -> bool:
    """69-B Definitivo or Presunto listed by `on`, a debarment ended in the last two years, or a
    fine."""
    if fact.status != "active":
        return False
    if fact.kind in WARNING_EFOS:
        return fact.start is None or fact.start <= on
    if fact.kind == "debarment" and fact.end is not None and fact.end < on:
        return on <= _years_after(fact.end, RECENT_DEBARMENT_YEARS)
    return fact.kind == "fine" and (fact.start is None or fact.start <= on)


def alert_level(fact: SanctionFact, on: date, *, linked: bool) -> str | None:
    """The alert one sanction raises against an award made on `on`: the check's rule, read
    after the fact. What would have barred the award (`covers`, undated debarments included) is
    high, or medium when the supplier is the sanctioned firm only in the review band; a 69-B
    listing a check warns of is medium (Definitivo) or low (Presunto), for a linked firm only.
    A fine or a debarment already over warn an officer before awarding, but are no reason to
    question an award made: they raise nothing (`linked`: the supplier's record is in the firm
    at or above `auto`, or held in review only for one RFC beside unrelated names:
    `guards.identifies_by_rfc`)."""
    if covers(fact, on):
        return HIGH if linked else MEDIUM
    if linked and warns(fact, on):
        return EFOS_ALERT.get(fact.kind)
    return None


def severity(facts: Sequence[SanctionFact], on: date) -> str:
    if any(covers(f, on) for f in facts):
        return BARRED
    if any(warns(f, on) for f in facts):
        return WARNING
    return CLEAR


def verdict(
    matches: Sequence[tuple[float, Sequence[SanctionFact]]],
    on: date,
    *,
    auto: float,
    review: float,
    suspects: Sequence[Sequence[SanctionFact]] = (),
) -> str:
    """`matches`: (probability, sanctions of that firm), strongest first. `suspects`: the
    sanctions of firms the supplier may be whatever the model says, because the RFC given is
    one typo from theirs or lacks the homoclave theirs has: a clear answer becomes `review`
    when one of them is barred or warned."""
    outcome = CLEAR
    for probability, facts in matches:
        if probability < auto:
            continue
        found = severity(facts, on)
        if found == BARRED:
            return BARRED
        if found == WARNING:
            outcome = WARNING
    if outcome != CLEAR:
        return outcome
    if matches:
        probability, facts = matches[0]
        if review <= probability < auto and severity(facts, on) != CLEAR:
            return REVIEW
    if any(severity(facts, on) != CLEAR for facts in suspects):
        return REVIEW
    return CLEAR
