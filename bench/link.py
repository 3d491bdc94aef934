"""Link benchmark: wall time, per-phase timings and peak memory of `testigo link` at scale.

For each size (records; default 100,000, 300,000 and 1,000,000) it

1. generates labelled data in the four real formats (bench/labelled.py, seeded; `n_firms =
   records / 2.8`), OCDS, SFP, SAT 69-B and a supplier register, with half the OCDS/register
   RFCs hidden;
2. ingests the four files into a fresh SQLite database as `testigo ingest` does (the calls of
   bench/accuracy.py), in a subprocess, timed on its own: ingest is not part of the link figure;
3. runs the link in a fresh subprocess, as `testigo link --full` on an empty model directory does
   (the first run: it trains the model): `link(engine, link_options(settings, full=True))`.
   The child prints its figures as JSON: the wall time of `link()`, LinkSummary's per-phase
   timings, pairs scored, links, entities, and its peak resident memory (VmHWM from
   /proc/self/status, the child's own address space).

Then, on the largest size, the incremental case: 10,000 new OCDS supplier records (new ocids,
`ocds-new{seed}-...`) are written, about half of them new firms (a second labelled dataset with
another seed, its OCDS releases only) and half re-mentions of firms already in the database (names
and RFCs of sampled register rows, the RFC dropped from half of them, in new releases), ingested
into the same database, and `link` runs again in a fresh subprocess with the stored model (no
retrain, not full): it must run in "incremental" mode.

`--backend spark` runs the full link on Splink's Spark backend (TESTIGO_LINK_BACKEND=spark, local
mode by default); `--backend both` runs DuckDB and then Spark on the same database in the same run,
each from an empty model directory (each trains), and prints them side by side. For Spark the
child reports the peak of the driver process and, summed, of its JVM and Python workers.

Targets: 1,000,000 records full link < 300 s with peak memory < 12 GB; incremental 10k into 1M
< 30 s. The process wall time (interpreter start and imports included, as a user running
`testigo link` waits for them) is the figure compared with the target; `link()` alone is printed
beside it. Figures go to bench/out/link.json; the databases live in bench/out/link-work/
(deleted after each size unless --keep).

    python -m bench.link [--records 100000 300000 1000000] [--seed 11] [--hidden 0.5]
                         [--new 10000] [--new-seed 97] [--threads N] [--memory-limit 8GB]
                         [--backend duckdb|spark|both] [--spark-master local[*]]
                         [--spark-conf '{"spark.driver.memory": "6g"}']
                         [--keep] [--timeout 10800]
    nohup .venv/bin/python -m bench.link > /tmp/bench_link.log 2>&1 &
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import _common as common

OUT_FILE = common.REPO_ROOT / "bench" / "out" / "link.json"
WORK_DIR = common.REPO_ROOT / "bench" / "out" / "link-work"
RECORDS_PER_FIRM = 2.8  # what bench/labelled.py gives, measured (about 2.81)
DEFAULT_SIZES = (100_000, 300_000, 1_000_000)
TARGET_FULL_RECORDS = 1_000_000
TARGET_FULL_SECONDS = 300.0
TARGET_FULL_PEAK_MB = 12 * 1024.0
TARGET_INCREMENTAL_SECONDS = 30.0
NEW_PREFIX = "ocds-new"
PROGRESS_FILE = "link-progress.jsonl"
PHASES = ("read", "features", "train", "score", "cluster", "store")


# --- in the child --------------------------------------------------------------------------
def _settings(data_dir: Path) -> Any:
    from app.settings import Settings

    return Settings(data_dir=data_dir, database_url=None)


def _quiet_logs() -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.disable(logging.INFO)  # Splink's training chatter; warnings still show


def child_ingest(data_dir: Path, files: dict[str, Path]) -> dict[str, Any]:
    """Migrate (if new) and ingest `files` ({"ocds"|"sfp"|"sat69b"|"register": path}) as
    bench/accuracy.py does; fails loudly."""
    from app import migrations
    from app.store.engine import make_engine
    from bench.labelled import source_job
    from ingest.pipeline import run_job

    _quiet_logs()
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    migrations.upgrade(settings)
    migrate_s = time.perf_counter() - clock
    engine = make_engine(settings)
    out: dict[str, Any] = {"migrate_s": round(migrate_s, 2), "sources": {}}
    clock = time.perf_counter()
    try:
        for source, path in files.items():
            started = time.perf_counter()
            summary = run_job(
                source_job(source), [str(path)], engine=engine, settings=settings
            ).as_dict()
            row = {k: summary[k] for k in ("read", "loaded", "rejected", "failed_files")}
            row["seconds"] = round(time.perf_counter() - started, 2)
            out["sources"][source] = row
            print(f"  ingest {source}: {row}", file=sys.stderr, flush=True)
            if summary["failed_files"]:
                errors = [d["error"] for d in summary["details"]]
                raise RuntimeError(f"ingest of {path} failed: {errors}")
    finally:
        engine.dispose()
    out["ingest_s"] = round(time.perf_counter() - clock, 2)
    out["peak_mb"], out["rss_end_mb"] = common.memory_mb()
    return out


def child_link(data_dir: Path, *, full: bool, retrain: bool) -> dict[str, Any]:
    """`testigo link [--full] [--retrain]`: the CLI's calls, figures as a dict."""
    from app.linking import link_options
    from app.store.engine import make_engine
    from matching.link import link

    _quiet_logs()
    settings = _settings(data_dir)
    options = link_options(settings, full=full, retrain=retrain)
    started = time.perf_counter()

    progress = data_dir / PROGRESS_FILE
    progress.unlink(missing_ok=True)

    def say(text: str) -> None:
        peak, rss = common.memory_mb()
        elapsed = time.perf_counter() - started
        print(
            f"  link +{elapsed:7.1f}s  rss {rss:8,.0f} MB  peak {peak:8,.0f} MB  {text}",
            file=sys.stderr,
            flush=True,
        )
        # for the parent, should this process be killed: how far it got
        with progress.open("a", encoding="utf-8") as handle:
            step = {"at_s": round(elapsed, 1), "rss_mb": rss, "peak_mb": peak, "step": text}
            handle.write(json.dumps(step) + "\n")

    engine = make_engine(settings)
    try:
        summary = link(engine, options, say=say)
    finally:
        engine.dispose()
    wall = time.perf_counter() - started
    out = summary.as_dict()
    out["link_wall_s"] = round(wall, 2)
    out["peak_mb"], out["rss_end_mb"] = common.memory_mb()
    out["duckdb_threads"] = settings.duckdb_threads
    out["duckdb_memory_limit"] = settings.duckdb_memory_limit
    out["backend"] = settings.link_backend
    # Spark in local mode is this process, a JVM and Python workers: the peaks of all of them
    # (summed: an upper bound of the machine's peak, as they need not peak together).
    out["tree_peak_mb"] = _tree_peak_mb()
    if settings.link_backend == "spark":
        out["spark_master"] = settings.spark_master
        out["spark_conf"] = settings.spark_conf
    return out


