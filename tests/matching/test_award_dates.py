"""One rule for the day an award counts from, used by alerts and by the firm page alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.web.timeline import award_day
from matching.award_dates import AWARD_DATE, DATE_SIGNED, PERIOD_START, day_of


@dataclass
class Row:
    kind: str
    date: date | None = None
    date_signed: date | None = None
    period_start: date | None = None


FALLO, FIRMA, INICIO = date(2025, 12, 31), date(2026, 3, 6), date(2026, 1, 15)


def test_an_award_counts_from_its_award_date_before_its_contract() -> None:
    award = Row("award", date=FALLO)
    contract = Row("contract", date_signed=FIRMA, period_start=INICIO)
    assert day_of([contract, award]) == (FALLO, AWARD_DATE, award)


def test_a_contract_alone_counts_from_signature_then_start_then_award_date() -> None:
    # A ComprasMX row: a contract carrying its own fecha de fallo.
    assert day_of([Row("contract", FALLO, FIRMA, INICIO)])[:2] == (FIRMA, DATE_SIGNED)  # type: ignore[index]
    assert day_of([Row("contract", FALLO, None, INICIO)])[:2] == (INICIO, PERIOD_START)  # type: ignore[index]
    assert day_of([Row("contract", FALLO, None, None)])[:2] == (FALLO, AWARD_DATE)  # type: ignore[index]


def test_undated_rows_have_no_day() -> None:
    assert day_of([Row("award"), Row("contract")]) is None
    assert day_of([]) is None


def test_the_firm_page_uses_the_same_rule_as_alerts() -> None:
    contract = {"kind": "contract", "date": "2025-12-31", "date_signed": "2026-03-06"}
    assert award_day(contract) == FIRMA
    assert award_day({"kind": "award", "date": "2025-12-31", "date_signed": "2026-03-06"}) == FALLO
    assert award_day({"kind": "contract", "period_start": "2026-01-15"}) == INICIO
    assert award_day({"kind": "contract"}) is None
