"""docker-compose.yml, read as Compose reads it (no Docker here): the API instances and the link
job share one PostgreSQL database and one data directory, which is what lets a link run on one
be picked up by all (tests/app/test_instances.py runs that on real servers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return found


def test_two_api_instances_and_the_link_job_share_the_database_and_the_data_volume() -> None:
    compose = _services()
    services = compose["services"]
    apis = [s for s in services.values() if s.get("command", [])[:2] == ["testigo", "serve"]]
    assert len(apis) >= 2
    sharing = [*apis, services["job"]]
    urls = {s["environment"]["TESTIGO_DATABASE_URL"] for s in sharing}
    assert len(urls) == 1 and urls.pop().startswith("postgresql+psycopg://")
    data_dirs = {s["environment"]["TESTIGO_DATA_DIR"] for s in sharing}
    assert data_dirs == {"/data"}
    mounts = {tuple(s["volumes"]) for s in sharing}
    assert len(mounts) == 1
    (volume,) = mounts.pop()
    name, target = volume.split(":")
    assert target == "/data" and name in compose["volumes"]
    assert "testigo link" in " ".join(services["job"]["command"])
    for api in apis:
        assert api["depends_on"]["job"]["condition"] == "service_completed_successfully"
    assert services["db"]["image"].startswith("postgres:")
    ports = [api["ports"][0].split(":")[0] for api in apis]
    assert len(set(ports)) == len(ports)  # each instance on its own host port
