"""Features computed in child processes are exactly those computed in the linking process:
the same rows and hashes in the same order, whatever the chunks; few records are computed in
the process itself; a pool whose children die leaves its work to the process, not undone."""

from __future__ import annotations

import csv
import dataclasses
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.linking import link_options
from app.settings import Settings
from matching import feature_pool
from matching.features import RawRecord, features
from matching.profiles import features_hash
from matching.records import SourceRecord

SAT_3COL = Path(__file__).parents[1] / "fixtures/sat_69b_2026-03-17_3col_first2000.csv"


def _records(n: int) -> list[SourceRecord]:
    """Real 69-B names and RFCs, some RFCs left out or mistyped, some names missing, some with
    a postal code or a person's kind: every branch of the features."""
    with SAT_3COL.open(encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))[:n]
    out = []
    for i, row in enumerate(listed):
        name: str | None = row["Nombre del Contribuyente"]
        rfc: str | None = row["RFC"]
        if i % 5 == 1:
            rfc = None
        elif i % 5 == 2 and rfc:
            rfc = rfc[:-1] + ("0" if rfc[-1] != "0" else "1")  # check digit fails
        if i % 17 == 3:
            name = None
        postal = f"0{i % 9}{i:03d}"[:5] if i % 3 == 0 else None
        kind = "person" if i % 11 == 4 else None
        key = f"sanction:sat-69b:{i}"
        out.append(
            SourceRecord(
                record_key=key,
                record_type="sanction",
                record_id=i,
                source="sat-69b",
                source_key=str(i),
                name=name,
                rfc_raw=rfc,
                raw=RawRecord(key, "sat-69b", name, rfc, postal, kind),
            )
        )
    return out


def _here(records: list[SourceRecord]) -> tuple[list[dict[str, Any]], list[str]]:
    rows = [features(r.raw) for r in records]
    return rows, [features_hash(row) for row in rows]


def test_features_from_child_processes_are_those_computed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = _records(230)
    monkeypatch.setattr(feature_pool, "CHUNK", 17)  # many chunks, the last one short
    done = feature_pool.with_features(iter(records), processes=2, min_records=40)
    rows, hashes = _here(records)
    assert done.from_children == len(records)
    assert done.records == records
    assert done.rows == rows
    assert done.hashes == hashes
    assert any(row["name"] is None for row in done.rows)
    assert any(row["rfc_mistyped"] == "1" for row in done.rows)


def test_few_records_are_computed_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a child process was started for a few records")

    monkeypatch.setattr(feature_pool.Workers, "start", no_pool)
    records = _records(30)
    for processes, min_records in ((2, 31), (1, 1)):
        done = feature_pool.with_features(records, processes=processes, min_records=min_records)
        assert (done.records, done.rows, done.hashes) == (records, *_here(records))
        assert done.from_children == 0


def test_children_that_die_leave_their_work_to_this_process() -> None:
    records = _records(60)
    workers = feature_pool.Workers.start(2)
    try:
        for child in workers.processes:  # killed by the system, say
            child.kill()
            child.join()
        chunks = feature_pool._chunks(records[:25], iter(records[25:]))
        done = feature_pool._pooled(workers, chunks)
    finally:
        workers.stop()
    assert done.from_children == 0
    assert (done.records, done.rows, done.hashes) == (records, *_here(records))


def test_processes_default_to_the_usable_cores(tmp_path: Path) -> None:
    assert link_options(Settings(data_dir=tmp_path)).processes == feature_pool.usable_cores()
    assert link_options(Settings(data_dir=tmp_path, link_processes=1)).processes == 1
    with pytest.raises(ValueError, match="link_processes"):
        Settings(data_dir=tmp_path, link_processes=0)


def test_a_child_killed_half_way_leaves_the_rest_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = _records(150)
    monkeypatch.setattr(feature_pool, "CHUNK", 10)
    workers = feature_pool.Workers.start(2)

    def chunks() -> Iterator[list[SourceRecord]]:
        for i, chunk in enumerate(feature_pool._chunks(records, iter(()))):
            if i == 7:  # some chunks taken back by now
                workers.processes[1].kill()
            yield chunk

    try:
        done = feature_pool._pooled(workers, chunks())
    finally:
        workers.stop()
    assert 0 < done.from_children < len(records)
    assert (done.records, done.rows, done.hashes) == (records, *_here(records))


def test_an_error_in_a_child_is_the_error_computing_here_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record the features cannot read fails the run with the error it fails with here,
    and no child is left behind."""
    records = _records(60)
    bad = records[45]
    records[45] = dataclasses.replace(bad, raw=dataclasses.replace(bad.raw, name=12345))  # type: ignore[arg-type]
    with pytest.raises(Exception) as here:
        features(records[45].raw)
    monkeypatch.setattr(feature_pool, "CHUNK", 10)
    with pytest.raises(type(here.value), match=re.escape(str(here.value))):
        feature_pool.with_features(records, processes=2, min_records=20)
    assert multiprocessing.active_children() == []


def test_every_field_of_a_record_reaches_the_children() -> None:
    """The tuple handed over is every field of RawRecord, in order: a field added later
    cannot be left out of the children's features."""
    values = {f.name: f"value {i}" for i, f in enumerate(dataclasses.fields(RawRecord))}
    raw = RawRecord(**values)
    assert RawRecord(*feature_pool._fields(raw)) == raw


def test_the_cores_are_those_of_the_cpu_quota(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(feature_pool, "CPU_QUOTA", quota)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(64)))
    assert feature_pool.usable_cores() == 64  # no quota file
    quota.write_text("max 100000\n", encoding="ascii")
    assert feature_pool.usable_cores() == 64
    quota.write_text("150000 100000\n", encoding="ascii")  # docker --cpus 1.5
    assert feature_pool.usable_cores() == 2
    quota.write_text("50000 100000\n", encoding="ascii")
    assert feature_pool.usable_cores() == 1


_INTERRUPTED = """
import signal

from matching import feature_pool
from tests.matching.test_feature_pool import _records

if __name__ == "__main__":
    # Ctrl-C as a terminal gives it, whatever this process inherited (a test run before may
    # have left the runner ignoring it, and an ignored signal is inherited).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    records = _records(2000) * 200
    feature_pool.CHUNK = 40000
    print("start", flush=True)
    try:
        feature_pool.with_features(iter(records), processes=2, min_records=500)
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
"""


def test_ctrl_c_twice_stops_the_run_and_its_children_quietly(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group. Twice in quick succession, it once left the
    process hanging at exit (waiting for children already gone), and each child printed a
    traceback on the terminal."""
    script = tmp_path / "interrupted.py"
    script.write_text(_INTERRUPTED, encoding="utf-8")
    root = Path(__file__).parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with subprocess.Popen(
        [sys.executable, str(script)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(1.5)  # the children are computing
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail("the run hung after two Ctrl-C")
    # The second Ctrl-C may come while the script reports the first: it then ends by it.
    assert out.strip() in ("interrupted", "")
    assert proc.returncode in (0, -signal.SIGINT)
    assert "Traceback" not in err, err
