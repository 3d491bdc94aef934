"""Ingest benchmark: throughput and peak memory of `testigo ingest` against a parse-only baseline.

For each size it generates seeded files (bench/generate.py), then measures, each in a fresh
subprocess so that peak memory is that process's own:

* baseline: parsing the same file and storing nothing (ijson for OCDS JSON Lines, the csv module
  decoding cp1252 for the SAT 69-B list);
* Testigo: migrate a fresh database, then `run_job(ocds_job(), [file])` or
  `run_job(sanctions_job("sat-69b"), [file])` on SQLite (a file in a temp dir) and PostgreSQL (a
  fresh `testigo_bench_<random>` database, dropped afterwards).

It prints one line per measurement and writes the figures to bench/out/ingest.json. Targets:
ingest rate >= 40% of the parse-only rate (OCDS, 69-B), >= 10,000 rows/s absolute for the
ComprasMX contracts CSV (bench/generate_comprasmx.py; the csv module's parse-only rate is printed
beside it), peak RSS < 400 MB.

    python -m bench.ingest_speed                                   # defaults below
    python -m bench.ingest_speed --ocds 200000 50000 --sat 100000 --backends sqlite postgres
    python -m bench.ingest_speed --ocds 5000 --sat 5000 --backends sqlite --profile
    python -m bench.ingest_speed --ocds --sat --comprasmx 1000000 200000  # contracts only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import _common as common

OUT_DIR = common.REPO_ROOT / "bench" / "out"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RATIO_TARGET = 0.40
CONTRACTS_RATE_TARGET = 10_000.0  # rows/s, ComprasMX: a federal year (~200k rows) in ~20 s
RSS_TARGET_MB = 400.0


# --- measurements in the child process ----------------------------------------------------------
def _open_binary(path: Path) -> Any:
    import gzip

    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _child_parse(kind: str, path: Path) -> dict[str, Any]:
    import csv
    import io

    import ijson

    started = time.perf_counter()
    count = 0
    if kind == "ocds":
        with _open_binary(path) as handle:
            for _ in ijson.items(handle, "", multiple_values=True):
                count += 1
    else:
        contracts = kind == "comprasmx"
        with path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8" if contracts else "cp1252", newline="")
            for _ in csv.reader(text):
                count += 1
        count -= 1 if contracts else 3  # the header (69-B: and the two preamble lines)
    wall = time.perf_counter() - started
    peak, _ = common.memory_mb()
    parser = f"ijson/{ijson.backend}" if kind == "ocds" else "csv"
    return {"read": count, "wall_s": wall, "peak_rss_mb": peak, "parser": parser}


def _child_read(kind: str, path: Path) -> dict[str, Any]:
    """Testigo's reader alone (parse + rows, no database): where parse-only time goes first."""
    _quiet_logs()
    from ingest.rows import Rejected

    job = _job(kind)
    started = time.perf_counter()
    count = rejected = 0
    for item in job.read(path):
        count += 1
        rejected += isinstance(item, Rejected)
    wall = time.perf_counter() - started
    peak, _ = common.memory_mb()
    return {"read": count, "rejected": rejected, "wall_s": wall, "peak_rss_mb": peak}


def _job(kind: str) -> Any:
    from ingest.jobs import contracts_job, ocds_job, sanctions_job

    if kind == "ocds":
        return ocds_job()
    if kind == "comprasmx":
        return contracts_job()
    return sanctions_job("sat-69b")


def _quiet_logs() -> None:
    import logging

    import structlog

    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def _db_size_mb(engine: Any, db_url: str, data_dir: Path) -> float | None:
    """Size of the database after the ingest; disposes of the engine (which, for SQLite,
    checkpoints the WAL into the main file so the figure is the file that stays)."""
    from sqlalchemy import text

    size: float | None = None
    if not db_url.startswith("sqlite"):
        with engine.connect() as conn:
            size = int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    engine.dispose()
    if db_url.startswith("sqlite"):
        size = sum(p.stat().st_size for p in data_dir.glob("*.db*"))
    return None if size is None else size / 1e6


