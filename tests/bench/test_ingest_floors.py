"""bench/ingest_floors.py runs end to end on small seeded files and prints every floor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest

ROOT = Path(__file__).resolve().parents[2]
SMALL = ("--ocds", "300", "--sat", "300")


def _floors(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest_floors.py"), *SMALL, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_floors_print_the_budget_and_each_floor(backend: str) -> None:
    args = ["--backends", backend]
    if backend == "postgres":
        if conftest._PG_PROBLEM:
            if os.environ.get("TESTIGO_REQUIRE_POSTGRES") == "1":
                pytest.fail(conftest._PG_PROBLEM + " (required: TESTIGO_REQUIRE_POSTGRES=1)")
            pytest.skip(conftest._PG_PROBLEM)
        args += ["--pg-url", conftest.PG_ADMIN_URL]
    out = _floors(*args)
    for kind, unit in (("OCDS", "release"), ("SAT 69-B", "row")):
        section = out.split(kind, 1)[1]
        assert f"us/{unit}" in section
        assert "budget at the target (40% of that rate)" in section
        assert f"{backend} driver floor" in section
        assert f"{backend} engine floor" in section
    assert "python-stdnum RFC check alone" in out
