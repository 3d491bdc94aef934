"""bench/_common.py: a measurement runs as `python -m bench.NAME` in a child process (no path
fix-ups: the ingest bench no longer shadows the `ingest` package) and hands its result back;
a child that fails says so with its exit status; the machine header names the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._common import machine, print_machine, run_child
from bench.generate import write_sat_69b_csv


def test_a_child_measures_and_hands_back_its_result(tmp_path: Path) -> None:
    listed = write_sat_69b_csv(tmp_path / "sat.csv", 120)
    found = run_child(
        "bench.ingest_speed", ["--child", "parse-sat-69b", "--file", str(listed)], timeout=120
    )
    assert found["read"] == 120
    assert found["process_s"] >= found["wall_s"] > 0
    assert found["peak_rss_mb"] > 0


def test_a_failing_child_says_how_it_ended(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"
    with pytest.raises(RuntimeError, match=r"exited 1 .*traceback is on stderr"):
        run_child("bench.ingest_speed", ["--child", "parse-sat-69b", "--file", str(missing)], 120)


def test_the_header_names_the_machine_and_its_load(capsys: pytest.CaptureFixture[str]) -> None:
    info = machine()
    assert info["nproc"] and info["python"] and info["sqlite"]
    print_machine(info)
    out = capsys.readouterr().out
    assert out.startswith("machine: nproc=")
    assert f"load average at start: {info['loadavg_start']}" in out
