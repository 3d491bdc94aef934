"""Features computed in child processes are exactly those computed in the linking process:
the same rows and hashes in the same order, whatever the chunks; few records are computed in
the process itself; a pool whose children die leaves its work to the process, not undone."""

from __future__ import annotations

import csv
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
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

    monkeypatch.setattr(feature_pool, "ProcessPoolExecutor", no_pool)
    records = _records(30)
    for processes, min_records in ((2, 31), (1, 1)):
        done = feature_pool.with_features(records, processes=processes, min_records=min_records)
        assert (done.records, done.rows, done.hashes) == (records, *_here(records))
        assert done.from_children == 0


def test_a_pool_whose_children_die_leaves_its_work_to_this_process() -> None:
    records = _records(60)
    # Every child exits as it starts, as one killed by the system would.
    pool = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=os._exit, initargs=(3,)
    )
    try:
        done = feature_pool._pooled(pool, feature_pool._chunks(records[:25], iter(records[25:])), 1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    assert done.from_children == 0
    assert (done.records, done.rows, done.hashes) == (records, *_here(records))


def test_processes_default_to_the_usable_cores(tmp_path: Path) -> None:
    assert link_options(Settings(data_dir=tmp_path)).processes == feature_pool.usable_cores()
    assert link_options(Settings(data_dir=tmp_path, link_processes=1)).processes == 1
    with pytest.raises(ValueError, match="link_processes"):
        Settings(data_dir=tmp_path, link_processes=0)
