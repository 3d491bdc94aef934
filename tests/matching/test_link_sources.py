"""`testigo link` with whatever is loaded: one OCDS publisher, one sanctions list, ComprasMX
contracts, a register where no two records share an RFC, or nothing at all. Training uses what
the data allows and takes the rest from the stored model or the defaults, and the summary says
which; a failure is one line."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app import migrations
from app.settings import Settings
from ingest.jobs import contracts_job, ocds_job, sanctions_job, suppliers_job
from matching import model as splink_model
from matching import training
from tests.clients import run
from tests.conftest import DATA, make_settings
from tests.factories import CDMX_SUPPLIERS, OCDS, SFP, ingest_files, link_records, rows

CONTRACTS = DATA / "contracts/comprasmx_contratos_2026-03-08.csv"
PARAMETERS = {
    "prior",
    *(f"{c}.{p}" for c in ("rfc", "name", "legal_form", "kind", "postal_code") for p in "mu"),
}


def _sources(report: dict[str, Any]) -> dict[str, str]:
    """parameter -> where it came from; every parameter comes from exactly one place."""
    out: dict[str, str] = {}
    for key in ("from_data", "from_stored_model", "from_defaults", "fixed"):
        for parameter in report[key]:
            assert parameter not in out, parameter
            out[parameter] = key
    assert set(out) == PARAMETERS
    # Whatever does not come from the data says why.
    assert {p for p, k in out.items() if k != "from_data"} == set(report["why"])
    return out


def _levels(model: dict[str, Any], comparison: str, param: str) -> dict[str, float]:
    (found,) = [c for c in model["comparisons"] if c["output_column_name"] == comparison]
    return {
        lv["label_for_charts"]: lv[f"{param}_probability"]
        for lv in found["comparison_levels"]
        if not lv.get("is_null_level")
    }


def _linked_entities(settings: Settings) -> int:
    return len(rows(settings, "SELECT DISTINCT entity_id FROM entity_members"))


@pytest.mark.parametrize("publisher", ["inai", "jalisco"])
def test_one_ocds_publisher_links_alone(db_settings: Settings, publisher: str) -> None:
    ingest_files(db_settings, (ocds_job(), OCDS / publisher))
    summary = link_records(db_settings)
    assert summary.mode == "full" and summary.trained and summary.records > 0
    assert summary.entities == _linked_entities(db_settings) > 0
    report = summary.training
    assert report["trained_now"] and report["stored_model"] is None
    sources = _sources(report)
    # A few dozen suppliers, none sharing an RFC twice: no EM block is big enough.
    assert sources["name.m"] == "from_defaults" and sources["rfc.m"] == "fixed"
    assert report["why"]["name.m"].startswith("m by EM on pairs with equal RFC: ")
    steps = {s["step"]: s for s in report["steps"]}
    assert not steps["m by EM on pairs with equal RFC"]["ran"]
    # The model on disk is the one reported, with its report.
    saved = splink_model.load_latest(db_settings.model_dir)
    assert saved is not None and splink_model.version_of(saved) == summary.model_version
    assert saved["testigo"]["training"]["from_defaults"] == report["from_defaults"]


def test_register_where_no_two_records_share_an_rfc(db_settings: Settings) -> None:
    """The Mexico City supplier list: 500 suppliers, each RFC once (this crashed Splink's EM)."""
    ingest_files(db_settings, (suppliers_job("cdmx-sefin"), CDMX_SUPPLIERS))
    summary = link_records(db_settings)
    assert summary.mode == "full" and summary.records == 500
    report = summary.training
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["m by EM on pairs with equal RFC"]["pairs"] == 0
    assert steps["m by EM on pairs with equal RFC"]["why"] == "no two profiles share an RFC"
    sources = _sources(report)
    # 500 profiles give enough random pairs for u, not a single block for m.
    assert sources["name.u"] == sources["kind.u"] == "from_data"
    assert sources["name.m"] == sources["kind.m"] == "from_defaults"
    model = splink_model.load_latest(db_settings.model_dir)
    assert model is not None
    assert _levels(model, "name", "m") == pytest.approx(
        {label: m for label, (m, _) in training.DEFAULT_LEVELS["name"].items()}
    )


def test_comprasmx_contracts_alone(db_settings: Settings, tmp_path: Path) -> None:
    """Federal contracts: each supplier's RFC and name appear once per profile, so no training
    block has a pair. The first 400 contracts of the real download keep the test quick."""
    with CONTRACTS.open(encoding="utf-8", newline="") as f:
        head = list(itertools.islice(csv.reader(f), 401))
    sample = tmp_path / CONTRACTS.name
    with sample.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(head)
    ingest_files(db_settings, (contracts_job("comprasmx"), sample))
    summary = link_records(db_settings)
    assert summary.mode == "full" and summary.trained and summary.records > 100
    sources = _sources(summary.training)
    assert sources["name.u"] == "from_data" and sources["name.m"] == "from_defaults"
    assert "no two profiles share an RFC" in summary.training["why"]["name.m"]


@pytest.mark.slow
def test_sfp_directory_alone(sqlite_settings: Settings) -> None:
    ingest_files(sqlite_settings, (sanctions_job("sfp"), SFP))
    summary = link_records(sqlite_settings)
    assert summary.mode == "full" and summary.records == 2396 and summary.links > 0
    sources = _sources(summary.training)
    # Fines and debarments of one firm share its RFC: enough pairs for every step.
    assert {"prior", "name.m", "name.u", "legal_form.m", "kind.m"} <= {
        p for p, k in sources.items() if k == "from_data"
    }
    # The directory has no addresses: postal codes cannot be trained from it.
    assert sources["postal_code.m"] == sources["postal_code.u"] == "from_defaults"


def test_empty_database_has_nothing_to_link(db_settings: Settings) -> None:
    summary = link_records(db_settings)
    assert summary.mode == "empty" and summary.records == summary.entities == 0
    assert splink_model.load_latest(db_settings.model_dir) is None
    assert rows(db_settings, "SELECT COUNT(*) FROM link_runs")[0][0] == 0


def test_a_later_run_takes_what_the_data_cannot_train_from_the_stored_model(
    db_settings: Settings, tmp_path: Path
) -> None:
    # A model trained on the airport's 300 suppliers, where every step has its pairs.
    airport = make_settings(tmp_path / "airport")
    migrations.upgrade(airport)
    ingest_files(airport, (ocds_job(), OCDS / "grupo-aeroportuario"))
    first = link_records(airport)
    assert set(first.training["from_data"]) == PARAMETERS - {"rfc.m"}
    stored = splink_model.load_latest(airport.model_dir)
    assert stored is not None
    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    for path in airport.model_dir.glob("model-*.json"):
        shutil.copy(path, db_settings.model_dir / path.name)

    ingest_files(db_settings, (ocds_job(), OCDS / "jalisco"))
    again = link_records(db_settings)
    assert not again.trained and again.model_version == first.model_version
    assert not again.training["trained_now"]
    assert again.training["from_data"] == first.training["from_data"]

    retrained = link_records(db_settings, retrain=True)
    assert retrained.trained and retrained.training["stored_model"] == first.model_version
    sources = _sources(retrained.training)
    assert {p for p, k in sources.items() if k == "from_stored_model"} == PARAMETERS - {"rfc.m"}
    new = splink_model.load_latest(db_settings.model_dir)
    assert new is not None and new["testigo"]["training"]["stored_model"] == first.model_version
    for comparison in ("name", "legal_form", "kind"):
        assert _levels(new, comparison, "m") == _levels(stored, comparison, "m")
    assert new["probability_two_random_records_match"] == pytest.approx(
        stored["probability_two_random_records_match"]
    )


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(data_dir, *args, data_dir=data_dir)


def _one_error_line(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    (line,) = [x for x in done.stderr.splitlines() if x.strip()]
    assert line.startswith("error: ")
    return line


def test_cli_says_nothing_to_link_then_fails_in_one_line(tmp_path: Path) -> None:
    var = tmp_path / "var"
    # No database yet: one line pointing at the migration, and the exit code of a run that
    # cannot start (2).
    assert "testigo db upgrade" in _one_error_line(_cli(var, "link"), code=2)

    assert _cli(var, "db", "upgrade").returncode == 0
    empty = _cli(var, "link")
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.startswith("nothing to link")
    assert json.loads(_cli(var, "link", "--json").stdout)["mode"] == "empty"

    assert _cli(var, "ingest", "ocds", str(OCDS / "jalisco")).returncode == 0
    done = _cli(var, "link")
    assert done.returncode == 0, done.stderr
    summary_line, training_line, rules_line = done.stdout.splitlines()
    assert rules_line == (
        "rules: linked at 0.9 or more, reviewed from 0.5; one company RFC per firm"
    )
    assert summary_line.startswith("full link: ") and "(trained now)" in summary_line
    assert training_line.startswith("training: defaults: prior, rfc.u, name.m")
    assert "no two profiles share an RFC" in training_line

    (model,) = (var / "models").glob("model-*.json")
    model.write_text('{"comparisons": [', encoding="utf-8")
    for args in (("link",), ("link", "--json"), ("link", "--retrain")):
        line = _one_error_line(_cli(var, *args))
        assert str(model) in line and "move it away" in line


def test_the_newer_of_two_models_trained_within_one_second_is_current(tmp_path: Path) -> None:
    """The file name sorts by training time. At second precision, two trainings in the same
    second sorted by their version hash instead, and a retrain could lose to the model before
    it (seen on PostgreSQL, where a tiny retrain finished within the second)."""
    first = splink_model._finalise(splink_model.settings_dict(1e-5), records=100)
    # A second model, trained right after, whose version hash sorts before the first's.
    for n in range(2, 200):
        second = splink_model._finalise(splink_model.settings_dict(n * 1e-5), records=100)
        if splink_model.version_of(second) < splink_model.version_of(first):
            break
    splink_model.save(first, tmp_path)
    splink_model.save(second, tmp_path)
    latest = splink_model.load_latest(tmp_path)
    assert latest is not None
    assert splink_model.version_of(latest) == splink_model.version_of(second)
