"""/healthz and /v1/stats over the ASGI test client, after loading real files."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from ingest.jobs import sanctions_job, suppliers_job
from ingest.pipeline import run_job
from tests.factories import CDMX_SUPPLIERS, SFP


def test_health_and_stats(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    run_job(sanctions_job("sfp"), [str(SFP)], engine=engine, settings=db_settings)
    run_job(suppliers_job("cdmx-sefin"), [str(CDMX_SUPPLIERS)], engine=engine, settings=db_settings)
    engine.dispose()
    with TestClient(create_app(db_settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        stats = client.get("/v1/stats").json()
    assert stats["supplier_entries"] == {"cdmx-sefin": 500}
    by_kind = stats["sanctions_by_registry_and_kind"]
    assert by_kind["sfp:debarment"] > 1000 and by_kind["sfp:fine"] > 300
    assert stats["ingest_runs"] == {"sanctions:ok": 1, "suppliers:ok": 1}
