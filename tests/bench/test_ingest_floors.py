"""bench/ingest_floors.py runs end to end on small seeded files and prints every floor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL = ("--ocds", "300", "--sat", "300")


def _floors(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest_floors", *SMALL, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_floors_print_the_budget_and_each_floor(
    backend: str, request: pytest.FixtureRequest
) -> None:
    args = ["--backends", backend]
    if backend == "postgres":  # the fixture skips (or, in CI, fails) without a server
        args += ["--pg-url", request.getfixturevalue("pg_url")]
    out = _floors(*args)
    for kind, unit in (("OCDS", "release"), ("SAT 69-B", "row")):
        section = out.split(kind, 1)[1]
        assert f"us/{unit}" in section
        assert "budget at the target (40% of that rate)" in section
        assert f"{backend} driver floor" in section
        assert f"{backend} engine floor" in section
    assert "python-stdnum RFC check alone" in out
