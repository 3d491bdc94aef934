"""The FollowTheMoney export (issue 13 part 3) on real files linked for real, on both databases:
every line validates against FtM's schema, FtM's own reader reads the file back, every
reference resolves, and the demo's real barred winner is a Company with its SFP Sanction and
the ComprasMX ContractAward it won, both pointing at it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import EntityProxy, model
from followthemoney.cli.util import path_entities

from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from ingest.jobs import contracts_job, sanctions_job, suppliers_job
from ingest.pipeline import run_job
from matching import ftm
from tests.factories import CDMX_SUPPLIERS, DATA, SFP, link_records, new_key, rows

pytestmark = pytest.mark.slow

CONTRACTS = DATA / "contracts/comprasmx_contratos_2026-03-08.csv"
BARRED_RFC = "DSS121222IC0"  # D'SAZON: a contract signed inside its SFP debarment


@pytest.fixture(scope="module")
def exported(module_settings: Settings, trained_model: Path) -> tuple[Settings, list[str]]:
    settings = module_settings
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, settings.model_dir / trained_model.name)
    engine = make_engine(settings)
    try:
        for job, path in (
            (contracts_job("comprasmx"), CONTRACTS),
            (sanctions_job("sfp"), SFP),
            (suppliers_job("cdmx-sefin"), CDMX_SUPPLIERS),
        ):
            assert not run_job(job, [str(path)], engine=engine, settings=settings).failed
    finally:
        engine.dispose()
    link_records(settings)
    engine = make_engine(settings)
    try:
        lines = list(ftm.lines(engine, batch=300))  # several batches: ids cross batches
    finally:
        engine.dispose()
    return settings, lines


def test_every_line_validates_and_ftm_reads_the_file_back(
    exported: tuple[Settings, list[str]], tmp_path: Path
) -> None:
    _, lines = exported
    for line in lines:
        data = json.loads(line)
        schema = model.get(data["schema"])
        assert schema is not None
        assert schema.validate(data) is None, line
    path = tmp_path / "entities.ftm.json"
    path.write_text("".join(lines), encoding="utf-8")
    read = list(path_entities(path, EntityProxy))
    assert len(read) == len(lines) == len({p.id for p in read})  # each entity once
    # Real contract titles run past what an FtM name holds: cut with an ellipsis, kept whole in
    # the description.
    cut = [p for p in read if p.schema.name == "Contract" and p.first("name").endswith("…")]
    assert cut and all(len(p.first("description")) > len(p.first("name")) for p in cut)


def test_counts_match_the_database_and_references_resolve(
    exported: tuple[Settings, list[str]],
) -> None:
    settings, lines = exported
    entities = [json.loads(line) for line in lines]
    by_schema = Counter(e["schema"] for e in entities)
    firms = sum(by_schema[s] for s in ("Company", "Person", "LegalEntity"))
    assert firms == rows(settings, "SELECT count(*) AS n FROM entities")[0].n
    assert by_schema["Sanction"] == rows(settings, "SELECT count(*) AS n FROM sanctions")[0].n
    linked_awards = rows(
        settings,
        "SELECT count(*) AS n FROM award_suppliers s JOIN link_records r "
        "ON r.record_type = 'party' AND r.source_key = s.party_key",
    )[0].n
    assert by_schema["ContractAward"] == linked_awards > 3000
    ids = {e["id"] for e in entities}
    refs = [
        (e["schema"], prop, value)
        for e in entities
        for prop, schema in model.get(e["schema"]).properties.items()  # type: ignore[union-attr]
        if schema.type.name == "entity"
        for value in e["properties"].get(prop, [])
    ]
    assert refs and all(value in ids for _, _, value in refs)
    assert all(e["properties"].get("entity") for e in entities if e["schema"] == "Sanction")
    for award in (e for e in entities if e["schema"] == "ContractAward"):
        assert award["properties"]["supplier"] and award["properties"]["contract"]


def test_the_barred_winner_carries_its_sanction_and_its_award(
    exported: tuple[Settings, list[str]],
) -> None:
    _, lines = exported
    entities = [json.loads(line) for line in lines]
    firm = next(e for e in entities if BARRED_RFC in e["properties"].get("taxNumber", []))
    assert firm["schema"] == "Company" and firm["id"].startswith("tg-")

    def pointing(schema: str, prop: str) -> list[dict[str, Any]]:
        return [
            e
            for e in entities
            if e["schema"] == schema and firm["id"] in e["properties"].get(prop, [])
        ]

    sanctions = pointing("Sanction", "entity")
    assert sanctions and all(s["properties"]["programId"] == ["sfp"] for s in sanctions)
    assert any(s["properties"].get("startDate") == ["2026-01-23"] for s in sanctions)
    awards = pointing("ContractAward", "supplier")
    contracts = {e["id"]: e for e in entities if e["schema"] == "Contract"}
    signed = [contracts[a["properties"]["contract"][0]] for a in awards]
    assert "2026-03-06" in {c["properties"].get("contractDate", [""])[0] for c in signed}
    buyer = {c["properties"]["authority"][0] for c in signed}
    assert all(any(e["id"] == b and e["schema"] == "PublicBody" for e in entities) for b in buyer)


def test_the_api_and_the_command_line_give_the_same_export(
    exported: tuple[Settings, list[str]],
) -> None:
    settings, lines = exported
    key = new_key(settings, "auditor", "ftm")
    with TestClient(create_app(settings, load_index=False)) as client:
        answer = client.get(
            "/v1/export/entities",
            params={"format": "ftm"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert answer.status_code == 200 and ".ftm.json" in answer.headers["content-disposition"]
    assert sorted(answer.text.splitlines()) == sorted(line.rstrip("\n") for line in lines)
    env = {**os.environ, "TESTIGO_DATA_DIR": str(settings.data_dir)}
    env.pop("TESTIGO_DATABASE_URL", None)
    if settings.database_url:
        env["TESTIGO_DATABASE_URL"] = settings.database_url
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "export", "entities", "--format", "ftm"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(done.stdout.splitlines()) == sorted(line.rstrip("\n") for line in lines)