def _tree_peak_mb() -> float:
    """VmHWM of this process and every process under it, summed, in MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return round(common.status_mb(tree, "VmHWM"), 1)


def child_blocks(data_dir: Path) -> dict[str, Any]:
    """Blocked pairs per blocking rule on the profiles the linker scores, counted from block
    sizes (sum of n(n-1)/2 over the values of the rule's columns, nulls excluded): what each rule
    asks Splink to compare before pairs found by several rules are deduplicated. A diagnostic,
    run apart from the timed link; it rebuilds the profiles with the linker's own functions."""
    import re

    import duckdb
    import pyarrow as pa

    from app.store.engine import make_engine
    from matching.corpus import Corpus, with_corpus
    from matching.features import features
    from matching.link import SCHEMA
    from matching.model import BLOCKING_RULES
    from matching.profiles import group
    from matching.records import load

    _quiet_logs()
    started = time.perf_counter()
    engine = make_engine(_settings(data_dir))
    try:
        records = list(load(engine))
    finally:
        engine.dispose()
    rows = [features(r.raw) for r in records]
    keys = [r.record_key for r in records]
    profiles = group(keys, rows)
    corpus = Corpus.build(rows)
    table = pa.Table.from_pylist(
        [with_corpus(rows[p.representative], corpus) for p in profiles], schema=SCHEMA
    )
    del records, rows
    con = duckdb.connect(":memory:")
    con.register("profiles", table)
    rules: list[dict[str, Any]] = []
    for rule in BLOCKING_RULES:
        joined = re.findall(r'l\."(\w+)" = r\."(\w+)"', rule)
        left = [a for a, _ in joined]
        if all(a == b for a, b in joined):
            cols = ", ".join(f'"{c}"' for c in left)
            not_null = " AND ".join(f'"{c}" IS NOT NULL' for c in left)
            found = con.execute(
                f"SELECT coalesce(sum(n * (n - 1) // 2), 0), coalesce(max(n), 0), "
                f"arg_max(k, n), count(*) FILTER (WHERE n > 1) FROM ("
                f"SELECT concat_ws(' | ', {cols}) AS k, count(*) AS n FROM profiles "
                f"WHERE {not_null} GROUP BY {cols})"
            ).fetchone()
        else:
            # One column against another (`l.a = r.b`): the pairs a value joins are the rows
            # holding it in `a` times those holding it in `b`, less a row against itself; the
            # rule keeps those with l before r (about half), its mirror rule the others.
            (a, b), *more = joined
            assert not more, f"a cross rule of one column each: {rule}"
            found = con.execute(
                f'WITH l AS (SELECT "{a}" AS k, count(*) AS n FROM profiles '
                f'WHERE "{a}" IS NOT NULL GROUP BY 1), '
                f'r AS (SELECT "{b}" AS k, count(*) AS n FROM profiles '
                f'WHERE "{b}" IS NOT NULL GROUP BY 1), '
                f'both_ AS (SELECT count(*) AS n FROM profiles WHERE "{a}" = "{b}"), '
                f"j AS (SELECT l.k, l.n * r.n AS n FROM l JOIN r USING (k)) "
                f"SELECT coalesce((sum(n) - (SELECT n FROM both_)) // 2, 0), "
                f"coalesce(max(n), 0), arg_max(k, n), count(*) FILTER (WHERE n > 1) FROM j"
            ).fetchone()
        assert found is not None
        pairs, largest, value, blocks = found
        rules.append(
            {
                "rule": rule,
                "blocked_pairs": int(pairs),
                "blocks_of_2_or_more": int(blocks),
                "largest_block": int(largest),
                "largest_block_value": value,
            }
        )
        print(f"  blocks {rule}: {int(pairs):,} pairs, largest {int(largest):,} ({value!r})",
              file=sys.stderr, flush=True)  # fmt: skip
    out: dict[str, Any] = {
        "profiles": table.num_rows,
        "rules": rules,
        "blocked_pairs_sum": sum(r["blocked_pairs"] for r in rules),
        "seconds": round(time.perf_counter() - started, 2),
    }
    out["peak_mb"], out["rss_end_mb"] = common.memory_mb()
    return out


def child_main(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    if args.child == "ingest":
        files = {}
        for item in args.files:
            source, path = item.split("=", 1)
            files[source] = Path(path)
        result = child_ingest(data_dir, files)
    elif args.child == "link":
        result = child_link(data_dir, full=args.full, retrain=args.retrain)
    elif args.child == "blocks":
        result = child_blocks(data_dir)
    else:
        raise SystemExit(f"unknown child {args.child!r}")
    common.child_result(result)


# --- in the parent -------------------------------------------------------------------------
def _files(data: Path) -> dict[str, Path]:
    from bench.labelled import FILES

    return {source: data / name for source, name in FILES.items()}


def _dir_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 1024 / 1024, 1)


# --- the 10,000 new records ----------------------------------------------------------------
def _release(ocid: str, buyer: dict[str, Any], parties: list[dict[str, Any]], day: str) -> str:
    awards = [
        {
            "id": f"{ocid}-A{k}",
            "status": "active",
            "date": f"{day}T00:00:00-06:00",
            "value": {"amount": 100_000.0 * k, "currency": "MXN"},
            "suppliers": [{"id": p["id"], "name": p["name"]}],
        }
        for k, p in enumerate(parties, start=1)
    ]
    contracts = [
        {"id": f"{ocid}-C{k}", "awardID": f"{ocid}-A{k}", "status": "active"}
        for k in range(1, len(parties) + 1)
    ]
    release = {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": f"{day}T10:00:00-06:00",
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "es",
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "parties": [buyer, *parties],
        "tender": {"id": f"{ocid}-T", "title": "Adquisición de bienes (bench)"},
        "awards": awards,
        "contracts": contracts,
    }
    return json.dumps(release, ensure_ascii=False)


def _sample_register(path: Path, n: int, rng: random.Random) -> list[list[str]]:
    """A seeded uniform sample of n register rows (reservoir: one pass, n rows kept)."""
    sample: list[list[str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for i, row in enumerate(reader):
            if len(sample) < n:
                sample.append(row)
            else:
                j = int(rng.random() * (i + 1))
                if j < n:
                    sample[j] = row
    return sample


def write_new_records(
    main_data: Path, work: Path, n_new: int, new_seed: int, hidden: float
) -> dict[str, Any]:
    """OCDS JSON Lines with `n_new` new supplier parties under new ocids: about half new firms
    (a labelled dataset of another seed, its OCDS releases only) and half existing firms (names
    and RFCs of sampled register rows, the RFC dropped from half). Returns counts and the path."""
    from bench.labelled import generate

    rng = random.Random(f"link-bench-new-{new_seed}")
    out_path = work / "ocds-new.jsonl"
    want_new_firms = n_new // 2
    new_firm_lines: list[str] = []
    parties_new = 0
    firms = max(1000, want_new_firms)
    while True:  # enough releases of new firms (about 0.7 OCDS parties a firm)
        scratch = work / "new-firms"
        generate(scratch, firms, new_seed, hidden, keep_truth=False)
        new_firm_lines, parties_new = [], 0
        old_prefix = f"ocds-lab{new_seed}-"
        with (scratch / "ocds.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                release = json.loads(line)
                suppliers = sum("supplier" in p.get("roles", []) for p in release["parties"])
                if parties_new + suppliers > want_new_firms:
                    continue  # a smaller release may still fit
                # every id built from the ocid (release, parties, awards, contracts) moves too
                new_firm_lines.append(line.replace(old_prefix, f"{NEW_PREFIX}{new_seed}-"))
                parties_new += suppliers
                if parties_new == want_new_firms:
                    break
        shutil.rmtree(scratch, ignore_errors=True)
        if parties_new == want_new_firms:
            break
        firms *= 2

    want_existing = n_new - parties_new
    rows = _sample_register(_files(main_data)["register"], want_existing, rng)
    buyer = {
        "id": "UC-NEW-001",
        "name": "Instituto Mexicano del Seguro Social",
        "roles": ["buyer", "procuringEntity"],
    }
    existing_lines: list[str] = []
    with_rfc = 0
    number = 0
    i = 0
    while i < len(rows):
        size = min(len(rows) - i, 1 + int(rng.random() * 3))
        ocid = f"{NEW_PREFIX}{new_seed}-b{number:08d}"
        parties = []
        for k, (_folio, rfc, name, *_rest) in enumerate(rows[i : i + size], start=1):
            postal = _rest[-1] if _rest else ""
            party: dict[str, Any] = {"id": f"{ocid}-P{k}", "name": name}
            if rfc and rng.random() < 0.5:
                party["identifier"] = {"scheme": "MX-RFC", "id": rfc, "legalName": name}
                with_rfc += 1
            if postal:
                party["address"] = {"postalCode": postal.zfill(5), "countryName": "México"}
            party["roles"] = ["supplier"]
            parties.append(party)
        day = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}"
        existing_lines.append(_release(ocid, buyer, parties, day) + "\n")
        i += size
        number += 1

    lines = new_firm_lines + existing_lines
    rng.shuffle(lines)
    with out_path.open("w", encoding="utf-8") as handle:
        handle.writelines(lines)
    return {
        "path": str(out_path),
        "records": parties_new + len(rows),
        "releases": len(lines),
        "new_firm_records": parties_new,
        "existing_firm_records": len(rows),
        "existing_with_rfc": with_rfc,
        "seed": new_seed,
        "ocid_prefix": f"{NEW_PREFIX}{new_seed}-",
    }


def joined_existing(db_path: Path, new_seed: int) -> dict[str, int]:
    """How many new records sit in an entity with at least one record that is not new."""
    like = f"party:{NEW_PREFIX}{new_seed}-%"
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        total = conn.execute(
            "SELECT count(*) FROM entity_members WHERE record_key LIKE ?", (like,)
        ).fetchone()[0]
        joined = conn.execute(
            "SELECT count(*) FROM entity_members m WHERE m.record_key LIKE ? AND EXISTS ("
            " SELECT 1 FROM entity_members o WHERE o.entity_id = m.entity_id"
            " AND o.record_key NOT LIKE ?)",
            (like, like),
        ).fetchone()[0]
        joined_b = conn.execute(
            "SELECT count(*) FROM entity_members m WHERE m.record_key LIKE ? AND EXISTS ("
            " SELECT 1 FROM entity_members o WHERE o.entity_id = m.entity_id"
            " AND o.record_key NOT LIKE ?)",
            (f"party:{NEW_PREFIX}{new_seed}-b%", like),
        ).fetchone()[0]
    return {
        "new_records_in_entities": int(total),
        "joined_an_existing_entity": int(joined),
        "of_which_re_mentions": int(joined_b),
    }


# --- report --------------------------------------------------------------------------------
def _f(value: Any, spec: str = ",.1f") -> str:
    return "-" if value is None else format(value, spec)


def print_blocks(blocks: dict[str, Any]) -> None:
    print(
        f"  blocked pairs (diagnostic, not timed with the link; per rule, before dedup across "
        f"rules): {blocks['blocked_pairs_sum']:,} over {blocks['profiles']:,} profiles, counted "
        f"in {blocks['seconds']:.1f}s",
        flush=True,
    )
    for rule in blocks["rules"]:
        print(
            f"    {rule['blocked_pairs']:>14,}  largest block {rule['largest_block']:>7,}  "
            f"{rule['rule']}  (largest: {rule['largest_block_value']!r})"
        )


def read_progress(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / PROGRESS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _phase_line(timings: dict[str, float]) -> str:
    seen = [k for k in PHASES if k in timings] + [k for k in timings if k not in PHASES]
    return ", ".join(f"{k} {timings[k]:.1f}s" for k in seen)


def _mark(ok: bool | None) -> str:
    return "-   " if ok is None else ("MET " if ok else "MISS")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--hidden", type=float, default=0.5, help="share of OCDS/register RFCs")
    parser.add_argument("--new", type=int, default=10_000, help="new records, incremental case")
    parser.add_argument("--new-seed", type=int, default=97)
    parser.add_argument("--threads", type=int, default=None, help="TESTIGO_DUCKDB_THREADS")
    parser.add_argument("--memory-limit", default=None, help="TESTIGO_DUCKDB_MEMORY_LIMIT")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per subprocess")
    parser.add_argument(
        "--max-rss-gb",
        type=float,
        default=18.0,
        help="kill a child whose resident memory passes this (a guard on a shared machine; 0: off)",
    )
    parser.add_argument(
        "--backend",
        choices=("duckdb", "spark", "both"),
        default="duckdb",
        help="TESTIGO_LINK_BACKEND of the full link; both: DuckDB then Spark on the same "
        "database, each training its own model",
    )
    parser.add_argument("--spark-master", default="local[*]", help="TESTIGO_SPARK_MASTER")
    parser.add_argument(
        "--spark-conf",
        default='{"spark.driver.memory": "6g"}',
        help="TESTIGO_SPARK_CONF (JSON); local mode runs everything in the driver's JVM",
    )
    parser.add_argument("--keep", action="store_true", help="keep data and databases")
    parser.add_argument(
        "--no-blocks", action="store_true", help="skip counting blocked pairs per rule"
    )
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    # internal: one step in a fresh process
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--retrain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return 0
    if args.new_seed == args.seed:
        parser.error("--new-seed must differ from --seed (the ocids carry the seed)")

    from bench.labelled import generate

    env = dict(os.environ)
    if args.threads is not None:
        env["TESTIGO_DUCKDB_THREADS"] = str(args.threads)
    if args.memory_limit is not None:
        env["TESTIGO_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    env["TESTIGO_SPARK_MASTER"] = args.spark_master
    env["TESTIGO_SPARK_CONF"] = args.spark_conf
    backends = ["duckdb", "spark"] if args.backend == "both" else [args.backend]
    sizes = sorted(dict.fromkeys(args.records))
    guard = args.max_rss_gb * 1024 if args.max_rss_gb > 0 else None
    info = common.machine()
    common.print_machine(info)
    print(
        f"duckdb threads {env.get('TESTIGO_DUCKDB_THREADS', '(all)')}, memory limit "
        f"{env.get('TESTIGO_DUCKDB_MEMORY_LIMIT', '(DuckDB default, 80% of RAM)')}; "
        f"a child is killed after {args.timeout:,.0f} s or past "
        f"{'(no guard)' if guard is None else f'{guard:,.0f} MB'} resident"
    )
    print(
        f"targets: {TARGET_FULL_RECORDS:,} records full link < {TARGET_FULL_SECONDS:.0f} s and "
        f"peak < {TARGET_FULL_PEAK_MB / 1024:.0f} GB; incremental {args.new:,} into the largest "
        f"< {TARGET_INCREMENTAL_SECONDS:.0f} s"
    )
    print(f"sizes: {', '.join(f'{s:,}' for s in sizes)} records; seed {args.seed}, "
          f"rfc hidden {args.hidden}; work dir {WORK_DIR}", flush=True)  # fmt: skip

    targets = {
        "full_records": TARGET_FULL_RECORDS,
        "full_seconds": TARGET_FULL_SECONDS,
        "full_peak_mb": TARGET_FULL_PEAK_MB,
        "incremental_seconds": TARGET_INCREMENTAL_SECONDS,
    }
    report: dict[str, Any] = {**common.report_head(args, info, targets), "sizes": []}
    failed = False
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        report["machine"]["loadavg_now"] = common.loadavg()
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    last_ok: tuple[int, Path, dict[str, Any]] | None = None  # the largest linked size
    for size in sizes:
        work = WORK_DIR / str(size)
        shutil.rmtree(work, ignore_errors=True)
        data, var = work / "data", work / "var"
        firms = round(size / RECORDS_PER_FIRM)
        row: dict[str, Any] = {"target_records": size, "firms": firms}
        report["sizes"].append(row)
        print(f"\n=== {size:,} records ({firms:,} firms) === load {common.loadavg()}", flush=True)
        try:
            clock = time.perf_counter()
            truth = generate(data, firms, args.seed, args.hidden, keep_truth=False)
            row["generate_s"] = round(time.perf_counter() - clock, 2)
            row["records"] = truth.counts["records"]
            row["generated"] = truth.counts
            (data / "truth.json").unlink(missing_ok=True)  # not needed here
            print(
                f"  generated {row['records']:,} records in {row['generate_s']:.1f}s "
                f"({_dir_mb(data):,.0f} MB of files)",
                flush=True,
            )
            files = [f"{s}={p}" for s, p in _files(data).items()]
            ingest = common.run_child(
                "bench.link",
                ["--child", "ingest", "--data-dir", str(var), "--files", *files],
                args.timeout,
                env,
                guard,
            )
            row["ingest"] = ingest
            row["db_mb"] = _dir_mb(var)
            print(
                f"  ingested in {ingest['ingest_s']:.1f}s (process {ingest['process_s']:.1f}s, "
                f"migrate {ingest['migrate_s']:.1f}s, peak {ingest['peak_mb']:,.0f} MB), "
                f"database {row['db_mb']:,.0f} MB; load {common.loadavg()}",
                flush=True,
            )
            row["load_before_link"] = common.loadavg()
            row["by_backend"] = {}
            for backend in backends:
                # Each backend trains its own model from scratch on the same database.
                shutil.rmtree(var / "models", ignore_errors=True)
                shutil.rmtree(var / "link", ignore_errors=True)
                link = common.run_child(
                    "bench.link",
                    ["--child", "link", "--data-dir", str(var), "--full"],
                    args.timeout,
                    {**env, "TESTIGO_LINK_BACKEND": backend},
                    guard,
                )
                row["by_backend"][backend] = link
                print(
                    f"  {backend}: process {link['process_s']:.1f}s, link() "
                    f"{link['link_wall_s']:.1f}s, peak {link['peak_mb']:,.0f} MB (driver), "
                    f"{link['tree_peak_mb']:,.0f} MB (with its JVM and workers); "
                    f"{_phase_line(link['timings'])}",
                    flush=True,
                )
            link = row["by_backend"][backends[0]]
            row["link"] = link
            row["load_after_link"] = common.loadavg()
            print(
                f"  full link on {backends[0]} (trains: {link['trained']}, mode {link['mode']}): "
                f"process {link['process_s']:.1f}s, link() {link['link_wall_s']:.1f}s | "
                f"records {link['records']:,}, profiles {link['profiles']:,}, "
                f"pairs scored {link['pairs_scored']:,}, links {link['links']:,}, "
                f"entities {link['entities']:,}, review {link['review_queue']:,}, "
                f"refused {link['refused']:,} | peak {link['peak_mb']:,.0f} MB; "
                f"load {row['load_after_link']}"
            )
            print(f"  phases: {_phase_line(link['timings'])}", flush=True)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            failed = True
            row["error"] = str(exc)
            print(f"  FAILED: {exc}", flush=True)
            if "ingest" in row:
                row["link_progress"] = read_progress(var)
                if row["link_progress"]:
                    last = row["link_progress"][-1]
                    print(
                        f"  the link had reached: {last['step']!r} at +{last['at_s']:.0f}s "
                        f"(rss {last['rss_mb']:,.0f} MB, peak {last['peak_mb']:,.0f} MB then); "
                        "steps: "
                        + ", ".join(f"+{p['at_s']:.0f}s {p['step']}" for p in row["link_progress"]),
                        flush=True,
                    )
            if "ingest" in row and not args.no_blocks:
                # why the link failed or ran out of time: what the blocking rules ask for
                try:
                    row["blocks"] = common.run_child(
                        "bench.link",
                        ["--child", "blocks", "--data-dir", str(var)],
                        args.timeout,
                        env,
                        guard,
                    )
                    print_blocks(row["blocks"])
                except (RuntimeError, subprocess.TimeoutExpired) as err:
                    print(f"  blocked-pair count failed: {err}")
            save()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            continue
        if not args.no_blocks:
            try:
                blocks = common.run_child(
                    "bench.link",
                    ["--child", "blocks", "--data-dir", str(var)],
                    args.timeout,
                    env,
                    guard,
                )
                row["blocks"] = blocks
                print_blocks(blocks)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                row["blocks_error"] = str(exc)
                print(f"  blocked-pair count failed: {exc}")
        save()

        if last_ok is not None and not args.keep:
            shutil.rmtree(last_ok[1], ignore_errors=True)
        last_ok = (size, work, row)

    if args.new > 0 and last_ok is not None:
        size, work, row = last_ok
        data, var = work / "data", work / "var"
        if size != sizes[-1]:
            print(
                f"\nNOTE: the full link of {sizes[-1]:,} did not finish: the incremental case "
                f"runs on {size:,}, the largest size whose full link did"
            )
        inc: dict[str, Any] = {"into_records": row["records"]}
        report["incremental"] = inc
        print(f"\n=== incremental: {args.new:,} new records into {size:,} ===", flush=True)
        try:
            clock = time.perf_counter()
            new = write_new_records(data, work, args.new, args.new_seed, args.hidden)
            inc["generate_s"] = round(time.perf_counter() - clock, 2)
            inc["new"] = new
            print(
                f"  wrote {new['records']:,} new OCDS supplier records in "
                f"{new['releases']:,} releases ({new['new_firm_records']:,} of new firms, "
                f"{new['existing_firm_records']:,} re-mentions of existing firms, "
                f"{new['existing_with_rfc']:,} of those with their RFC) in "
                f"{inc['generate_s']:.1f}s",
                flush=True,
            )
            ingest = common.run_child(
                "bench.link",
                ["--child", "ingest", "--data-dir", str(var), "--files",
                 f"ocds={new['path']}"],
                args.timeout,
                env,
                guard,
            )  # fmt: skip
            inc["ingest"] = ingest
            print(
                f"  ingested in {ingest['ingest_s']:.1f}s (process "
                f"{ingest['process_s']:.1f}s); load {common.loadavg()}",
                flush=True,
            )
            inc["load_before_link"] = common.loadavg()
            link = common.run_child(
                "bench.link", ["--child", "link", "--data-dir", str(var)], args.timeout, env, guard
            )
            inc["link"] = link
            inc["load_after_link"] = common.loadavg()
            inc["joined"] = joined_existing(var / "testigo.db", args.new_seed)
            print(
                f"  incremental link (mode {link['mode']}, trained {link['trained']}): "
                f"process {link['process_s']:.1f}s, link() {link['link_wall_s']:.1f}s | "
                f"records {link['records']:,} ({link['new_or_changed']:,} new or changed), "
                f"pairs scored {link['pairs_scored']:,}, links {link['links']:,}, "
                f"entities {link['entities']:,} ({link['entities_changed']:,} changed) | "
                f"peak {link['peak_mb']:,.0f} MB; load {inc['load_after_link']}"
            )
            print(f"  phases: {_phase_line(link['timings'])}")
            j = inc["joined"]
            print(
                f"  new records in an entity with older records: "
                f"{j['joined_an_existing_entity']:,} of {j['new_records_in_entities']:,} "
                f"({j['of_which_re_mentions']:,} of the {new['existing_firm_records']:,} "
                "re-mentions)",
                flush=True,
            )
            if link["mode"] != "incremental":
                failed = True
                inc["error"] = f"mode is {link['mode']!r}, not 'incremental'"
                print(f"  ERROR: {inc['error']}")
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            failed = True
            inc["error"] = str(exc)
            print(f"  FAILED: {exc}", flush=True)
        save()

        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    # --- summary ---
    info["loadavg_end"] = common.loadavg()
    print("\n=== curve (full link with training, fresh process) ===")
    print(
        "pairs_scored: LinkSummary.pairs_scored, the pairs kept at or above the review "
        "threshold;\nblocked: pairs the blocking rules generate (sum over rules, an upper bound "
        "of the comparisons Splink makes)"
    )
    header = (
        f"{'records':>10} {'process_s':>10} {'link_s':>8} {'pairs_scored':>12} "
        f"{'blocked':>14} {'links':>10} {'entities':>10} {'peak_MB':>9} {'ingest_s':>9}  phases"
    )
    print(header)
    print("-" * len(header))
    for row in report["sizes"]:
        if "link" not in row:
            blocked = row.get("blocks", {}).get("blocked_pairs_sum")
            print(f"{row.get('records', row['target_records']):>10,}  FAILED: "
                  f"{row.get('error', '?').splitlines()[0]}"
                  + ("" if blocked is None else f" (blocked pairs {blocked:,})"))  # fmt: skip
            continue
        link = row["link"]
        blocked = row.get("blocks", {}).get("blocked_pairs_sum")
        print(
            f"{row['records']:>10,} {link['process_s']:>10.1f} {link['link_wall_s']:>8.1f} "
            f"{link['pairs_scored']:>12,} {_f(blocked, ','):>14} {link['links']:>10,} "
            f"{link['entities']:>10,} "
            f"{link['peak_mb']:>9,.0f} {row['ingest']['ingest_s']:>9.1f}  "
            f"{_phase_line(link['timings'])}"
        )
    if len(backends) > 1 or backends != ["duckdb"]:
        print("\n=== backends (full link with training, fresh process each) ===")
        print(
            "peak_MB: the driver process; tree_peak_MB: with its JVM and Python workers "
            "(summed peaks)"
        )
        head = (
            f"{'records':>10} {'backend':>8} {'process_s':>10} {'link_s':>8} {'peak_MB':>9} "
            f"{'tree_peak_MB':>13} {'pairs':>10} {'entities':>10}  phases"
        )
        print(head)
        print("-" * len(head))
        for row in report["sizes"]:
            for backend, link in row.get("by_backend", {}).items():
                print(
                    f"{row['records']:>10,} {backend:>8} {link['process_s']:>10.1f} "
                    f"{link['link_wall_s']:>8.1f} {link['peak_mb']:>9,.0f} "
                    f"{link['tree_peak_mb']:>13,.0f} {link['pairs_scored']:>10,} "
                    f"{link['entities']:>10,}  {_phase_line(link['timings'])}"
                )
    incremental: dict[str, Any] | None = report.get("incremental")
    if incremental and "link" in incremental:
        link = incremental["link"]
        print(
            f"{'+' + format(incremental['new']['records'], ','):>10} {link['process_s']:>10.1f} "
            f"{link['link_wall_s']:>8.1f} {link['pairs_scored']:>12,} {'-':>14} "
            f"{link['links']:>10,} {link['entities']:>10,} {link['peak_mb']:>9,.0f} "
            f"{incremental['ingest']['ingest_s']:>9.1f}  "
            f"{link['mode']}: {_phase_line(link['timings'])}"
        )

    print("\ntargets:")
    checks: list[dict[str, Any]] = []
    at_target = [
        r for r in report["sizes"] if r["target_records"] == TARGET_FULL_RECORDS and "link" in r
    ]
    if at_target:
        link = at_target[0]["link"]
        checks.append(
            {
                "what": f"full link of {TARGET_FULL_RECORDS:,} records, seconds (process)",
                "target": f"< {TARGET_FULL_SECONDS:.0f}",
                "value": link["process_s"],
                "met": link["process_s"] < TARGET_FULL_SECONDS,
            }
        )
        checks.append(
            {
                "what": f"full link of {TARGET_FULL_RECORDS:,} records, peak memory MB",
                "target": f"< {TARGET_FULL_PEAK_MB:,.0f}",
                "value": link["peak_mb"],
                "met": link["peak_mb"] < TARGET_FULL_PEAK_MB,
            }
        )
    else:
        failed_rows = [r for r in report["sizes"] if r["target_records"] == TARGET_FULL_RECORDS]
        why = failed_rows[0].get("error", "failed").splitlines()[0] if failed_rows else ""
        checks.append(
            {
                "what": f"full link of {TARGET_FULL_RECORDS:,} records"
                + (f" did not finish: {why}" if failed_rows else ""),
                "target": f"< {TARGET_FULL_SECONDS:.0f} s, peak < {TARGET_FULL_PEAK_MB:,.0f} MB"
                if failed_rows
                else "not run at this size",
                "value": None,
                "met": False if failed_rows else None,
            }
        )
    if incremental and "link" in incremental:
        link = incremental["link"]
        into = incremental["into_records"]
        scale = "" if into >= TARGET_FULL_RECORDS * 0.95 else f" (into {into:,}, not 1M)"
        checks.append(
            {
                "what": f"incremental {incremental['new']['records']:,} into {into:,}, "
                f"seconds (process){scale}",
                "target": f"< {TARGET_INCREMENTAL_SECONDS:.0f}, mode incremental",
                "value": link["process_s"],
                "met": link["process_s"] < TARGET_INCREMENTAL_SECONDS
                and link["mode"] == "incremental",
            }
        )
    elif incremental:
        checks.append(
            {
                "what": "incremental",
                "target": f"< {TARGET_INCREMENTAL_SECONDS:.0f}",
                "value": None,
                "met": False,
            }
        )
    for c in checks:
        print(f"  {_mark(c['met'])} {c['what']}: {_f(c['value'])} (target {c['target']})")
    report["checks"] = checks
    print(f"\nload average at end: {info['loadavg_end']} (start {info['loadavg_start']})")
    report["finished"] = datetime.now(UTC).isoformat()
    save()
    print(f"figures written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