def _child_ingest(
    kind: str, path: Path, db_url: str, data_dir: Path, batch_size: int | None, profile: Path | None
) -> dict[str, Any]:
    _quiet_logs()
    from app.migrations import upgrade
    from app.settings import Settings
    from app.store.engine import make_engine
    from ingest.pipeline import run_job

    options: dict[str, Any] = {"data_dir": data_dir, "database_url": db_url}
    if batch_size:
        options["batch_size"] = batch_size
    settings = Settings(**options)
    started = time.perf_counter()
    upgrade(settings)
    migrate_s = time.perf_counter() - started
    engine = make_engine(settings)
    job = _job(kind)
    _, rss_before = common.memory_mb()
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    summary = run_job(job, [str(path)], engine=engine, settings=settings)
    wall = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    peak, _ = common.memory_mb()
    db_mb = _db_size_mb(engine, db_url, data_dir)
    totals = summary.as_dict()
    errors = [f.error for f in summary.files if f.error and f.status == "failed"]
    return {
        "read": totals["read"],
        "loaded": totals["loaded"],
        "updated": totals["updated"],
        "unchanged": totals["unchanged"],
        "rejected": totals["rejected"],
        "failed_files": totals["failed_files"],
        "skipped_files": totals["skipped_files"],
        "errors": errors,
        "rejections": [r for f in summary.files for r in f.rejections][:5],
        "wall_s": wall,
        "migrate_s": migrate_s,
        "rss_before_ingest_mb": rss_before,
        "peak_rss_mb": peak,
        "db_mb": db_mb,
        "batch_size": settings.batch_size,
    }


def child_main(args: argparse.Namespace) -> None:
    mode, kind = args.child.split("-", 1)
    path = Path(args.file)
    if mode == "parse":
        result = _child_parse(kind, path)
    elif mode == "read":
        result = _child_read(kind, path)
    else:
        profile = Path(args.profile_out) if args.profile_out else None
        result = _child_ingest(
            kind, path, args.db_url, Path(args.data_dir), args.batch_size, profile
        )
    common.child_result(result)


# --- the parent: files, databases, table ---------------------------------------------------------
@dataclass(slots=True)
class Measurement:
    what: str  # "ocds parse (ijson)", "ocds ingest", ...
    kind: str  # ocds | sat-69b
    backend: str  # "-" for the baseline
    size: int
    wall_s: float | None = None
    rate: float | None = None
    ratio: float | None = None
    peak_rss_mb: float | None = None
    ok: bool = True
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        def fmt(value: float | None, spec: str) -> str:
            return "-" if value is None else format(value, spec)

        unit = "rel/s" if self.kind == "ocds" else "rows/s"
        ratio = "-" if self.ratio is None else f"{self.ratio:.0%}"
        return (
            f"{self.what:<22} {self.backend:<9} {self.size:>8} {fmt(self.wall_s, '.1f'):>8} "
            f"{fmt(self.rate, ',.0f'):>9} {unit:<6} {ratio:>8} "
            f"{fmt(self.peak_rss_mb, '.0f'):>7}  {self.note}"
        )


HEADER = (
    f"{'measurement':<22} {'backend':<9} {'n':>8} {'wall_s':>8} {'rate':>9} {'':<6} "
    f"{'vs_parse':>8} {'peak_MB':>7}  notes"
)


def postgres_reachable(admin_url: str) -> tuple[bool, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
        return True, version
    except Exception as exc:  # any driver/network error means "skip PostgreSQL"
        return False, f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TESTIGO_BENCH_PG_URL", DEFAULT_PG_URL),
        help="admin URL; a fresh database is created next to it",
    )


def usable_backends(args: argparse.Namespace, info: dict[str, Any]) -> list[str]:
    """The requested backends, less PostgreSQL (said so) when no server answers."""
    backends = list(dict.fromkeys(args.backends))
    if "postgres" in backends:
        reachable, detail = postgres_reachable(args.pg_url)
        if reachable:
            info["postgres"] = detail
            print(f"postgres: server {detail} at {args.pg_url.rsplit('@', 1)[-1]}")
        else:
            print(f"NOTE: PostgreSQL unreachable at {args.pg_url} ({detail}); skipping it")
            backends.remove("postgres")
    return backends


