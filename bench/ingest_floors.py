"""Ingest floors: what an ingest must spend per release (or row) whatever its own code does,
beside the budget that the throughput target (bench/ingest_speed.py: >= 40% of the parse-only rate)
leaves, measured in one run on seeded files.

For OCDS JSON Lines (per release) and the SAT 69-B CSV (per row) it prints:

* the parse-only baseline (ijson / the csv module) and the budget it leaves: 1 / (0.4 x rate);
* Testigo's reader alone (decode + extraction), and the conversion to table rows + hashing;
* the SQLite *driver* floor: the already-prepared rows inserted with `app.store.bulk.insert_rows`
  (DB-API executemany, as the ingest does) into a migrated database, one transaction, no key
  lookups and no hashing: the least the ingest's writes can cost through Python's sqlite3;
* the SQLite *engine* floor: the same rows copied by SQLite itself (INSERT ... SELECT from a
  staging table of the same shape), no Python per row: what a C-level writer could reach;
* for 69-B, python-stdnum's RFC check alone (`stdnum.mx.rfc.is_valid`), which the ingest must
  run on every row.

    python -m bench.ingest_floors                      # 50000 releases, 100000 69-B rows
    python -m bench.ingest_floors --ocds 20000 --sat 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ingest_speed import (
    RATIO_TARGET,
    _quiet_logs,
    add_database_options,
    fresh_database,
    usable_backends,
)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


class Report:
    def __init__(self, unit: str, count: int) -> None:
        self.unit, self.count, self.budget_us = unit, count, 0.0

    def baseline(self, label: str, seconds: float) -> None:
        rate = self.count / seconds
        self.budget_us = 1e6 / (RATIO_TARGET * rate)
        print(f"  {label:<52} {seconds / self.count * 1e6:8.1f} us/{self.unit}  {rate:>10,.0f}/s")
        label = "budget at the target (40% of that rate)"
        print(f"  {label:<52} {self.budget_us:8.1f} us/{self.unit}")

    def line(self, label: str, seconds: float) -> None:
        per = seconds / self.count * 1e6
        share = f"{per / self.budget_us:6.0%} of budget" if self.budget_us else ""
        print(f"  {label:<52} {per:8.1f} us/{self.unit}  {share}")


def _database(url: str, tmp: Path) -> Any:
    from app.migrations import upgrade
    from app.settings import Settings
    from app.store.engine import make_engine

    tmp.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=tmp, database_url=url)
    upgrade(settings)
    return make_engine(settings)


FLOOR_RUN = {"format": "floor", "origin": "floor", "source_file": "floor", "status": "running"}
Rows = list[tuple[Any, list[dict[str, Any]], tuple[str, ...]]]  # (table, rows, json_text)


def write_floors(
    report: Report, rows: Rows, kind: str, backends: dict[str, str], tmp: Path
) -> None:
    """The driver and engine floors of writing `rows` (parents first), on each backend."""
    from app.store.bulk import insert_rows
    from app.store.ingest_runs import insert_run

    for backend, admin_url in backends.items():
        with fresh_database(backend, admin_url) as (url, data_dir):
            engine = _database(url, data_dir)
            with engine.begin() as conn:
                run = {**FLOOR_RUN, "kind": kind, "scope": kind, "started_at": datetime.now(UTC)}
                run_id = insert_run(run, conn=conn)
                for table, batch, _ in rows:
                    if "run_id" in table.c:
                        for row in batch:
                            row["run_id"] = run_id

                def write() -> None:
                    for table, batch, json_text in rows:
                        for start in range(0, len(batch), 2000):
                            chunk = batch[start : start + 2000]
                            insert_rows(conn, table, chunk, json_text=json_text)

                per = sum(len(batch) for _, batch, _ in rows) / report.count
                what = "executemany" if backend == "sqlite" else "COPY"
                label = f"{backend} driver floor ({what}, {per:.1f} rows/{report.unit})"
                report.line(label, _timed(write))
                names = [table.name for table, _, _ in rows]
                report.line(
                    f"{backend} engine floor (INSERT ... SELECT)", _engine_floor(conn, names)
                )
            engine.dispose()


def _engine_floor(conn: Any, tables: list[str]) -> float:
    """Copy what `tables` hold (parents first) into emptied copies of themselves, inside the
    database: the same indexes and constraints, no Python per row."""
    for name in tables:
        conn.exec_driver_sql(f"CREATE TEMP TABLE staged_{name} AS SELECT * FROM {name}")
    if conn.dialect.name == "postgresql":  # fresh storage, as the first load had
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
    else:
        for name in reversed(tables):  # children first: a cascade must not empty a staged table
            conn.exec_driver_sql(f"DELETE FROM {name}")
    started = time.perf_counter()
    for name in tables:
        conn.exec_driver_sql(f"INSERT INTO {name} SELECT * FROM staged_{name}")
    elapsed = time.perf_counter() - started
    for name in tables:  # a floor over fewer rows than the ingest writes would flatter it
        copied, staged = (
            conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in (name, f"staged_{name}")
        )
        if copied != staged or not staged:
            raise RuntimeError(f"engine floor copied {copied} of {staged} rows into {name}")
    return elapsed


def ocds(path: Path, count: int, backends: dict[str, str], tmp: Path) -> None:
    import ijson

    from app.store.hashes import content_hash
    from app.store.releases import AWARD_SUPPLIERS, AWARDS, PARTIES
    from ingest.convert import award_values, party_values
    from ingest.jobs import ocds_job
    from ingest.rows import OcdsItem

    report = Report("release", count)
    print(f"OCDS JSON Lines, {count:,} releases ({path.stat().st_size / 1e6:.0f} MB)")

    def parse() -> None:
        with path.open("rb") as handle:
            for _ in ijson.items(handle, "", multiple_values=True):
                pass

    report.baseline(f"parse only (ijson/{ijson.backend})", _timed(parse))
    items: list[OcdsItem] = []
    report.line(
        "Testigo reader (decode + extraction)",
        _timed(lambda: items.extend(i for i in ocds_job().read(path) if isinstance(i, OcdsItem))),
    )
    parties: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    suppliers: list[dict[str, Any]] = []

    def convert() -> None:
        for item in items:
            for p in item.parties:
                row = party_values(p, "floor")
                row["content_hash"] = content_hash(row)
                parties.append(row)
            for a in item.awards:
                award, refs = award_values(a, "floor")
                award["content_hash"] = content_hash({**award, "suppliers": refs})
                award["id"] = len(awards) + 1
                awards.append(award)
                suppliers.extend({**ref, "award_pk": award["id"]} for ref in refs)

    report.line("conversion to table rows + content hashes", _timed(convert))
    plan: Rows = [(PARTIES, parties, ()), (AWARDS, awards, ()), (AWARD_SUPPLIERS, suppliers, ())]
    write_floors(report, plan, "ocds", backends, tmp)


def sat_69b(path: Path, count: int, backends: dict[str, str], tmp: Path) -> None:
    from stdnum.mx import rfc as stdnum_rfc

    from app.store.hashes import content_hash, json_keys
    from app.store.registries import HISTORY, SANCTIONS, history_row
    from ingest.convert import sanction_values
    from ingest.jobs import sanctions_job
    from ingest.rows import SanctionRow

    report = Report("row", count)
    print(f"SAT 69-B CSV, {count:,} rows ({path.stat().st_size / 1e6:.0f} MB)")

    def parse() -> None:
        with path.open("rb") as raw:
            for _ in csv.reader(io.TextIOWrapper(raw, encoding="cp1252", newline="")):
                pass

    report.baseline("parse only (csv module, cp1252)", _timed(parse))
    with path.open("rb") as raw:
        rfcs = [r[1] for r in csv.reader(io.TextIOWrapper(raw, encoding="cp1252", newline=""))]
    rfcs = rfcs[3:]  # the two preamble lines and the header
    report.line(
        "python-stdnum RFC check alone", _timed(lambda: [stdnum_rfc.is_valid(r) for r in rfcs])
    )
    items: list[SanctionRow] = []

    def read() -> None:
        items.extend(i for i in sanctions_job("sat-69b").read(path) if isinstance(i, SanctionRow))

    report.line("Testigo reader (decode + dates + RFC)", _timed(read))
    nested = json_keys(SANCTIONS)
    rows: list[dict[str, Any]] = []

    def convert() -> None:
        for item in items:
            row = sanction_values(item, "floor")
            row["content_hash"] = content_hash(row, nested)
            rows.append(row)

    report.line("conversion to table rows + content hashes", _timed(convert))
    now = datetime.now(UTC)
    history = [history_row("sanction", r["source_key"], 0, now, "created", r) for r in rows]
    plan: Rows = [(SANCTIONS, rows, ()), (HISTORY, history, ("data",))]
    write_floors(report, plan, "sanctions", backends, tmp)


def _inputs(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, Path, int]]:
    from bench.generate import write_ocds_jsonl, write_sat_69b_csv

    if args.ocds:
        path = tmp / "ocds.jsonl"
        write_ocds_jsonl(path, args.ocds, args.seed)
        yield "ocds", path, args.ocds
    if args.sat:
        path = tmp / "sat69b.csv"
        write_sat_69b_csv(path, args.sat, args.seed)
        yield "sat-69b", path, args.sat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ocds", type=int, default=50_000, help="releases (0: skip)")
    parser.add_argument("--sat", type=int, default=100_000, help="69-B rows (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    add_database_options(parser)
    args = parser.parse_args(argv)
    _quiet_logs()
    backends = {name: args.pg_url for name in usable_backends(args, {})}
    from app.collector import fewer_collections

    # The ingest loads under these collector thresholds; the floors keep every row in memory
    # (to time each stage on its own), which with the default thresholds would time the
    # collector instead.
    with fewer_collections(), tempfile.TemporaryDirectory(prefix="testigo-floors-") as name:
        tmp = Path(name)
        for kind, path, count in _inputs(args, tmp):
            (ocds if kind == "ocds" else sat_69b)(path, count, backends, tmp / kind)
            path.unlink()
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
