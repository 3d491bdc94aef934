"""Two API instances, as on two machines behind a load balancer: two `testigo serve` processes
on their own ports, sharing one PostgreSQL database and one data directory (models and link
state). A link run made from either's environment is picked up by both, without a restart."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from ingest.jobs import sanctions_job
from tests.clients import run, serving
from tests.factories import SAT, SFP, ingest_files, link_records, new_key, rows, use_model

PICKUP_TIMEOUT_S = 60.0


def _check(url: str, key: str, rfc: str) -> dict[str, object]:
    answer = httpx.get(
        url + "/v1/check",
        params={"rfc": rfc},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30.0,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_a_link_run_on_one_instance_is_picked_up_by_both(
    pg_settings: Settings, trained_model: Path, tmp_path: Path
) -> None:
    settings = pg_settings
    use_model(settings, trained_model)
    ingest_files(settings, (sanctions_job("sfp"), SFP))
    link_records(settings)
    key = new_key(settings, "officer")
    with (
        serving(settings, tmp_path / "a.log") as first,
        serving(settings, tmp_path / "b.log") as second,
    ):
        # A 69-B firm loaded after the link run: stored, but in no index yet.
        ingest_files(settings, (sanctions_job("sat-69b"), SAT))
        (firm,) = rows(
            settings,
            "SELECT rfc FROM sanctions WHERE registry = 'sat-69b' AND rfc IS NOT NULL"
            " AND kind = 'efos_definitivo' AND rfc NOT IN (SELECT rfc FROM sanctions"
            " WHERE registry = 'sfp' AND rfc IS NOT NULL) ORDER BY rfc LIMIT 1",
        )
        for url in (first, second):
            assert _check(url, key, firm.rfc)["matches"] == []

        # `testigo link` as a job on the first instance's machine would run it.
        linked = run(
            tmp_path,
            "link",
            data_dir=settings.data_dir,
            settings={"TESTIGO_DATABASE_URL": settings.db_url},
        )
        assert linked.returncode == 0, linked.stderr

        for url in (first, second):
            deadline = time.monotonic() + PICKUP_TIMEOUT_S
            while True:
                body = _check(url, key, firm.rfc)
                if body["matches"]:
                    break
                if time.monotonic() > deadline:
                    pytest.fail(f"{url} still answers from the old link run: {body}")
                time.sleep(0.5)
            assert body["verdict"] == "warning", body  # 69-B definitivo
            assert httpx.get(url + "/readyz", timeout=10.0).status_code == 200