@contextlib.contextmanager
def fresh_database(backend: str, admin_url: str) -> Iterator[tuple[str, Path]]:
    """(database URL, data dir) of an empty database, removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="testigo-bench-"))
    try:
        if backend == "sqlite":
            yield f"sqlite:///{data_dir / 'bench.db'}", data_dir
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"testigo_bench_{secrets.token_hex(4)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(admin_url).set(database=name)
            yield url.render_as_string(hide_password=False), data_dir
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def print_profile(path: Path, top: int = 15) -> None:
    import pstats

    print(f"\n  cProfile of {path.name} (top {top} by cumulative time):")
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)


def measure_file(
    kind: str,
    size: int,
    path: Path,
    args: argparse.Namespace,
    backends: list[str],
    results: list[Measurement],
) -> None:
    parse_label = f"{kind} parse (ijson)" if kind == "ocds" else f"{kind} parse (csv)"
    base = Measurement(parse_label, kind, "-", size)
    try:
        found = common.run_child(
            "bench.ingest_speed", ["--child", f"parse-{kind}", "--file", str(path)], args.timeout
        )
        base.wall_s, base.peak_rss_mb = found["wall_s"], found["peak_rss_mb"]
        base.rate = found["read"] / found["wall_s"] if found["wall_s"] else None
        base.details = found
        base.ok = found["read"] == size
        base.note = "" if base.ok else f"read {found['read']} != {size}"
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        base.ok, base.note = False, f"FAILED: {exc}"
    results.append(base)
    print(base.line(), flush=True)
    reader = Measurement(f"{kind} reader only", kind, "-", size)
    try:
        found = common.run_child(
            "bench.ingest_speed", ["--child", f"read-{kind}", "--file", str(path)], args.timeout
        )
        reader.wall_s, reader.peak_rss_mb = found["wall_s"], found["peak_rss_mb"]
        reader.rate = found["read"] / found["wall_s"] if found["wall_s"] else None
        if reader.rate and base.rate:
            reader.ratio = reader.rate / base.rate
        reader.details = found
        reader.ok = found["read"] == size and not found["rejected"]
        reader.note = (
            "no database"
            if reader.ok
            else (f"read {found['read']} of {size}, {found['rejected']} rejected")
        )
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        reader.ok, reader.note = False, f"FAILED: {exc}"
    results.append(reader)
    print(reader.line(), flush=True)
    for backend in backends:
        label = f"{kind} ingest"
        m = Measurement(label, kind, backend, size)
        try:
            with fresh_database(backend, args.pg_url) as (db_url, data_dir):
                argv = [
                    "--child",
                    f"ingest-{kind}",
                    "--file",
                    str(path),
                    "--db-url",
                    db_url,
                    "--data-dir",
                    str(data_dir),
                ]
                if args.batch_size:
                    argv += ["--batch-size", str(args.batch_size)]
                profile = None
                if args.profile:
                    profile = OUT_DIR / f"profile-{kind}-{backend}-{size}.prof"
                    argv += ["--profile-out", str(profile)]
                found = common.run_child("bench.ingest_speed", argv, args.timeout)
            m.wall_s, m.peak_rss_mb, m.details = found["wall_s"], found["peak_rss_mb"], found
            m.rate = found["read"] / found["wall_s"] if found["wall_s"] else None
            if m.rate and base.rate:
                m.ratio = m.rate / base.rate
            problems = []
            if found["read"] != size:
                problems.append(f"read {found['read']} != {size}")
            if found["rejected"]:
                problems.append(f"{found['rejected']} rejected {found['rejections'][:1]}")
            if found["failed_files"]:
                problems.append(f"FAILED: {found['errors']}")
            m.ok = not problems
            marks = [
                ("rate<10k/s" if m.rate is not None and m.rate < CONTRACTS_RATE_TARGET else "")
                if kind == "comprasmx"
                else ("ratio<40%" if m.ratio is not None and m.ratio < RATIO_TARGET else ""),
                "RSS>=400MB"
                if m.peak_rss_mb is not None and m.peak_rss_mb >= RSS_TARGET_MB
                else "",
            ]
            extra = f"migrate {found['migrate_s']:.1f}s, db {found['db_mb'] or 0:.0f} MB"
            m.note = "; ".join(p for p in [*problems, *marks, extra] if p)
            if args.profile:
                m.note += " (profiled: times inflated)"
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            m.ok, m.note = False, f"FAILED: {exc}"
        results.append(m)
        print(m.line(), flush=True)
        if args.profile and profile is not None and profile.exists():
            print_profile(profile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Ingest throughput and peak memory against a parse-only baseline."
    )
    parser.add_argument(
        "--ocds",
        type=int,
        nargs="*",
        default=[200_000, 50_000],
        help="OCDS release counts (default: 200000 50000)",
    )
    parser.add_argument(
        "--sat",
        type=int,
        nargs="*",
        default=[100_000],
        help="SAT 69-B row counts (default: 100000)",
    )
    parser.add_argument(
        "--comprasmx",
        type=int,
        nargs="*",
        default=[],
        help="ComprasMX contract row counts (e.g. 1000000 200000; default: none)",
    )
    add_database_options(parser)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gzip", action="store_true", help="gzip the OCDS file")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="Settings.batch_size for the ingest (default: the app's)",
    )
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per subprocess")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated inputs")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run each ingest under cProfile and print the top functions",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR / "ingest.json")
    # internal: one measurement in a fresh process
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return 0

    from bench.generate import write_ocds_jsonl, write_sat_69b_csv
    from bench.generate_comprasmx import write_comprasmx_csv

    info = common.machine()
    common.print_machine(info)
    backends = usable_backends(args, info)
    print(
        f"targets: ingest rate >= {RATIO_TARGET:.0%} of parse-only (OCDS, 69-B), "
        f">= {CONTRACTS_RATE_TARGET:,.0f} rows/s (ComprasMX), peak RSS < {RSS_TARGET_MB:.0f} MB"
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    inputs = OUT_DIR / "data"
    results: list[Measurement] = []
    generated: list[dict[str, Any]] = []
    plan = (
        [("ocds", n) for n in args.ocds]
        + [("sat-69b", n) for n in args.sat]
        + [("comprasmx", n) for n in args.comprasmx]
    )
    print()
    print(HEADER, flush=True)
    for kind, size in plan:
        if kind == "ocds":
            suffix = ".jsonl.gz" if args.gzip else ".jsonl"
            path = inputs / f"ocds-{size}-s{args.seed}{suffix}"
            started = time.perf_counter()
            write_ocds_jsonl(path, size, args.seed, gzip_output=args.gzip)
        elif kind == "comprasmx":
            path = inputs / f"comprasmx-{size}-s{args.seed}.csv"
            started = time.perf_counter()
            write_comprasmx_csv(path, size, args.seed)
        else:
            path = inputs / f"sat69b-{size}-s{args.seed}.csv"
            started = time.perf_counter()
            write_sat_69b_csv(path, size, args.seed)
        gen = {
            "kind": kind,
            "size": size,
            "file": str(path.relative_to(common.REPO_ROOT)),
            "mb": path.stat().st_size / 1e6,
            "generate_s": time.perf_counter() - started,
        }
        generated.append(gen)
        print(
            f"# {kind} n={size}: {gen['file']} {gen['mb']:.1f} MB, generated in "
            f"{gen['generate_s']:.1f}s",
            flush=True,
        )
        try:
            measure_file(kind, size, path, args, backends, results)
        finally:
            if not args.keep_files:
                path.unlink(missing_ok=True)

    info["loadavg_end"] = common.loadavg()
    print(f"\nsummary (load average at end: {info['loadavg_end']})")
    print(HEADER)
    for m in results:
        print(m.line())
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "targets": {
            "ratio_to_parse": RATIO_TARGET,
            "comprasmx_rows_per_s": CONTRACTS_RATE_TARGET,
            "peak_rss_mb": RSS_TARGET_MB,
        },
        "args": {
            k: v
            for k, v in vars(args).items()
            if k not in ("child", "file", "db_url", "data_dir", "profile_out")
        },
        "inputs": generated,
        "measurements": [asdict(m) for m in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    shown = (
        args.out.relative_to(common.REPO_ROOT)
        if args.out.is_relative_to(common.REPO_ROOT)
        else args.out
    )
    print(f"\nwrote {shown}")
    return 0 if all(m.ok for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
