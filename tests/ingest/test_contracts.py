"""The ComprasMX contracts CSV on the real download (data/contracts/), read as OCDS contracts:
every row accounted for on SQLite and PostgreSQL, stable keys across downloads, a newer download
updates and an older one does not, dirty files and rows, and the real barred winner alerts on
its signature date."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.alerts.detect import scan
from app.settings import Settings
from app.store.engine import make_engine
from ingest.contracts import read_comprasmx
from ingest.jobs import JobError, contracts_job, sanctions_job
from ingest.pipeline import IngestSummary, run_job
from ingest.rows import OcdsItem, Rejected, UnreadableSource
from tests.conftest import DATA
from tests.factories import SFP, ingest, rows

SAMPLE = DATA / "contracts/comprasmx_contratos_2026-03-08.csv"
ROWS = 3756
AMOUNT, SIGNED, START, RFC, NAME = 12, 17, 18, 0, 4


def _table() -> tuple[list[str], list[list[str]]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as stream:
        header, *data = csv.reader(stream)
    return header, data


def _write(
    path: Path,
    header: list[str],
    data: list[list[str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows([header, *data])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _read(path: Path) -> tuple[list[OcdsItem], list[Rejected]]:
    found = list(read_comprasmx(path))
    return (
        [f for f in found if isinstance(f, OcdsItem)],
        [f for f in found if isinstance(f, Rejected)],
    )


def _keys(items: list[OcdsItem]) -> list[str]:
    return [f"{i.awards[0].ocid}/{i.awards[0].item_id}" for i in items]


def _ingest(settings: Settings, *paths: Path, force: bool = False) -> IngestSummary:
    return ingest(settings, contracts_job(), *paths, force=force)


def _count(settings: Settings, sql: str) -> int:
    return int(rows(settings, sql)[0][0])


# --- the reader ---------------------------------------------------------------------------------


def test_the_real_download_reads_whole_with_unique_keys() -> None:
    items, rejected = _read(SAMPLE)
    assert rejected == [] and len(items) == ROWS
    keys = _keys(items)
    assert len(set(keys)) == ROWS
    # One contract is listed four times, byte for byte: all four are kept, numbered.
    _, data = _table()
    counted = Counter(tuple(r) for r in data)
    (repeated,) = [row for row, n in counted.items() if n > 1]
    assert counted[repeated] == 4 and repeated[5] == "LA-06-400-006400001-N-2-2026"
    copies = sorted(k for r, k in zip(data, keys, strict=True) if tuple(r) == repeated)
    assert [k.rpartition("/")[2][12:] for k in copies] == ["", "#2", "#3", "#4"]

    first = items[0]
    (award,) = first.awards
    assert award.position == "line 2" and items[-1].awards[0].position == "line 3986"
    assert award.ocid == "comprasmx-AA-50-GYR-050GYR006-N-7-2026" and award.kind == "contract"
    assert (award.date, award.date_signed, award.period_start) == (
        date(2025, 12, 31),
        date(2026, 1, 21),
        date(2026, 1, 1),
    )
    assert award.value_amount == Decimal("113543.45") and award.currency == "MXN"
    assert award.title == "ADQUISICIÓN DE VÍVERES PARA GUARDERÍAS ORDINARIAS"
    assert award.url is not None and award.url.startswith("https://comprasmx.")
    assert award.release_date is not None and award.release_date.date() == date(2026, 3, 8)
    buyer, supplier = first.parties
    assert buyer.roles == ("buyer",) and buyer.party_id == "050GYR006" == award.buyer_id
    assert buyer.name == (
        "INSTITUTO MEXICANO DEL SEGURO SOCIAL - COORDINACION DE ABASTECIMIENTO Y EQUIPAMIENTO"
    )
    assert supplier.roles == ("supplier",) and supplier.party_id == "rfc:AAAA670319394"
    assert (supplier.name, supplier.rfc_raw) == ("JOSE ARMANDO ALTAMIRANO ARIAS", "AAAA670319394")
    assert [s.party_id for s in award.suppliers] == [supplier.party_id]
    assert buyer.ocid == supplier.ocid == "comprasmx" == award.suppliers[0].party_ocid
    # Descriptions with line breaks inside quotes are one row, kept whole.
    assert any("\n" in i.awards[0].title for i in items if i.awards[0].title)


def test_keys_survive_reordering_and_new_contracts(tmp_path: Path) -> None:
    header, data = _table()
    keys = _keys(_read(SAMPLE)[0])
    copies = Counter(tuple(r) for r in data)
    before = {tuple(r): k for r, k in zip(data, keys, strict=True) if copies[tuple(r)] == 1}
    # A group of contracts sharing a key, all signed: a later download adds one more, signed
    # after them, and lists every row in another order. No existing contract changes its key.
    groups: dict[str, list[list[str]]] = {}
    for row, key in zip(data, keys, strict=True):
        groups.setdefault(key.split("#")[0], []).append(row)
    shared = next(g for g in groups.values() if len(g) > 2 and all(r[SIGNED] for r in g))
    extra = [*shared[0]]
    extra[SIGNED], extra[AMOUNT] = "2026-03-07 10:00:00", "1.00"
    reordered = [extra, *reversed(data)]
    items, rejected = _read(_write(tmp_path / "c_2026-03-15.csv", header, reordered))
    assert rejected == []
    after = _keys(items)
    assert len(set(after)) == ROWS + 1
    moved = [
        (before[tuple(r)], k)
        for r, k in zip(reordered[1:], after[1:], strict=True)
        if tuple(r) in before and before[tuple(r)] != k
    ]
    assert moved == []
    assert after[0].endswith(f"#{len(shared) + 1}")


def test_cp1252_crlf_and_a_folded_header_read_the_same(tmp_path: Path) -> None:
    header, data = _table()
    cut = data[:300]
    plain = _write(tmp_path / "utf8_2026-03-08.csv", header, cut)
    folded = [h.upper().replace("Ó", "O").replace("Ú", "U") + " " for h in header]
    dirty = _write(
        tmp_path / "cp1252_2026-03-08.csv", folded, cut, encoding="cp1252", newline="\r\n"
    )
    bom = tmp_path / "bom_2026-03-08.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    expected = _read(plain)[0]
    for path in (dirty, bom):
        items, rejected = _read(path)
        assert rejected == [] and _keys(items) == _keys(expected)
        assert [i.awards[0].value_amount for i in items] == [
            i.awards[0].value_amount for i in expected
        ]


def test_a_file_that_is_not_comprasmx_names_the_missing_columns(tmp_path: Path) -> None:
    header, data = _table()
    broken = _write(tmp_path / "other.csv", header[:12] + header[13:], [r[:12] for r in data[:3]])
    with pytest.raises(UnreadableSource, match="importe drc"):
        list(read_comprasmx(broken))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(UnreadableSource, match="empty"):
        list(read_comprasmx(empty))


def test_unreadable_amounts_and_dates_are_quarantined_with_their_line(tmp_path: Path) -> None:
    header, data = _table()
    cut = [list(r) for r in data[:10]]
    cut[1][AMOUNT] = "doce mil"
    cut[2][SIGNED] = "2026-02-30 10:00:00"
    cut[3][START] = "mañana"
    cut[4] = cut[4][:5]
    cut[5][AMOUNT] = "$1,234.50"  # readable, if untidy
    cut[6][AMOUNT] = "NaN"  # Decimal reads it, and a figure that is not one was stored
    cut[7][AMOUNT] = "1 234 567.00"  # spaces between thousands, as OCDS amounts are read
    items, rejected = _read(_write(tmp_path / "dirty_2026-03-08.csv", header, cut))
    assert len(items) == 5
    assert [(r.position, r.reason.split(" '")[0]) for r in rejected] == [
        ("line 3", "unreadable Importe DRC"),
        ("line 4", "unreadable Fecha de firma del contrato"),
        ("line 5", "unreadable Fecha de inicio del contrato"),
        ("line 6", "5 columns, the header has 21"),
        ("line 8", "unreadable Importe DRC"),
    ]
    assert "doce mil" in rejected[0].raw
    assert items[1].awards[0].value_amount == Decimal("1234.50")
    assert items[2].awards[0].value_amount == Decimal("1234567.00")


def test_a_supplier_without_rfc_is_keyed_by_its_name(tmp_path: Path) -> None:
    header, data = _table()
    cut = [list(r) for r in data[:5]]
    cut[0][RFC] = ""
    cut[0][NAME] = "  José Armando   Altamirano Arias "
    items, _ = _read(_write(tmp_path / "norfc_2026-03-08.csv", header, cut))
    supplier = items[0].parties[1]
    assert supplier.party_id == "name:JOSÉ ARMANDO ALTAMIRANO ARIAS"
    assert supplier.rfc_raw is None and supplier.identifier_scheme is None
    assert items[0].awards[0].suppliers[0].party_id == supplier.party_id
    assert items[0].awards[0].item_id.startswith("name:JOSÉ ARMANDO ALTAMIRANO ARIAS/")


def test_without_a_date_in_the_name_the_newest_date_in_the_file_is_the_as_of(
    tmp_path: Path,
) -> None:
    header, data = _table()
    items, _ = _read(_write(tmp_path / "contratos.csv", header, data))
    newest = max(date.fromisoformat(r[c][:10]) for r in data for c in (15, 16, 17) if r[c].strip())
    assert {i.awards[0].release_date.date() for i in items if i.awards[0].release_date} == {newest}


def test_unknown_contracts_format_is_a_job_error() -> None:
    with pytest.raises(JobError, match="comprasmx"):
        contracts_job("compranet")


# --- stored -------------------------------------------------------------------------------------


def test_the_real_download_loads_whole_and_again_is_a_no_op(db_settings: Settings) -> None:
    first = _ingest(db_settings, SAMPLE)
    assert first.failed == 0
    assert first.total("read") == ROWS
    assert first.total("loaded") + first.total("unchanged") + first.total("rejected") == ROWS
    assert first.total("loaded") == ROWS and first.total("rejected") == 0
    assert _count(db_settings, "SELECT COUNT(*) FROM awards WHERE kind = 'contract'") == ROWS
    assert _count(db_settings, "SELECT COUNT(*) FROM award_suppliers") == ROWS
    linked = "SELECT COUNT(*) FROM award_suppliers s JOIN parties p ON p.source_key = s.party_key"
    assert _count(db_settings, linked) == ROWS
    # One party per supplier and per UC, however many contracts they sign.
    header, data = _table()
    ucs = {r[header.index("Clave de la UC")] for r in data}
    suppliers = {r[header.index("rfc")] for r in data}
    assert _count(db_settings, "SELECT COUNT(*) FROM parties WHERE roles = 'buyer'") == len(ucs)
    assert _count(db_settings, "SELECT COUNT(*) FROM parties WHERE roles = 'supplier'") == len(
        suppliers
    )
    url = rows(db_settings, "SELECT url FROM awards WHERE position = 'line 2'")[0][0]
    assert url.endswith("/87d32e60ec774f7993a89872a7aa0d75/procedimiento")

    again = _ingest(db_settings, SAMPLE)
    assert again.files[0].status == "skipped" and "unchanged since run" in str(again.files[0].error)
    forced = _ingest(db_settings, SAMPLE, force=True)
    assert forced.total("unchanged") == ROWS and forced.total("loaded") == 0
    assert _count(db_settings, "SELECT COUNT(*) FROM awards") == ROWS


def _amount_of(settings: Settings, position: str) -> Decimal:
    return Decimal(
        str(rows(settings, "SELECT value_amount FROM awards WHERE position = :p", p=position)[0][0])
    )


def test_a_newer_download_updates_and_an_older_one_does_not(
    db_settings: Settings, tmp_path: Path
) -> None:
    header, data = _table()
    _ingest(db_settings, SAMPLE)
    changed = [list(r) for r in data]
    changed[0][AMOUNT] = "120000.00"
    extra = list(data[1])
    extra[AMOUNT], extra[SIGNED] = "99.00", "2026-03-10 09:00:00"
    extra[19] = "CONTRATO NUEVO DE VÍVERES"
    newer = _write(tmp_path / "comprasmx_contratos_2026-03-15.csv", header, [*changed, extra])

    summary = _ingest(db_settings, newer)
    assert summary.failed == 0 and summary.total("read") == ROWS + 1
    assert summary.total("loaded") == 1 and summary.total("rejected") == 0
    assert summary.total("updated") + summary.total("unchanged") == ROWS
    assert _count(db_settings, "SELECT COUNT(*) FROM awards") == ROWS + 1
    assert _count(db_settings, "SELECT COUNT(*) FROM award_suppliers") == ROWS + 1
    assert _amount_of(db_settings, "line 2") == Decimal("120000.00")

    older_rows = [list(r) for r in data]
    older_rows[0][AMOUNT] = "1.00"
    older = _write(tmp_path / "comprasmx_contratos_2026-03-01.csv", header, older_rows)
    stale = _ingest(db_settings, older)
    assert stale.total("updated") == 0 and stale.total("loaded") == 0
    assert _amount_of(db_settings, "line 2") == Decimal("120000.00")
    assert _count(db_settings, "SELECT COUNT(*) FROM awards") == ROWS + 1


def test_a_newer_download_with_one_change_updates_only_that_contract(
    db_settings: Settings, tmp_path: Path
) -> None:
    """The release date is when the download was taken, not what a contract says: a newer
    download that changes one amount updates that contract alone. The others stay as stored
    (same run, so the incremental linker has nothing to re-read), and their release date
    advances, so a download taken in between cannot overwrite what the newest one confirmed."""
    header, data = _table()
    first = _ingest(db_settings, SAMPLE)
    (run,) = {r[0] for r in rows(db_settings, "SELECT run_id FROM awards")}
    changed = [list(r) for r in data]
    changed[0][AMOUNT] = "120000.00"
    newer = _write(tmp_path / "comprasmx_contratos_2026-03-15.csv", header, changed)

    summary = _ingest(db_settings, newer)
    assert summary.failed == 0 and first.total("loaded") == ROWS
    assert (summary.total("loaded"), summary.total("updated")) == (0, 1)
    assert summary.total("unchanged") == ROWS - 1
    assert _amount_of(db_settings, "line 2") == Decimal("120000.00")
    runs = Counter(r[0] for r in rows(db_settings, "SELECT run_id FROM awards"))
    assert runs[run] == ROWS - 1 and len(runs) == 2
    assert rows(db_settings, "SELECT COUNT(*) FROM parties WHERE run_id <> :r", r=run)[0][0] == 0
    dates = rows(db_settings, "SELECT DISTINCT release_date FROM awards")
    assert [str(d[0])[:10] for d in dates] == ["2026-03-15"]

    between = [list(r) for r in data]
    between[1][AMOUNT] = "1.00"
    stale = _ingest(db_settings, _write(tmp_path / "c_2026-03-10.csv", header, between))
    assert (stale.total("updated"), stale.total("unchanged")) == (0, ROWS)
    assert _amount_of(db_settings, "line 3") == Decimal(data[1][AMOUNT])


def test_a_file_with_another_header_fails_and_changes_nothing(
    db_settings: Settings, tmp_path: Path
) -> None:
    header, data = _table()
    broken = _write(tmp_path / "export.csv", [h for h in header if h != "Fecha de fallo"], data[:3])
    summary = _ingest(db_settings, broken)
    (result,) = summary.files
    assert result.status == "failed"
    assert "export.csv" in str(result.error) and "'fecha de fallo'" in str(result.error)
    assert _count(db_settings, "SELECT COUNT(*) FROM awards") == 0
    assert rows(db_settings, "SELECT kind, status FROM ingest_runs")[0] == ("contracts", "failed")


def test_a_directory_reads_its_csv_files(sqlite_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    (folder / "notes.txt").write_text("not a download", encoding="utf-8")
    summary = _ingest(sqlite_settings, folder)
    assert [Path(f.source_file).name for f in summary.files] == [SAMPLE.name]


# --- alerts -------------------------------------------------------------------------------------


def test_the_real_barred_winner_alerts_on_its_signature_date(
    sqlite_settings: Settings, trained_model: Path
) -> None:
    """D'SAZON's award (fallo 2025-12-31) predates its SFP debarment (2026-01-23 to 2027-01-23),
    but the contract was signed on 2026-03-06, inside it. For a contract, alerts use the
    signature date, else the period start (app/alerts/detect.py `_date_used`: the award date
    only counts for kind "award"); the contracts of the same firm signed on 2026-01-22 fall
    outside the window."""
    from tests.factories import link_records

    settings = sqlite_settings
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, settings.model_dir / trained_model.name)
    _ingest(settings, SAMPLE)
    engine = make_engine(settings)
    try:
        run_job(sanctions_job("sfp"), [str(SFP)], engine=engine, settings=settings)
    finally:
        engine.dispose()
    link_records(settings)
    engine = make_engine(settings)
    try:
        scan(engine)
    finally:
        engine.dispose()
    found: list[Any] = rows(
        settings,
        "SELECT ocid, date, date_basis, severity, supplier_rfc FROM alerts "
        "WHERE supplier_rfc = 'DSS121222IC0'",
    )
    assert [(a.ocid, str(a.date), a.date_basis, a.severity) for a in found] == [
        ("comprasmx-LA-50-GYR-050GYR028-N-21-2026", "2026-03-06", "date signed", "high")
    ]
    # GEN INDUSTRIAL's debarment is published as 2025-12-31 to 2025-03-31 ("3 meses"): its end
    # comes from the period (2026-03-31), so its two contracts signed on 2025-12-31 alert too.
    gen = rows(
        settings,
        "SELECT date, date_basis FROM alerts WHERE supplier_rfc = 'GIN811027SS4' ORDER BY id",
    )
    assert [(str(a.date), a.date_basis) for a in gen] == [("2025-12-31", "date signed")] * 2


# --- command line and nightly -------------------------------------------------------------------


def test_the_command_line_ingests_contracts_as_json(tmp_path: Path) -> None:
    from tests.clients import run

    assert run(tmp_path, "db", "upgrade").returncode == 0
    done = run(tmp_path, "ingest", "contracts", "--format", "comprasmx", str(SAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["kind"], summary["format"]) == ("contracts", "comprasmx")
    assert summary["read"] == summary["loaded"] == ROWS and summary["failed_files"] == 0
    forced = run(
        tmp_path, "ingest", "contracts", "-f", "comprasmx", str(SAMPLE), "--json", "--force"
    )
    assert json.loads(forced.stdout)["unchanged"] == ROWS
    assert json.loads(run(tmp_path, "stats").stdout)["contracts"] == ROWS
    unknown = run(tmp_path, "ingest", "contracts", "--format", "compranet", str(SAMPLE))
    assert unknown.returncode == 2 and "comprasmx" in unknown.stderr


def test_a_nightly_source_of_kind_contracts(sqlite_settings: Settings, tmp_path: Path) -> None:
    from app import nightly

    toml = tmp_path / "sources.toml"
    toml.write_text(
        f'[[sources]]\nkind = "contracts"\nformat = "comprasmx"\nlocation = "{SAMPLE}"\n',
        encoding="utf-8",
    )
    (source,) = nightly.read_sources(toml)
    job = nightly._job(source)
    assert (job.kind, job.format, job.scope, job.snapshot) == (
        "contracts",
        "comprasmx",
        "comprasmx",
        False,
    )
    engine = make_engine(sqlite_settings)
    try:
        summary = run_job(job, [source.location], engine=engine, settings=sqlite_settings)
        again = run_job(job, [source.location], engine=engine, settings=sqlite_settings)
    finally:
        engine.dispose()
    assert summary.total("loaded") == ROWS
    assert [f.status for f in again.files] == ["skipped"]  # a nightly re-run reads nothing


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x1f\x0b\xa0")), max_size=8)))
def test_the_rows_content_is_spaced_as_cell_by_cell(row: list[str]) -> None:
    # The first pass ranks duplicate rows by a digest of their content, whitespace collapsed
    # cell by cell; it is now done for the whole row at once, which must give the same text.
    from ingest.contracts import _spaced

    assert _spaced(row) == "\x1f".join(" ".join(v.split()) for v in row)
