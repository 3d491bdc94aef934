"""The ingest pipeline on real files, on SQLite and PostgreSQL: counts, idempotence, snapshots
with history and withdrawal, quarantine, and files that cannot be read at all."""

from __future__ import annotations

import json
from pathlib import Path

from app.settings import Settings
from ingest.jobs import ocds_job, sanctions_job, suppliers_job
from ingest.pipeline import Job
from tests.factories import (
    CDMX_SUPPLIERS,
    OCDS,
    SFP,
    ingest,
    rows,
    sat_lines,
    set_cell,
    snapshot,
    write_lines,
)


def test_sfp_loads_and_a_second_ingest_changes_nothing(db_settings: Settings) -> None:
    first = ingest(db_settings, sanctions_job("sfp"), SFP)
    assert first.failed == 0
    assert first.total("read") == 2396
    assert first.total("loaded") + first.total("rejected") == 2396
    garza = rows(
        db_settings,
        "SELECT kind, start_date, end_date, rfc, run_id, source_file, position "
        "FROM sanctions WHERE rfc = 'GGA8306134F4'",
    )
    assert garza and garza[0].kind == "debarment"
    assert str(garza[0].start_date) == "2026-06-10" and str(garza[0].end_date) == "2028-03-28"
    assert garza[0].source_file.endswith("sfp_directorio_sancionados_2026-06-11.json")
    assert garza[0].position.startswith("item ")

    before = snapshot(db_settings)
    again = ingest(db_settings, sanctions_job("sfp"), SFP)
    assert [f.status for f in again.files] == ["skipped"]
    forced = ingest(db_settings, sanctions_job("sfp"), SFP, force=True)
    assert forced.total("loaded") == 0 and forced.total("updated") == 0
    assert forced.total("withdrawn") == 0
    after = snapshot(db_settings)
    # A forced re-read quarantines its rejects again under its own run; the data is untouched.
    assert {k: v for k, v in after.items() if k != "quarantine"} == {
        k: v for k, v in before.items() if k != "quarantine"
    }


def test_new_snapshot_updates_keeps_history_and_withdraws(
    db_settings: Settings, tmp_path: Path
) -> None:
    lines = sat_lines(30)
    header, data = lines[:3], lines[3:]
    presunto = next(i for i, line in enumerate(data) if b",Presunto," in line)
    first = ingest(db_settings, sanctions_job("sat-69b"), write_lines(tmp_path / "a.csv", lines))
    assert first.total("loaded") == 30

    moved = data[presunto].replace(b",Presunto,", b",Definitivo,", 1)
    rfc = moved.split(b",")[1].decode()
    newer = header + [moved] + [line for i, line in enumerate(data) if i not in (presunto, 0)]
    second = ingest(db_settings, sanctions_job("sat-69b"), write_lines(tmp_path / "b.csv", newer))
    assert second.total("updated") == 1
    assert second.total("withdrawn") == 1
    assert second.total("unchanged") == 28

    current = rows(db_settings, "SELECT kind, status FROM sanctions WHERE rfc = :rfc", rfc=rfc)
    assert [(r.kind, r.status) for r in current] == [("efos_definitivo", "active")]
    history = rows(
        db_settings,
        "SELECT change, data FROM record_history WHERE source_key = :key ORDER BY id",
        key=f"sat-69b:{rfc}",
    )
    kinds = [
        (h.change, (h.data if isinstance(h.data, dict) else json.loads(h.data))["kind"])
        for h in history
    ]
    assert kinds == [("created", "efos_presunto"), ("updated", "efos_definitivo")]
    withdrawn = rows(
        db_settings, "SELECT status, withdrawn_at FROM sanctions WHERE status = 'withdrawn'"
    )
    assert len(withdrawn) == 1 and withdrawn[0].withdrawn_at is not None


