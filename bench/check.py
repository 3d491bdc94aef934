"""Check benchmark: latency and throughput of `GET /v1/check` over real HTTP, against Splink's own
real-time path for one record.

For each size (records; default 100,000 and 1,000,000) it

1. generates labelled data in the four real formats (bench/labelled.py, seeded, `n_firms =
   records / 2.8`, half the OCDS/register RFCs hidden), ingests it into a fresh SQLite database
   and runs `testigo link --full` (training the model), each step in a fresh process with
   bench/link.py's own children (`run_child`: the calls of `testigo ingest` and `testigo link`);
2. draws a fixed, seeded mix of queries from the linked records, in equal thirds: RFC only (an
   RFC that exists), name only (a name that exists, as published) and a misspelled name (one
   letter of an existing name changed);
3. serves the database with `testigo serve --workers 2` on a loopback port, waits for /readyz
   (and for every worker to finish building its index), then drives `GET /v1/check` with an
   officer key: a warm-up, then the timed queries twice. **Saturated**: 8 client threads
   (`--clients`), each with its own keep-alive httpx client, sending as fast as answers come
   back: the most checks/s the server gives. **Steady**: the same queries at a fixed rate
   (`--rate`, default 250/s, above the 200/s target) from 16 threads, an open loop where query
   i is due at start + i/rate: the latency an officer sees at that load. Latency is the
   client's, from sending (steady: from when the query was due) to reading the whole answer
   (HTTP, auth, matching, verdict and the audit-log write included). The first
   `--splink-queries` are also sent one at a time (one client, no queueing): Testigo's
   per-query latency for the comparison;
4. stops the server and times the baseline on those same queries: Splink's real-time path. The
   profile table the last link scored (read from its link state, matching.state) is registered
   with `splink.DuckDBAPI`, a Linker is built from that run's model JSON, with term frequencies
   as registered lookups (as
   matching.model.predict_between does), and for each query its feature row is built as
   `Index.query_row` builds it, registered, and scored with
   `linker.inference.predict_between(existing, query, threshold_match_probability=0.5)`,
   results fetched. The best pair's entity is compared with Testigo's best match.

Targets: p99 < 20 ms at a steady load of >= 200 checks/s, >= 200 checks/s saturated, and >= 5x
faster than the Splink baseline per query (p50 against p50). The p99 target is judged on the
steady run: with N clients in a closed loop at saturation every check waits N / throughput on
average (Little's law), so the saturated p99 measures the queue the benchmark builds, not the
server; it is printed too. The machine is shared by the server, the clients and (in step 4)
DuckDB: on a 2-core machine the client threads take CPU from the server's workers. As a guard on
a shared machine, an ingest or link child, or the server, is stopped past --max-rss-gb (16 GB)
resident and that size is reported as failed. Figures go to bench/out/check.json; the work lives
in bench/out/check-work/ (deleted unless --keep).

    python -m bench.check [--records 100000 1000000] [--seed 11] [--queries 2000] [--warmup 100]
                          [--clients 8] [--workers 2] [--splink-queries 200] [--max-rss-gb 16]
                          [--keep]
    python -m bench.check --linked var      # an already linked data dir (testigo.db, models/)
    nohup .venv/bin/python -m bench.check > /tmp/bench_check.log 2>&1 &
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import _common as common
from bench.link import RECORDS_PER_FIRM

OUT_FILE = common.REPO_ROOT / "bench" / "out" / "check.json"
WORK_DIR = common.REPO_ROOT / "bench" / "out" / "check-work"
DEFAULT_SIZES = (100_000, 1_000_000)
TARGET_P99_MS = 20.0
TARGET_CHECKS_PER_S = 200.0
TARGET_SPEEDUP = 5.0
KINDS = ("rfc", "name", "misspelled")
THRESHOLD = 0.5  # Splink's threshold_match_probability; Testigo's review threshold


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # rfc | name | misspelled
    name: str | None = None
    rfc: str | None = None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("rfc", self.rfc)) if v}


@dataclass(slots=True)
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds, in query order
    statuses: list[int] = field(default_factory=list)
    best: list[str | None] = field(default_factory=list)  # best entity (p >= THRESHOLD)
    wall: float = 0.0


# --- queries ---------------------------------------------------------------------------------
def _misspell(name: str, rng: random.Random) -> str:
    """`name` with one letter changed to another (case kept)."""
    letters = [i for i, c in enumerate(name) if c.isalpha() and c.isascii()]
    if not letters:
        return name + "X"
    i = rng.choice(letters)
    old = name[i]
    new = rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != old.upper()])
    return name[:i] + (new if old.isupper() else new.lower()) + name[i + 1 :]


def make_queries(db: Path, n: int, seed: int) -> list[Query]:
    """`n` queries in equal thirds (RFC only, name only, misspelled name), shuffled, seeded."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rfcs = sorted({r for (r,) in con.execute("SELECT rfc FROM link_records") if r})
        names = sorted(
            {n for (n,) in con.execute("SELECT name FROM link_records") if n and len(n) >= 4}
        )
    finally:
        con.close()
    return draw_queries(rfcs, names, n, seed)


