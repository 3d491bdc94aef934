"""/healthz and /v1/stats over the ASGI test client, after loading real files."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app import keys
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from ingest.jobs import sanctions_job, suppliers_job
from ingest.pipeline import run_job
from tests.clients import free_port
from tests.conftest import make_settings
from tests.factories import CDMX_SUPPLIERS, SFP


def test_health_and_stats(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    run_job(sanctions_job("sfp"), [str(SFP)], engine=engine, settings=db_settings)
    run_job(suppliers_job("cdmx-sefin"), [str(CDMX_SUPPLIERS)], engine=engine, settings=db_settings)
    _, key = keys.create(engine, role="officer", name="stats reader")
    engine.dispose()
    with TestClient(create_app(db_settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        stats = client.get("/v1/stats", headers={"X-API-Key": key}).json()
    assert stats["supplier_entries"] == {"cdmx-sefin": 500}
    by_kind = stats["sanctions_by_registry_and_kind"]
    assert by_kind["sfp:debarment"] > 1000 and by_kind["sfp:fine"] > 300
    assert stats["ingest_runs"] == {"sanctions:ok": 1, "suppliers:ok": 1}


def test_not_ready_while_postgresql_refuses(tmp_path: Path) -> None:
    """A PostgreSQL that refuses connections (nothing listens on the port): /readyz and
    /healthz answer 503 at once with Retry-After, and say so without the server's address."""
    port = free_port()
    settings = make_settings(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")
    app = create_app(settings, load_index=False)
    app.state.index.load()  # fails: nothing to load from
    with TestClient(app) as client:
        ready = client.get("/readyz")
        health = client.get("/healthz")
    for answer in (ready, health):
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) > 0
        assert str(port) not in answer.text
    assert ready.json()["status"] == "not ready" and "database" in ready.json()["reason"]
