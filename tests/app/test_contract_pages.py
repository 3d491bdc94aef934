"""The real ComprasMX barred winner on the auditor's pages, on SQLite and PostgreSQL: D'SAZON
signed a federal contract on 2026-03-06 inside its SFP debarment (2026-01-23 to 2027-01-23).
Its firm page dates each contract by the rule the alert used and links the public notice."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.alerts.detect import scan
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from ingest.jobs import contracts_job, sanctions_job
from tests.clients import sign_in
from tests.factories import SFP, ingest_files, link_records, new_key, rows

COMPRASMX = (
    Path(__file__).resolve().parents[2] / "data/contracts/comprasmx_contratos_2026-03-08.csv"
)
DSAZON = "DSS121222IC0"


@pytest.fixture(scope="module")
def site(module_settings: Settings, trained_model: Path) -> Settings:
    module_settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, module_settings.model_dir / trained_model.name)
    ingest_files(module_settings, (sanctions_job("sfp"), SFP), (contracts_job(), COMPRASMX))
    link_records(module_settings)
    engine = make_engine(module_settings)
    try:
        scan(engine)
    finally:
        engine.dispose()
    return module_settings


@pytest.fixture
def auditor(site: Settings) -> Iterator[TestClient]:
    app = create_app(site, load_index=False)
    app.state.index.load()
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as client:
        sign_in(client, new_key(site, "auditor"), "/alerts")
        yield client


def test_the_alert_and_the_firm_page_tell_the_same_story(
    auditor: TestClient, site: Settings
) -> None:
    alerts = auditor.get("/alerts").text
    assert (
        "D&#39;SAZON SEGURIDAD ALIMENTARIA" in alerts or "D'SAZON SEGURIDAD ALIMENTARIA" in alerts
    )
    entity = rows(
        site,
        "SELECT DISTINCT m.entity_id FROM link_records r JOIN entity_members m "
        "ON m.record_key = r.record_key WHERE r.rfc = :rfc",
        rfc=DSAZON,
    )
    assert len(entity) == 1, "the ComprasMX supplier and the SFP listing are one firm"
    page = auditor.get(f"/firms/{entity[0][0]}")
    assert page.status_code == 200
    html = page.text
    # Seven contracts: the one signed on 2026-03-06 is inside the debarment; the six signed on
    # 2026-01-22, the day before it began, are not.
    dated = re.findall(r'<td class="nowrap">(\d{4}-\d{2}-\d{2})</td>', html)
    assert sorted(dated) == ["2026-01-22"] * 6 + ["2026-03-06"]
    inside = re.findall(r"<td>(yes|no)</td></tr>", html)
    assert inside.count("yes") == 1 and inside.count("no") == 6
    assert 'href="https://comprasmx.buengobierno.gob.mx/sitiopublico/' in html
