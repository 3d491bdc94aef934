"""An ingest killed with SIGKILL mid-file: its run is on record, none of its data is.

A real `testigo ingest` process loads a generated file big enough to take many batches; it is
killed once it has stored a few, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from app.store.engine import make_engine
from app.store.ingest_runs import sweep
from tests.factories import rows, snapshot, write_award

RELEASES = 20_000
ROOT = Path(__file__).resolve().parents[2]


def write_releases(path: Path, count: int) -> Path:
    """`count` OCDS releases as JSON Lines, each a buyer awarding one supplier."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            supplier = f"PROVEEDORA NUMERO {n} SA DE CV"
            release = {
                "ocid": f"ocds-test-{n}",
                "id": f"ocds-test-{n}-1",
                "date": "2025-03-01T10:00:00-06:00",
                "tag": ["award"],
                "buyer": {"id": "B1", "name": "SECRETARIA DE SALUD"},
                "parties": [
                    {"id": "B1", "name": "SECRETARIA DE SALUD", "roles": ["buyer"]},
                    {"id": "S1", "name": supplier, "roles": ["supplier"]},
                ],
                "awards": [
                    {
                        "id": f"ocds-test-{n}-A1",
                        "date": "2025-03-01T00:00:00-06:00",
                        "value": {"amount": 1000.0 + n, "currency": "MXN"},
                        "suppliers": [{"id": "S1", "name": supplier}],
                    }
                ],
            }
            out.write(json.dumps(release) + "\n")
    return path


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TESTIGO_DATA_DIR": str(settings.data_dir),
        "TESTIGO_DATABASE_URL": settings.db_url,
    }
    env.pop("TESTIGO_LOG_LEVEL", None)
    return {**env, **extra}


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=_env(settings, **env),
        timeout=300,
        cwd=ROOT,
    )


def kill_after_batches(
    settings: Settings, path: Path, batches: int, while_alive: Callable[[], None]
) -> None:
    """Start `testigo ingest ocds PATH`, call `while_alive` once it has stored `batches` batches,
    then SIGKILL it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", "ocds", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(settings, TESTIGO_LOG_LEVEL="DEBUG", TESTIGO_BATCH_SIZE="200"),
        cwd=ROOT,
    )
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    stored, deadline = 0, time.monotonic() + 120
    try:
        while stored < batches:
            assert time.monotonic() < deadline, "the ingest never reported its stored batches"
            if selector.select(timeout=1):
                line = process.stderr.readline()
                assert line, f"the ingest ended before it was killed (exit {process.wait()})"
                stored += "ingest.batch_stored" in line
        while_alive()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        selector.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def test_a_killed_ingest_is_recorded_and_leaves_none_of_its_data(
    db_settings: Settings, tmp_path: Path
) -> None:
    small = write_award(
        tmp_path / "earlier.json",
        ocid="ocds-earlier-1",
        supplier="ACME SA",
        rfc="",
        day="2025-01-02",
    )
    assert cli(db_settings, "ingest", "ocds", str(small)).returncode == 0
    before = snapshot(db_settings)
    big = write_releases(tmp_path / "big.jsonl", RELEASES)

    def a_live_run_is_not_interrupted() -> None:
        engine = make_engine(db_settings)
        try:
            assert sweep(engine) == []
        finally:
            engine.dispose()
        (live,) = rows(db_settings, "SELECT status FROM ingest_runs WHERE source_file LIKE '%big%'")
        assert live.status == "started"

    kill_after_batches(db_settings, big, batches=3, while_alive=a_live_run_is_not_interrupted)

    # Nothing of the killed file was stored, but its run was: `started`, as it was left.
    assert snapshot(db_settings) == before
    (killed,) = rows(
        db_settings,
        "SELECT id, status, finished_at FROM ingest_runs WHERE source_file LIKE :f",
        f="%big.jsonl",
    )
    assert killed.status == "started" and killed.finished_at is None

    # The next nightly run finds its process gone and says so in its summary.
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nkind = "ocds"\nlocation = "{small}"\n', encoding="utf-8")
    nightly = cli(db_settings, "nightly", "--no-mail", TESTIGO_SOURCES=str(sources))
    assert nightly.returncode == 0, nightly.stderr
    assert f"1 earlier ingest run(s) found interrupted, to load again (run {killed.id} " in (
        nightly.stdout
    )
    stats = cli(db_settings, "stats")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["ingest_runs"] == {
        "ocds:ok": 1,
        "ocds:skipped": 1,
        "ocds:interrupted": 1,
    }

    # The same file again is not "unchanged": it loads whole.
    again = cli(db_settings, "ingest", "ocds", str(big), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["read"], summary["loaded"], summary["skipped_files"]) == (RELEASES, RELEASES, 0)
    (awards,) = rows(db_settings, "SELECT count(*) AS n FROM awards")
    assert awards.n == RELEASES + 1
