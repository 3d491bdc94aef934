"""Reading ahead in a child process (ingest/prefetch.py) stores exactly what reading in-process
stores, fails the same way on a file that cannot be read, and says so when the child dies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import migrations
from app.store.engine import make_engine
from ingest import prefetch
from ingest.jobs import contracts_job
from ingest.pipeline import IngestSummary, run_job
from ingest.rows import UnreadableSource
from tests.conftest import make_settings
from tests.factories import DATA, rows, set_cell, write_lines

CONTRACTS = DATA / "contracts/comprasmx_contratos_2026-03-08.csv"
QUERIES = {
    "awards": "SELECT source_key, ocid, value_amount, date_signed, url, buyer_name, "
    "position, content_hash FROM awards ORDER BY source_key",
    "award_suppliers": "SELECT a.source_key, s.party_key, s.name, s.rfc_raw FROM "
    "award_suppliers s JOIN awards a ON a.id = s.award_pk ORDER BY 1, 2",
    "parties": "SELECT source_key, name, rfc_raw, roles FROM parties ORDER BY source_key",
    "quarantine": "SELECT position, reason, raw FROM quarantine ORDER BY position",
}


def _dirty(tmp: Path) -> Path:
    """The real download with a row whose amount and date cannot be read, quarantined."""
    lines = CONTRACTS.read_bytes().splitlines()
    bad = set_cell(set_cell(lines[5], 12, "12 pesos"), 14, "32/13/2026")
    return write_lines(tmp / "comprasmx_contratos_2026-03-09.csv", [*lines, bad])


def _ingest(tmp: Path, name: str, path: Path, min_mb: float) -> tuple[IngestSummary, Any]:
    settings = make_settings(tmp / name).model_copy(
        update={"prefetch_min_mb": min_mb, "batch_size": 500}
    )
    migrations.upgrade(settings)
    engine = make_engine(settings)
    try:
        summary = run_job(contracts_job(), [str(path)], engine=engine, settings=settings)
    finally:
        engine.dispose()
    return summary, settings


def test_read_ahead_stores_row_for_row_what_reading_here_stores(tmp_path: Path) -> None:
    path = _dirty(tmp_path)
    assert prefetch.worth_it(contracts_job().read, path, 0)
    here, at_home = _ingest(tmp_path, "here", path, -1)  # never
    ahead, read_ahead = _ingest(tmp_path, "ahead", path, 0)  # always
    assert here.total("read") == ahead.total("read") == 3757
    assert here.total("rejected") == ahead.total("rejected") == 1
    for table, sql in QUERIES.items():
        assert rows(at_home, sql) == rows(read_ahead, sql), table


def test_a_file_that_cannot_be_read_fails_the_same_way(tmp_path: Path) -> None:
    broken = tmp_path / "comprasmx_contratos_2026-03-10.csv"
    broken.write_text("una,cabecera,distinta\n1,2,3\n", encoding="utf-8")
    here, _ = _ingest(tmp_path, "here", broken, -1)
    ahead, read_ahead = _ingest(tmp_path, "ahead", broken, 0)
    assert here.failed and ahead.failed
    assert [f.error for f in here.files] == [f.error for f in ahead.files]
    assert rows(read_ahead, "SELECT count(*) FROM awards")[0][0] == 0


def _dies(path: Path) -> Iterator[int]:
    """A reader whose process dies after a first batch (a kill, an out-of-memory)."""
    yield from range(3)
    os._exit(3)


def test_a_reader_that_dies_is_an_unreadable_file_not_a_hang(tmp_path: Path) -> None:
    got: list[list[Any]] = []
    with pytest.raises(UnreadableSource, match="exit code 3"):
        for batch in prefetch.prefetched(_dies, tmp_path / "x.csv", batch=3):
            got.append(batch)
    assert got in ([], [[0, 1, 2]])  # what was still in the dead child's pipe is lost


def test_small_files_and_unimportable_readers_are_read_here(tmp_path: Path) -> None:
    path = _dirty(tmp_path)
    assert not prefetch.worth_it(contracts_job().read, path, 1_000)  # smaller than 1 GB
    assert not prefetch.worth_it(contracts_job().read, path, -1)
    assert not prefetch.worth_it(lambda p: iter(()), path, 0)  # a lambda cannot be pickled
