"""SFP cases as the real files publish them, found when reviewing the readers on real data:
twin cases under one procedure (DACEGA 2020 and 2023) stay two records whichever file lists
them, and a debarment published with its end before its start (GEN INDUSTRIAL 2025-12-31 to
2025-03-31, "3 meses") takes its end from the period, keeping the published one in details."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings
from ingest.jobs import sanctions_job
from ingest.pipeline import IngestSummary
from tests.factories import SFP, ingest, rows

XLSX = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "sfp_proveedores_sancionados_2026-03_first300.xlsx"
)


def _ingest(settings: Settings, path: Path, *, snapshot: bool = True) -> IngestSummary:
    return ingest(settings, sanctions_job("sfp", snapshot=snapshot), path)


def _windows(settings: Settings, rfc: str) -> set[tuple[str, str]]:
    found = rows(
        settings,
        "SELECT start_date, end_date FROM sanctions WHERE registry = 'sfp' AND rfc = :rfc",
        rfc=rfc,
    )
    return {(str(r[0]), str(r[1])) for r in found}


def test_a_partial_xlsx_never_overwrites_the_older_twin_case(db_settings: Settings) -> None:
    _ingest(db_settings, SFP)
    dacega = "DCO0904038E9"
    before = _windows(db_settings, dacega)
    assert {("2020-03-27", "2022-03-27"), ("2023-11-17", "2025-11-17")} <= before
    _ingest(db_settings, XLSX, snapshot=False)  # first 300 rows: lists only the 2023 case
    assert _windows(db_settings, dacega) == before


def test_a_debarment_never_ends_before_it_starts(db_settings: Settings) -> None:
    _ingest(db_settings, SFP)
    inverted = rows(
        db_settings,
        "SELECT rfc, start_date, end_date FROM sanctions "
        "WHERE kind = 'debarment' AND end_date < start_date",
    )
    assert inverted == []
    assert _windows(db_settings, "GIN811027SS4") == {("2025-12-31", "2026-03-31")}