def test_bad_rows_are_quarantined_and_the_rest_loads(db_settings: Settings, tmp_path: Path) -> None:
    lines = sat_lines(10)
    lines[3 + 4] = set_cell(lines[3 + 4], 5, "32/13/2018")  # a date that does not exist
    summary = ingest(
        db_settings, sanctions_job("sat-69b"), write_lines(tmp_path / "bad.csv", lines)
    )
    assert summary.total("loaded") == 9 and summary.total("rejected") == 1
    quarantined = rows(db_settings, "SELECT position, reason, raw, source_file FROM quarantine")
    assert len(quarantined) == 1
    assert quarantined[0].position == "line 8"
    assert "32/13/2018" in quarantined[0].reason or "32/13/2018" in quarantined[0].raw
    assert quarantined[0].source_file.endswith("bad.csv")


def test_unreadable_file_fails_cleanly_and_leaves_data_as_it_was(
    db_settings: Settings, tmp_path: Path
) -> None:
    ingest(db_settings, suppliers_job("cdmx-sefin"), CDMX_SUPPLIERS)
    before = snapshot(db_settings)
    broken = tmp_path / "broken.json"
    broken.write_text(CDMX_SUPPLIERS.read_text(encoding="utf-8")[:50_000], encoding="utf-8")
    summary = ingest(db_settings, suppliers_job("cdmx-sefin"), broken)
    assert summary.failed == 1
    assert "broken.json" in (summary.files[0].error or "")
    assert snapshot(db_settings) == before
    runs = rows(db_settings, "SELECT status, error FROM ingest_runs ORDER BY id")
    assert [r.status for r in runs] == ["ok", "failed"]


def test_missing_path_is_a_clear_failure(db_settings: Settings, tmp_path: Path) -> None:
    summary = ingest(db_settings, ocds_job(), tmp_path / "nowhere")
    assert summary.failed == 1
    assert "no such file or directory" in (summary.files[0].error or "")


def test_every_bundled_ocds_file_loads_on_both_engines(db_settings: Settings) -> None:
    summary = ingest(db_settings, ocds_job(), OCDS)
    assert summary.failed == 0
    assert len(summary.files) == len(list(OCDS.rglob("*.json")))
    assert summary.total("rejected") == 0
    # Federal APF data: contracts, no awards, supplier RFC under scheme MX-RFC (SHCP's
    # releases, under the same ocid prefix, have awards).
    federal = rows(
        db_settings,
        "SELECT kind, date_signed FROM awards WHERE ocid LIKE 'ocds-07smqs%' "
        "AND source_file LIKE '%administracion-publica-federal%'",
    )
    assert federal and {r.kind for r in federal} == {"contract"}
    linked = rows(
        db_settings,
        "SELECT s.rfc, p.name FROM award_suppliers s JOIN parties p ON p.source_key = s.party_key "
        "WHERE s.rfc IS NOT NULL",
    )
    assert len(linked) > 50
    before = snapshot(db_settings)
    forced = ingest(db_settings, ocds_job(), OCDS, force=True)
    assert forced.total("loaded") == 0 and forced.total("updated") == 0
    assert snapshot(db_settings) == before


def test_a_load_runs_with_fewer_collections_and_restores_the_collector(
    db_settings: Settings, tmp_path: Path
) -> None:
    """The collector's thresholds are raised while a file loads (the rows hold no cycles) and
    put back afterwards, also when the file fails half-way."""
    import gc

    from app.collector import BULK_GC_THRESHOLDS

    seen: list[tuple[int, int, int]] = []
    base = ocds_job()

    def reader(path: Path):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold())
        yield from base.read(path)

    def broken(path: Path):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold())
        raise ValueError("half-way")
        yield  # pragma: no cover

    before = gc.get_threshold()
    job = Job(kind="ocds", format="ocds", scope="ocds", read=reader, snapshot=False)
    summary = ingest(db_settings, job, OCDS / "inai/releases/PC-0015-PC-0015.json")
    failing = Job(kind="ocds", format="ocds", scope="ocds", read=broken, snapshot=False)
    other = tmp_path / "other.json"
    other.write_text('{"ocid": "x"}')
    failed = ingest(db_settings, failing, other)
    assert summary.total("read") > 0 and failed.failed == 1
    assert seen == [BULK_GC_THRESHOLDS, BULK_GC_THRESHOLDS]
    assert gc.get_threshold() == before