def draw_queries(rfcs: Sequence[str], names: Sequence[str], n: int, seed: int) -> list[Query]:
    """`n` queries drawn from sorted existing RFCs and names (bench/load.py reads them from
    PostgreSQL): equal thirds, shuffled, the same for the same seed."""
    rng = random.Random(f"check-{seed}")
    each = -(-n // len(KINDS))
    picked_rfcs = rng.sample(rfcs, min(each, len(rfcs)))
    picked_names = rng.sample(names, min(2 * each, len(names)))
    queries = [Query("rfc", rfc=r) for r in picked_rfcs]
    queries += [Query("name", name=m) for m in picked_names[:each]]
    queries += [Query("misspelled", name=_misspell(m, rng)) for m in picked_names[each:]]
    rng.shuffle(queries)
    return queries[:n]


# --- the server ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _testigo() -> list[str]:
    script = Path(sys.executable).parent / "testigo"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def _env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTIGO_")}
    env["TESTIGO_DATA_DIR"] = str(data_dir)
    if database_url:
        env["TESTIGO_DATABASE_URL"] = database_url
    return env


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return out


def _cpu_seconds(pids: Sequence[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _tail(log: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


class Server:
    """`testigo serve` in its own process group, stopped with SIGTERM (then SIGKILL)."""

    def __init__(
        self, data_dir: Path, workers: int, log: Path, database_url: str | None = None
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            *_testigo(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=common.REPO_ROOT,
                env=_env(data_dir, database_url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers = workers

    def wait_ready(self, timeout: float, guard_mb: float | None) -> float:
        """Seconds until /readyz answers 200 and every worker has built its index: the process
        tree has gone idle (the index is built on a CPU-bound thread) and /readyz has answered
        200 twenty times in a row on fresh connections."""
        started = time.perf_counter()
        deadline = started + timeout
        ready_in_a_row = 0
        last_cpu = -1.0
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"testigo serve exited {self.proc.returncode}:\n{self.tail()}")
            try:
                ready = httpx.get(self.url + "/readyz", timeout=5.0)
                ok = ready.status_code == 200
            except httpx.TransportError:
                ok = False
            ready_in_a_row = ready_in_a_row + 1 if ok else 0
            pids = _tree(self.proc.pid)
            if guard_mb is not None and common.status_mb(pids) > guard_mb:
                raise RuntimeError(
                    f"the server passed the {guard_mb:,.0f} MB guard while loading its index"
                )
            cpu = _cpu_seconds(pids)
            idle = last_cpu >= 0 and cpu - last_cpu < 0.1
            # uvicorn runs one worker in its own process, more under a supervisor.
            processes = self.workers + 1 if self.workers > 1 else 1
            if ready_in_a_row >= 20 and idle and len(pids) >= processes:
                return time.perf_counter() - started
            last_cpu = cpu
            time.sleep(0.5)
        raise RuntimeError(f"not ready after {timeout:.0f}s:\n{self.tail()}")

    def rss_mb(self) -> float:
        return common.status_mb(_tree(self.proc.pid))

    def tail(self) -> str:
        return _tail(self.log)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session: the server's workers
            self.proc.wait(timeout=10)


# --- load --------------------------------------------------------------------------------------
def _best_entity(body: Any) -> str | None:
    matches = body.get("matches") if isinstance(body, dict) else None
    if not matches:
        return None
    top = max(matches, key=lambda m: m["probability"])
    return str(top["entity_id"]) if top["probability"] >= THRESHOLD else None


def drive(url: str, key: str, queries: Sequence[Query], clients: int, *, keep: bool) -> Run:
    """Send every query once, from `clients` threads with a keep-alive client each."""
    run = Run(
        latencies=[0.0] * len(queries),
        statuses=[0] * len(queries),
        best=[None] * len(queries),
    )
    lock = threading.Lock()
    position = iter(range(len(queries)))
    errors: list[BaseException] = []

    def worker() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=60.0) as client:
                while True:
                    with lock:
                        i = next(position, None)
                    if i is None:
                        return
                    started = time.perf_counter()
                    answer = client.get("/v1/check", params=queries[i].params())
                    body = answer.content
                    run.latencies[i] = time.perf_counter() - started
                    run.statuses[i] = answer.status_code
                    if keep and answer.status_code == 200:
                        run.best[i] = _best_entity(json.loads(body))
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"a client failed: {errors[0]!r}")
    return run


def drive_paced(url: str, key: str, queries: Sequence[Query], rate: float, clients: int) -> Run:
    """Send the queries at a fixed rate: an open loop, where query i is due at start + i / rate
    whatever the answers to earlier ones, with up to `clients` keep-alive connections. One
    asyncio thread sends them all, so the load generator's own threads do not compete for the
    CPU and the GIL and show up as server latency. Latency runs from when a query was due, so
    a server that falls behind is charged for the wait too (no coordinated omission)."""
    import asyncio

    run = Run(latencies=[0.0] * len(queries), statuses=[0] * len(queries))

    async def main() -> None:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=60.0, limits=limits
        ) as client:
            loop = asyncio.get_running_loop()
            start = loop.time() + 0.2

            async def one(i: int) -> None:
                due = start + i / rate
                await asyncio.sleep(max(0.0, due - loop.time()))
                answer = await client.get("/v1/check", params=queries[i].params())
                run.latencies[i] = loop.time() - due
                run.statuses[i] = answer.status_code

            began = loop.time()
            await asyncio.gather(*(one(i) for i in range(len(queries))))
            run.wall = loop.time() - max(began, start)

    asyncio.run(main())
    return run


def _pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`, in ms."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def latency(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_pct(values, 50), 3),
        "p95_ms": round(_pct(values, 95), 3),
        "p99_ms": round(_pct(values, 99), 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
    }


# --- the Splink baseline ---------------------------------------------------------------------
def _quiet_logs() -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.disable(logging.INFO)  # Splink's "Blocking time" chatter on every prediction


def splink_baseline(data_dir: Path, queries: Sequence[Query], budget_s: float) -> dict[str, Any]:
    """Splink's real-time path for each query against the linked profiles (see the docstring).
    Stops early, saying so, once `budget_s` seconds of predictions have been spent."""
    import pyarrow as pa
    import splink

    from app.settings import Settings
    from app.store.engine import make_engine
    from matching import state as link_state
    from matching.corpus import with_corpus
    from matching.features import COLUMNS, TF_COLUMNS, RawRecord, features
    from matching.link import SCHEMA
    from matching.model import _tf_lookup, load_version, splink_settings

    _quiet_logs()
    settings = Settings(data_dir=data_dir, database_url=None)
    clock = time.perf_counter()
    # The profiles exactly as the last link scored them, and the model it scored them with.
    state = link_state.load(settings.link_state_dir)
    if state is None:
        raise RuntimeError(f"no link state under {settings.link_state_dir}")
    model = load_version(settings.model_dir, state.model_version)
    if model is None:
        raise RuntimeError(f"model {state.model_version} missing from {settings.model_dir}")
    corpus = link_state.corpus_of(state)
    table = state.profiles.select(list(COLUMNS))
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            from sqlalchemy import text

            members = conn.execute(text("SELECT record_key, entity_id FROM entity_members"))
            entity_of = {str(k): str(e) for k, e in members}
    finally:
        engine.dispose()
    tf_columns = [f"tf_{c}" for c in TF_COLUMNS]
    api = splink.DuckDBAPI()
    existing = api.register(table.drop(tf_columns), dataset_display_name="existing")
    linker = splink.Linker(existing, splink_settings(model))
    # Splink 5's between path joins registered TF lookups (hardcoded tf_* columns break it).
    for column in TF_COLUMNS:
        lookup = api.register(_tf_lookup(table, column))
        linker.table_management.register_term_frequency_lookup(lookup, column)
    setup_s = time.perf_counter() - clock
    profiles_n = table.num_rows
    del table

    latencies: list[float] = []
    best: list[str | None] = []
    pairs_found = 0
    spent = 0.0
    for query in queries:
        if spent > budget_s:
            break
        started = time.perf_counter()
        raw = features(RawRecord("query", "query", query.name, query.rfc, None))
        row = with_corpus(raw, corpus) | {"_tokens": raw["_tokens"]}  # Index.query_row
        frame = api.register(pa.Table.from_pylist([row], schema=SCHEMA).drop(tf_columns))
        result = linker.inference.predict_between(
            existing, frame, threshold_match_probability=THRESHOLD
        )
        found = result.as_record_list()
        elapsed = time.perf_counter() - started
        spent += elapsed
        latencies.append(elapsed)
        pairs_found += len(found)
        top = max(found, key=lambda p: p["match_probability"], default=None)
        best.append(None if top is None else entity_of.get(str(top["unique_id_l"])))
        result.drop_table_from_database_and_remove_from_cache()
    return {
        "profiles": profiles_n,
        "setup_s": round(setup_s, 2),
        "queries": len(latencies),
        "stopped_early": len(latencies) < len(queries),
        "pairs_found": pairs_found,
        "latencies": latencies,
        "best": best,
    }


# --- one size --------------------------------------------------------------------------------
def prepare(
    size: int, seed: int, hidden: float, timeout: float, guard_mb: float | None
) -> tuple[Path, dict[str, Any]]:
    """Generate, ingest and link `size` records; returns the data dir and the figures. A child
    is killed past `timeout` seconds or `guard_mb` MB resident (bench/link.py's guard)."""
    from bench.labelled import FILES, generate

    work = WORK_DIR / str(size)
    shutil.rmtree(work, ignore_errors=True)
    data, var = work / "data", work / "var"
    firms = round(size / RECORDS_PER_FIRM)
    info: dict[str, Any] = {"target_records": size, "firms": firms}
    clock = time.perf_counter()
    truth = generate(data, firms, seed, hidden, keep_truth=False)
    (data / "truth.json").unlink(missing_ok=True)
    info["records"] = truth.counts["records"]
    info["generate_s"] = round(time.perf_counter() - clock, 2)
    print(f"  generated {info['records']:,} records in {info['generate_s']:.1f}s", flush=True)
    env = dict(os.environ)
    files = [f"{source}={data / name}" for source, name in FILES.items()]
    ingest = common.run_child(
        "bench.link", ["--child", "ingest", "--data-dir", str(var), "--files", *files], timeout, env
    )
    info["ingest_s"] = ingest["ingest_s"]
    print(f"  ingested in {ingest['ingest_s']:.1f}s", flush=True)
    link = common.run_child(
        "bench.link", ["--child", "link", "--data-dir", str(var), "--full"], timeout, env, guard_mb
    )
    info["link"] = {k: link[k] for k in ("records", "profiles", "links", "entities", "seconds")}
    print(
        f"  linked in {link['seconds']:.1f}s: {link['records']:,} records, "
        f"{link['profiles']:,} profiles, {link['entities']:,} entities",
        flush=True,
    )
    shutil.rmtree(data, ignore_errors=True)
    return var, info


def _officer_key(data_dir: Path) -> str:
    from app import keys
    from app.settings import Settings
    from app.store.engine import make_engine

    engine = make_engine(Settings(data_dir=data_dir, database_url=None))
    try:
        _, key = keys.create(engine, role="officer", name="bench/check.py")
    finally:
        engine.dispose()
    return key


def _guard(args: argparse.Namespace) -> float | None:
    return args.max_rss_gb * 1024 if args.max_rss_gb > 0 else None


def _mark(ok: bool) -> str:
    return "MET " if ok else "MISS"


def measure(data_dir: Path, args: argparse.Namespace, row: dict[str, Any]) -> None:
    db = data_dir / "testigo.db"
    queries = make_queries(db, args.warmup + args.queries, args.seed)
    warm, timed = queries[: args.warmup], queries[args.warmup :]
    subset = timed[: args.splink_queries]
    mix = {k: sum(1 for q in timed if q.kind == k) for k in KINDS}
    row["queries"] = {"warmup": len(warm), "timed": len(timed), "mix": mix}
    key = _officer_key(data_dir)

    server = Server(data_dir, args.workers, data_dir / "serve.log")
    try:
        row["ready_s"] = round(server.wait_ready(args.ready_timeout, _guard(args)), 1)
        row["server_rss_mb"] = round(server.rss_mb())
        print(
            f"  serving on {server.url} with {args.workers} workers: ready in "
            f"{row['ready_s']:.1f}s, {row['server_rss_mb']:,} MB resident",
            flush=True,
        )
        drive(server.url, key, warm, args.clients, keep=False)
        pids = _tree(server.proc.pid)
        server_cpu, client_cpu = _cpu_seconds(pids), time.process_time()
        run = drive(server.url, key, timed, args.clients, keep=False)
        server_cpu = _cpu_seconds(pids) - server_cpu
        client_cpu = time.process_time() - client_cpu
        failed = [s for s in run.statuses if s != 200]
        paced = drive_paced(server.url, key, timed, args.rate, args.paced_clients)
        failed += [s for s in paced.statuses if s != 200]
        one = drive(server.url, key, subset, 1, keep=True)
        failed += [s for s in one.statuses if s != 200]
    finally:
        server.stop()
    if failed:
        raise RuntimeError(f"{len(failed)} checks did not answer 200: {sorted(set(failed))}")

    rate = len(timed) / run.wall
    row["testigo"] = {
        "clients": args.clients,
        "workers": args.workers,
        "checks": len(timed),
        "wall_s": round(run.wall, 3),
        "checks_per_s": round(rate, 1),
        **latency(run.latencies),
        "by_kind": {
            k: latency([t for t, q in zip(run.latencies, timed, strict=True) if q.kind == k])
            for k in KINDS
        },
        "sequential": latency(one.latencies),
        "paced": {
            "rate": args.rate,
            "achieved_per_s": round(len(timed) / paced.wall, 1),
            "clients": args.paced_clients,
            **latency(paced.latencies),
        },
        "cpu_ms_per_check": {
            "server": round(server_cpu / len(timed) * 1000, 2),
            "client": round(client_cpu / len(timed) * 1000, 2),
        },
    }
    t = row["testigo"]
    print(
        f"  testigo, {args.clients} clients: {len(timed):,} checks in {run.wall:.2f}s = "
        f"{rate:,.0f} checks/s | p50 {t['p50_ms']:.2f} ms, p95 {t['p95_ms']:.2f} ms, "
        f"p99 {t['p99_ms']:.2f} ms, max {t['max_ms']:.1f} ms",
        flush=True,
    )
    cpu = t["cpu_ms_per_check"]
    print(
        f"    CPU per check: server {cpu['server']:.2f} ms, benchmark clients "
        f"{cpu['client']:.2f} ms (on {os.cpu_count()} cores)"
    )
    for k in KINDS:
        b = t["by_kind"][k]
        print(f"    {k:<10} ({mix[k]:,}): p50 {b['p50_ms']:.2f} ms, p99 {b['p99_ms']:.2f} ms")
    pc = t["paced"]
    print(
        f"  testigo at a steady {pc['rate']:,.0f} checks/s (open loop, achieved "
        f"{pc['achieved_per_s']:,.0f}/s): p50 {pc['p50_ms']:.2f} ms, p95 {pc['p95_ms']:.2f} ms, "
        f"p99 {pc['p99_ms']:.2f} ms, max {pc['max_ms']:.1f} ms",
        flush=True,
    )
    s = t["sequential"]
    print(
        f"  testigo, 1 client, first {len(subset)} queries: p50 {s['p50_ms']:.2f} ms, "
        f"p99 {s['p99_ms']:.2f} ms",
        flush=True,
    )

    base = splink_baseline(data_dir, subset, args.splink_budget)
    lat = base.pop("latencies")
    splink_best = base.pop("best")
    base.update(latency(lat) if lat else {})
    row["splink"] = base
    n = len(lat)
    ours = latency(one.latencies[:n])
    both = [(a, b) for a, b in zip(one.best[:n], splink_best, strict=True) if a or b]
    row["agreement"] = {
        "queries": n,
        "either_found": len(both),
        "same_best_entity": sum(1 for a, b in both if a == b),
        "testigo_only": sum(1 for a, b in both if a and not b),
        "splink_only": sum(1 for a, b in both if b and not a),
        "differences": [
            {"query": q.params(), "kind": q.kind, "testigo": a, "splink": b}
            for q, a, b in zip(subset, one.best[:n], splink_best, strict=False)
            if a != b
        ][:20],
    }
    speed_p50 = base["p50_ms"] / ours["p50_ms"]
    speed_mean = base["mean_ms"] / ours["mean_ms"]
    row["speedup"] = {"p50": round(speed_p50, 1), "mean": round(speed_mean, 1), "queries": n}
    print(
        f"  splink predict_between, 1 record at a time ({n} queries"
        f"{', stopped at the time budget' if base['stopped_early'] else ''}; setup "
        f"{base['setup_s']:.1f}s on {base['profiles']:,} profiles): p50 {base['p50_ms']:.1f} ms, "
        f"p99 {base['p99_ms']:.1f} ms",
        flush=True,
    )
    a = row["agreement"]
    print(
        f"  same best entity (p >= {THRESHOLD}): {a['same_best_entity']}/{a['either_found']} "
        f"queries where either found one (Testigo only {a['testigo_only']}, Splink only "
        f"{a['splink_only']})"
    )
    for d in a["differences"][:5]:
        print(f"    differ: {d['kind']} {d['query']}: Testigo {d['testigo']}, Splink {d['splink']}")
    # p99 is judged at a steady load of at least the target rate: a closed loop of N clients
    # at saturation waits N / throughput per check by Little's law, whatever the server does.
    row["targets"] = {
        "p99": pc["p99_ms"] < TARGET_P99_MS and pc["achieved_per_s"] >= TARGET_CHECKS_PER_S,
        "checks_per_s": rate >= TARGET_CHECKS_PER_S,
        "speedup": speed_p50 >= TARGET_SPEEDUP,
    }
    print(
        f"  {_mark(row['targets']['p99'])} p99 {pc['p99_ms']:.2f} ms at "
        f"{pc['achieved_per_s']:,.0f} checks/s (target < {TARGET_P99_MS:.0f})"
        f" | {_mark(row['targets']['checks_per_s'])} {rate:,.0f} checks/s (target >= "
        f"{TARGET_CHECKS_PER_S:.0f}) | {_mark(row['targets']['speedup'])} {speed_p50:,.1f}x "
        f"faster than Splink at p50 ({speed_mean:,.1f}x on the mean; target >= "
        f"{TARGET_SPEEDUP:.0f}x)",
        flush=True,
    )


def summary_table(sizes: list[dict[str, Any]]) -> Iterator[str]:
    yield (
        "records  saturated: checks/s  p50 ms  p99 ms | steady: checks/s  p50 ms  p95 ms  "
        "p99 ms | splink p50 ms  speedup(p50)"
    )
    for row in sizes:
        t, s = row.get("testigo"), row.get("splink")
        if not t:
            records = row.get("records", row.get("target_records", 0))
            yield f"{records:>9,}  FAILED: {row.get('error')}"
            continue
        pc = t["paced"]
        yield (
            f"{row['records']:>7,}  {t['checks_per_s']:>19,.0f}  {t['p50_ms']:>6.2f}  "
            f"{t['p99_ms']:>6.2f} | {pc['achieved_per_s']:>15,.0f}  {pc['p50_ms']:>6.2f}  "
            f"{pc['p95_ms']:>6.2f}  {pc['p99_ms']:>6.2f} | "
            f"{(s or {}).get('p50_ms', float('nan')):>13.1f}  {row['speedup']['p50']:>11.1f}x"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--linked", type=Path, help="measure this linked data dir instead")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--hidden", type=float, default=0.5, help="share of OCDS/register RFCs")
    parser.add_argument("--queries", type=int, default=2000, help="timed checks")
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="client threads (keep-alive)")
    parser.add_argument("--workers", type=int, default=2, help="testigo serve --workers")
    parser.add_argument(
        "--rate", type=float, default=250.0, help="checks/s of the steady (open-loop) run"
    )
    parser.add_argument(
        "--paced-clients", type=int, default=16, help="connections of the steady run"
    )
    parser.add_argument("--splink-queries", type=int, default=200)
    parser.add_argument(
        "--splink-budget", type=float, default=900.0, help="seconds of Splink predictions, at most"
    )
    parser.add_argument("--ready-timeout", type=float, default=3600.0)
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per subprocess")
    parser.add_argument(
        "--max-rss-gb",
        type=float,
        default=16.0,
        help="kill the ingest/link child, or stop the server, past this resident memory (0: off)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the linked databases")
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)

    info = common.machine()
    common.print_machine(info)
    print(
        f"targets: p99 < {TARGET_P99_MS:.0f} ms, >= {TARGET_CHECKS_PER_S:.0f} checks/s, >= "
        f"{TARGET_SPEEDUP:.0f}x faster than Splink's predict_between per query; "
        f"{args.queries:,} checks after {args.warmup} warm-up, {args.clients} clients, "
        f"{args.workers} workers; Splink on the first {args.splink_queries}",
        flush=True,
    )
    targets = {
        "p99_ms": TARGET_P99_MS,
        "checks_per_s": TARGET_CHECKS_PER_S,
        "speedup": TARGET_SPEEDUP,
    }
    report: dict[str, Any] = {**common.report_head(args, info, targets), "sizes": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        report["machine"]["loadavg_now"] = common.loadavg()
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    failed = False
    plan: list[int | Path] = [args.linked] if args.linked else sorted(set(args.records))
    for item in plan:
        row: dict[str, Any] = {}
        report["sizes"].append(row)
        try:
            if isinstance(item, Path):
                data_dir = item.resolve()
                con = sqlite3.connect(f"file:{data_dir / 'testigo.db'}?mode=ro", uri=True)
                (row["records"],) = con.execute("SELECT count(*) FROM link_records").fetchone()
                con.close()
                row["linked_dir"] = str(data_dir)
                print(f"\n=== {data_dir}: {row['records']:,} linked records ===", flush=True)
            else:
                print(f"\n=== {item:,} records === load {common.loadavg()}", flush=True)
                data_dir, prepared = prepare(
                    item, args.seed, args.hidden, args.timeout, _guard(args)
                )
                row.update(prepared)
            row["load_before"] = common.loadavg()
            measure(data_dir, args, row)
            row["load_after"] = common.loadavg()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            failed = True
            row["error"] = str(exc)
            print(f"  FAILED: {exc}", flush=True)
        save()
        if isinstance(item, int) and not args.keep:
            shutil.rmtree(WORK_DIR / str(item), ignore_errors=True)

    print("\n" + "\n".join(summary_table(report["sizes"])))
    print(f"\nfigures in {args.out}; load average at the end: {common.loadavg()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
