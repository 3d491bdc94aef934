"""`testigo demo` as a new user runs it, on either database: a usable key file every time
(issue 14 item 9: on PostgreSQL with a new data dir it raised FileNotFoundError after creating
the key, and a second run printed no key)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from app import keys
from app.store.engine import make_engine
from tests.clients import run
from tests.factories import CDMX_SUPPLIERS, DATA, SAT, SFP


def _small_demo(tmp_path: Path) -> Path:
    """The demo's layout with its real files, cut small (one OCDS publisher, 40 contracts)."""
    demo = tmp_path / "demo"
    (demo / "ocds").mkdir(parents=True)
    shutil.copytree(DATA / "ocds" / "inai", demo / "ocds" / "inai")
    (demo / "contracts").mkdir()
    rows = (DATA / "contracts" / "comprasmx_contratos_2026-03-08.csv").read_bytes().splitlines(True)
    (demo / "contracts" / "comprasmx_contratos_2026-03-08.csv").write_bytes(b"".join(rows[:41]))
    for real in (SFP, SAT, CDMX_SUPPLIERS):
        target = demo / real.relative_to(DATA)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real, target)
    return demo


def _demo(
    data_dir: Path, demo_dir: Path, database_url: str | None
) -> subprocess.CompletedProcess[str]:
    settings = {"TESTIGO_DEMO_DIR": str(demo_dir)}
    if database_url:
        settings["TESTIGO_DATABASE_URL"] = database_url
    for args in (["db", "upgrade"], ["demo"]):
        done = run(data_dir, *args, data_dir=data_dir, settings=settings)
        if done.returncode != 0:
            return done
    return done


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_demo_run_leaves_a_usable_key_file(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    data_dir = tmp_path / "new" / "var"  # does not exist yet
    demo_dir = _small_demo(tmp_path)
    key_file = data_dir / "demo-api-key"
    settings_env = {"data_dir": data_dir, "database_url": url}

    first = _demo(data_dir, demo_dir, url)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Traceback" not in first.stderr
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key in first.stderr

    from app.settings import Settings

    engine = make_engine(Settings(**settings_env))  # type: ignore[arg-type]
    try:
        assert keys.verify(engine, key) is not None

        again = _demo(data_dir, demo_dir, url)
        assert again.returncode == 0, again.stderr[-2000:]
        assert key in again.stderr and key_file.read_text().strip() == key  # kept, and said

        key_file.unlink()  # lost: the stored key cannot be read back, so a new one is made
        third = _demo(data_dir, demo_dir, url)
        assert third.returncode == 0, third.stderr[-2000:]
        new = key_file.read_text().strip()
        assert new != key and keys.verify(engine, new) is not None and new in third.stderr
    finally:
        engine.dispose()
