"""Load, soak and faults: the service under a mixed load, for a long while, through a nightly run,
a PostgreSQL restart and a killed worker (issue #15). Loopback only; the figures go to
bench/out/load.json with the machine they ran on.

1. **Data.** A private PostgreSQL cluster (bench/pgcluster.py: never the shared server on
   5432, since the soak restarts it), labelled data of `--records` records (bench/labelled.py),
   ingested and linked with the `testigo` commands (`db upgrade`, four `ingest`s, `link
   --full`), served with `testigo serve --workers N` (bench/check.py's Server).
2. **Load.** locust (bench/load_users.py, headless, in its own process) sends a fixed seeded mix
   drawn from the linked records (bench/check.py's queries): checks, batches of 10 records to
   /v1/match and entity reads, 8:1:1. Saturation is a closed loop of `--sat-users` users sending
   as fast as answers come; then the same mix at 50%, 80% and 100% of that rate (each user at
   `constant_throughput`). Per level: throughput (2xx/s), p50/p99 of the 2xx answers, error rate.
3. **Soak** (`--soak-minutes`): checks only, at `--soak-share` of the saturated check rate.
   Halfway, `testigo nightly` ingests a small new OCDS snapshot (bench/link.py's new records),
   links incrementally, scans and sends its digest to an aiosmtpd server on loopback. Every
   `--rss-every` seconds each worker's resident memory is sampled. At the end the server is
   stopped (its audit writers drain) and the audit entries of the soak's key are counted
   against the checks answered 2xx.
4. **Faults** (`--faults`): at a quarter of the soak the private PostgreSQL is stopped
   (`pg_ctl -m fast`) for `--pg-down-seconds` and started again; at three quarters one uvicorn
   worker is sent SIGKILL. Checks must answer 503 with Retry-After while the database is away,
   never 500, and recover by themselves; the other worker must keep answering.

The machine is shared: locust, the server, PostgreSQL and the nightly run share its cores with
whatever else runs (the header lists other benchmarks; the load average is recorded).

    python -m bench.load [--records 100000] [--soak-minutes 30] [--faults] [--workers 2]
    python -m bench.load --records 20000 --soak-minutes 3 --faults    # a quick run
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import _common as common
from bench import traffic
from bench.check import Server, _env, _testigo, _tree, draw_queries
from bench.link import RECORDS_PER_FIRM, write_new_records
from bench.pgcluster import Cluster

OUT_FILE = common.REPO_ROOT / "bench" / "out" / "load.json"
WORK_DIR = common.REPO_ROOT / "bench" / "out" / "load-work"
USERS_FILE = common.REPO_ROOT / "bench" / "load_users.py"
MIX = {"check": 8, "match": 1, "entity": 1}
MATCH_BATCH = 10
RAMP_S = 3.0  # the first seconds of a run, while locust starts its users, are not measured
# After a fault or the nightly run the service settles (reconnects, loads the new index):
# these seconds after each event are left out of the quiet period too.
SETTLE_S = 30.0


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- the data ----------------------------------------------------------------------------------
def testigo(env: dict[str, str], *args: str, timeout: float = 7200) -> str:
    """Run one `testigo` command; its stdout, or RuntimeError with its error line."""
    done = subprocess.run(
        [*_testigo(), *args],
        cwd=common.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"testigo {' '.join(args[:2])} exited {done.returncode}: {tail}")
    return done.stdout


def prepare(records: int, seed: int, data: Path, env: dict[str, str]) -> dict[str, Any]:
    from bench.labelled import FILES, REGISTER, REGISTER_MAPPING, generate

    info: dict[str, Any] = {"target_records": records}
    clock = time.perf_counter()
    truth = generate(data, round(records / RECORDS_PER_FIRM), seed, 0.5, keep_truth=False)
    (data / "truth.json").unlink(missing_ok=True)
    info["records"] = truth.counts["records"]
    info["generate_s"] = round(time.perf_counter() - clock, 1)
    log(f"generated {info['records']:,} records in {info['generate_s']}s")
    clock = time.perf_counter()
    testigo(env, "db", "upgrade")
    mapping = ",".join(f"{k}={v}" for k, v in REGISTER_MAPPING.items())
    testigo(env, "ingest", "ocds", str(data / FILES["ocds"]))
    testigo(env, "ingest", "sanctions", "--format", "sfp", str(data / FILES["sfp"]))
    testigo(env, "ingest", "sanctions", "--format", "sat-69b", str(data / FILES["sat69b"]))
    testigo(
        env, "ingest", "suppliers", "--format", "csv", "--register", REGISTER, "--map", mapping,
        str(data / FILES["register"]),
    )  # fmt: skip
    info["ingest_s"] = round(time.perf_counter() - clock, 1)
    log(f"ingested into PostgreSQL in {info['ingest_s']}s")
    clock = time.perf_counter()
    linked = json.loads(testigo(env, "link", "--full", "--json"))
    info["link_s"] = round(time.perf_counter() - clock, 1)
    info["link"] = {k: linked.get(k) for k in ("records", "profiles", "links", "entities")}
    log(f"linked in {info['link_s']}s: {info['link']}")
    return info


def new_key(env: dict[str, str], role: str, name: str) -> str:
    return testigo(env, "apikey", "create", "--role", role, "--name", name).strip()


def plan_items(url: str, seed: int, n: int) -> dict[str, Any]:
    """The seeded requests: checks as bench/check.py draws them, match batches of the same
    kind of query, and entity ids."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT rfc, name FROM link_records")).all()
            entities = sorted(
                str(e)
                for (e,) in conn.execute(text("SELECT DISTINCT entity_id FROM entity_members"))
            )
    finally:
        engine.dispose()
    rfcs = sorted({r for r, _ in rows if r})
    names = sorted({m for _, m in rows if m and len(m) >= 4})
    checks = [q.params() for q in draw_queries(rfcs, names, n, seed)]
    batch = [q.params() for q in draw_queries(rfcs, names, n, seed + 1)]
    matches = [batch[i : i + MATCH_BATCH] for i in range(0, len(batch), MATCH_BATCH)]
    rng = random.Random(f"load-{seed}")
    return {
        "checks": checks,
        "matches": matches,
        "entities": rng.sample(entities, min(n, len(entities))),
    }


# --- locust ------------------------------------------------------------------------------------
def tree_cpu_seconds(root: int) -> float:
    """CPU seconds spent by the process tree under `root`, including the children that have
    ended (each process's own time plus that of its children it has reaped), so that a
    PostgreSQL backend closed mid-run or a killed worker is not subtracted."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _tree(root):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / ticks
    return total


PidSets = dict[str, Callable[[], float]]  # a name -> CPU seconds spent so far


class Swarm:
    """One headless locust run in its own process; its request log is read when it ends. The
    CPU time spent meanwhile by each named set of processes (`cpu_of`: the server, PostgreSQL)
    and by locust itself is recorded, since on a shared 2-core machine the load generator
    and the database take cores from the server."""

    def __init__(
        self,
        url: str,
        plan: dict[str, Any],
        users: int,
        seconds: float,
        name: str,
        cpu_of: PidSets | None = None,
    ) -> None:
        self.cpu_of = cpu_of or {}
        self.cpu_start = {k: seconds() for k, seconds in self.cpu_of.items()}
        self.cpu: dict[str, float | None] = {}
        self.log = WORK_DIR / f"requests-{name}.csv"
        self.log.unlink(missing_ok=True)
        plan_file = WORK_DIR / f"plan-{name}.json"
        plan_file.write_text(json.dumps(plan | {"log": str(self.log)}))
        command = [
            sys.executable, "-m", "locust", "-f", str(USERS_FILE), "--headless",
            "-u", str(users), "-r", str(users), "-t", f"{round(seconds)}s", "--host", url,
            "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
            "--stop-timeout", "5",
        ]  # fmt: skip
        env = dict(os.environ) | {"LOAD_PLAN": str(plan_file)}
        self.out = (WORK_DIR / f"locust-{name}.log").open("wb")
        self.started = time.time()
        self.proc = subprocess.Popen(command, env=env, stdout=self.out, stderr=subprocess.STDOUT)

    def wait(self, timeout: float) -> list[traffic.Sample]:
        deadline = time.time() + timeout
        locust_cpu = 0.0
        try:
            while self.proc.poll() is None and time.time() < deadline:
                locust_cpu = max(locust_cpu, tree_cpu_seconds(self.proc.pid))
                time.sleep(0.5)
            # A restarted PostgreSQL is a new process tree, whose time cannot be told apart
            # from before: a negative difference is reported as unknown.
            spent = {k: seconds() - self.cpu_start[k] for k, seconds in self.cpu_of.items()}
            self.cpu = {k: round(v, 1) if v >= 0 else None for k, v in spent.items()}
            self.cpu["locust"] = round(locust_cpu, 1)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.out.close()
        if not self.log.exists():
            raise RuntimeError(f"locust wrote no request log; see {self.out.name}")
        return traffic.read_log(self.log)


def swarm(
    url: str, plan: dict[str, Any], users: int, seconds: float, name: str, cpu_of: PidSets
) -> tuple[list[traffic.Sample], float, dict[str, Any]]:
    """Run locust for `seconds`; the samples after the ramp, the seconds they span, and the
    CPU milliseconds each set of processes spent per request answered (the ramp's included)."""
    run = Swarm(url, plan, users, seconds, name, cpu_of)
    samples = run.wait(seconds + 60)
    begin = run.started + RAMP_S
    kept = [s for s in samples if s.start >= begin]
    span = max((s.start for s in kept), default=begin) - begin
    answered = max(1, sum(1 for s in samples if s.ok))
    cpu = {
        f"{k}_ms_per_ok": round(v * 1000 / answered, 2) if v is not None else None
        for k, v in run.cpu.items()
    }
    return kept, span, cpu


def _line(label: str, s: dict[str, Any]) -> str:
    return (
        f"{label}: {s['ok_per_s']:,.1f} ok/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
        f"error rate {s['error_rate']:.3%}, statuses {s['statuses']}"
    )


def load_levels(
    url: str, plan: dict[str, Any], args: argparse.Namespace, cpu_of: PidSets
) -> dict[str, Any]:
    """Saturation (closed loop), then the paced levels of the saturated rate."""
    closed = plan | {"rate_per_user": 0}
    swarm(url, closed, args.sat_users, 10, "warmup", cpu_of)
    samples, span, cpu = swarm(
        url, closed, args.sat_users, args.level_seconds, "saturation", cpu_of
    )
    sat = traffic.summary(samples, span) | {"users": args.sat_users, "cpu": cpu}
    sat["by_kind"] = traffic.by_kind(samples, span)
    log(_line(f"saturation ({args.sat_users} users, closed loop)", sat) + f", CPU {cpu}")
    out: dict[str, Any] = {"saturation": sat, "levels": []}
    users = args.level_users
    for share, rate in zip(traffic.LEVELS, traffic.rate_levels(sat["ok_per_s"]), strict=True):
        paced = plan | {"rate_per_user": rate / users}
        samples, span, cpu = swarm(
            url, paced, users, args.level_seconds, f"level-{share:.0%}", cpu_of
        )
        row = {"share": share, "target_per_s": rate, "users": users, "cpu": cpu}
        row |= traffic.summary(samples, span)
        row["by_kind"] = traffic.by_kind(samples, span)
        out["levels"].append(row)
        log(_line(f"{share:.0%} of saturation, target {rate}/s", row) + f", CPU {cpu}")
    return out


# --- the soak ----------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children.extend(int(c) for c in (task / "children").read_text().split())
    return sorted(children)


def workers_of(server: Server) -> list[int]:
    """The uvicorn worker processes: the server's children but multiprocessing's resource
    tracker, which uvicorn's spawned workers bring along."""
    workers = []
    for pid in _children(server.proc.pid):
        with contextlib.suppress(OSError):
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.append(pid)
    return workers


def rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


class MemoryProbe(threading.Thread):
    """Samples each worker's resident memory every `every` seconds until stopped."""

    def __init__(self, server: Server, every: float) -> None:
        super().__init__(name="rss-probe", daemon=True)
        self.server, self.every = server, every
        self.points: list[dict[str, Any]] = []
        self.started = time.time()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            at = round(time.time() - self.started, 1)
            for pid in workers_of(self.server):
                mb = rss_mb(pid)
                if mb is not None:
                    self.points.append({"t_s": at, "pid": pid, "rss_mb": round(mb, 1)})

    def stop(self) -> None:
        self._halt.set()
        self.join(10)

    def trends(self, since: float = 0.0) -> dict[str, Any]:
        points = [p for p in self.points if p["t_s"] >= since]
        pids = sorted({p["pid"] for p in points})
        return {
            str(pid): traffic.rss_trend(
                [(p["t_s"], p["rss_mb"]) for p in points if p["pid"] == pid]
            )
            for pid in pids
        }


class Mailbox:
    """An SMTP server on loopback that counts the messages it receives (aiosmtpd)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        from bench.pgcluster import free_port

        self.received = 0
        self.largest_mb = 0.0
        self.port = free_port()
        # No size limit (aiosmtpd's default is 32 MB): the bench measures the service, and
        # reports the digest's size instead (a labelled dataset has thousands of alerts).
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, data_size_limit=0)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        self.largest_mb = max(self.largest_mb, len(envelope.content) / 1e6)
        return "250 OK"


def at(moment: float, action: Callable[[], None]) -> None:
    """Sleep until `moment` (epoch seconds), then act."""
    time.sleep(max(0.0, moment - time.time()))
    action()


def soak(
    server: Server,
    cluster: Cluster,
    env: dict[str, str],
    plan: dict[str, Any],
    check_rate: float,
    data: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    seconds = args.soak_minutes * 60
    rate = round(check_rate * args.soak_share, 1)
    users = args.level_users
    out: dict[str, Any] = {"minutes": args.soak_minutes, "target_checks_per_s": rate}
    work = WORK_DIR / "nightly"
    work.mkdir(parents=True, exist_ok=True)
    new = write_new_records(data, work, args.new_records, args.seed + 1, 0.5)
    sources = work / "sources.toml"
    sources.write_text(f'[[sources]]\nkind = "ocds"\nlocation = "{new["path"]}"\n')
    mailbox = Mailbox()
    mailbox.controller.start()
    nightly_env = env | {
        "TESTIGO_SOURCES": str(sources),
        "TESTIGO_SMTP_HOST": "127.0.0.1",
        "TESTIGO_SMTP_PORT": str(mailbox.port),
        "TESTIGO_DIGEST_WHEN_EMPTY": "true",
    }
    testigo(env, "subscribe", "auditor@example.org")
    events: dict[str, Any] = {}
    log(f"soak: {args.soak_minutes} min of checks at {rate}/s ({users} users)")
    probe = MemoryProbe(server, args.rss_every)
    cpu_of: PidSets = {
        "server": lambda: tree_cpu_seconds(server.proc.pid),
        "postgres": lambda: sum(tree_cpu_seconds(p) for p in cluster.pids()[:1]),
    }
    paced = plan | {"rate_per_user": rate / users}
    run = Swarm(server.url, paced, users, seconds, "soak", cpu_of)
    probe.started = run.started
    probe.start()
    t0 = run.started

    def restart_pg() -> None:
        events["pg_down"] = time.time()
        cluster.stop("fast")
        log("soak: PostgreSQL stopped")
        time.sleep(args.pg_down_seconds)
        cluster.start()
        events["pg_up"] = time.time()
        log("soak: PostgreSQL started again")

    def nightly() -> None:
        events["nightly_start"] = time.time()
        done = subprocess.run(
            [*_testigo(), "nightly"], cwd=common.REPO_ROOT, env=nightly_env,
            capture_output=True, text=True, timeout=seconds,
        )  # fmt: skip
        events["nightly_end"] = time.time()
        said = (done.stdout + done.stderr).splitlines()
        line = next((x for x in said if x.startswith("nightly:")), said[-1] if said else "")
        events["nightly"] = {"exit": done.returncode, "summary": line}
        log(f"soak: nightly exited {done.returncode}: {events['nightly']['summary']}")

    def kill_worker() -> None:
        before = workers_of(server)
        victim = before[-1]
        events["kill"] = time.time()
        os.kill(victim, signal.SIGKILL)
        log(f"soak: worker {victim} killed (workers were {before})")
        time.sleep(15)
        after = workers_of(server)
        events["workers"] = {"before": before, "killed": victim, "15s_after": after}
        events["respawned"] = len(after) >= len(before) and victim not in after

    try:
        if args.faults:
            at(t0 + 0.25 * seconds, restart_pg)
        at(t0 + 0.5 * seconds, nightly)
        if args.faults:
            at(t0 + 0.8 * seconds, kill_worker)
        samples = run.wait(seconds + 120)
    finally:
        probe.stop()
        mailbox.controller.stop()
    samples = [s for s in samples if s.start >= t0 + RAMP_S]
    out["mail_received"] = mailbox.received
    out["largest_mail_mb"] = round(mailbox.largest_mb, 1)
    out["new_snapshot"] = {k: new[k] for k in ("records", "releases")}
    out["events_s"] = {k: round(v - t0, 1) for k, v in events.items() if isinstance(v, float)}
    out |= {k: v for k, v in events.items() if not isinstance(v, float)}
    out["all"] = traffic.summary(samples)
    out["cpu_s"] = run.cpu

    windows = [(events["nightly_start"], events["nightly_end"] + SETTLE_S)]
    if "pg_down" in events:
        windows.append((events["pg_down"] - 1, events["pg_up"] + SETTLE_S))
        out["pg_restart"] = traffic.fault(samples, events["pg_down"], events["pg_up"], SETTLE_S)
    if "kill" in events:
        windows.append((events["kill"] - 1, events["kill"] + 15))
        around = traffic.between(samples, events["kill"] - 1, events["kill"] + 15)
        out["worker_kill"] = traffic.summary(around) | {
            "after_kill": traffic.summary(traffic.between(samples, events["kill"] + 15, 1e12))
        }
    quiet = traffic.outside(samples, windows)
    during = traffic.between(samples, events["nightly_start"], events["nightly_end"] + SETTLE_S)
    span = out["all"]["seconds"]
    first = min((s.start for s in samples), default=0.0)
    out["quiet"] = traffic.summary(quiet, span - traffic.covered(windows, first, first + span))
    out["during_nightly"] = traffic.summary(
        during, events["nightly_end"] + SETTLE_S - events["nightly_start"]
    )
    q99, n99 = out["quiet"]["p99_ms"], out["during_nightly"]["p99_ms"]
    out["nightly_p99_ratio"] = round(n99 / q99, 2) if q99 and n99 else None
    out["rss"] = probe.trends()
    # Memory is flat when it stops growing once the new index is in: the trend from the
    # nightly's settling on, beside the whole soak's.
    out["rss_after_nightly"] = probe.trends(since=events["nightly_end"] + SETTLE_S - t0)
    out["rss_points"] = probe.points

    # Stopped with SIGTERM, each live worker's audit writer drains before the count.
    server.stop()
    ok_checks = sum(1 for s in samples if s.ok)
    sent_ok_before_ramp = 0  # the ramp's checks were audited too: count them from the log
    with contextlib.suppress(OSError):
        sent_ok_before_ramp = sum(
            1 for s in traffic.read_log(run.log) if s.ok and s.start < t0 + RAMP_S
        )
    out["audit"] = traffic.audit_gap(ok_checks + sent_ok_before_ramp, count_audit(cluster.url))
    return out


def count_audit(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sql = "SELECT count(*) FROM audit_log WHERE key_name = :name AND action = 'check'"
            return int(conn.execute(text(sql), {"name": "bench/load soak"}).scalar_one())
    finally:
        engine.dispose()


def report(result: dict[str, Any]) -> None:
    soaked = result.get("soak")
    if not soaked:
        return
    print(_line("soak, all", soaked["all"]))
    print(_line("soak, quiet", soaked["quiet"]))
    print(_line("soak, nightly + 30 s", soaked["during_nightly"]))
    print(f"  nightly p99 / quiet p99: {soaked['nightly_p99_ratio']} (target <= 2)")
    print(
        f"  audit: {soaked['audit']}; digest mails received: {soaked['mail_received']} "
        f"(largest {soaked['largest_mail_mb']} MB)"
    )
    for pid, trend in soaked["rss"].items():
        print(f"  worker {pid} RSS: {trend}")
    for pid, trend in soaked["rss_after_nightly"].items():
        print(f"  worker {pid} RSS after the nightly settled: {trend}")
    print(f"  CPU seconds over the soak: {soaked['cpu_s']}")
    if "pg_restart" in soaked:
        print(f"  PostgreSQL restart: {soaked['pg_restart']}")
    if "worker_kill" in soaked:
        print(_line("  worker kill (-1 s..+15 s)", soaked["worker_kill"]))
        print(_line("  after the kill", soaked["worker_kill"]["after_kill"]))
        print(f"  workers: {soaked.get('workers')}, respawned: {soaked.get('respawned')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=3000, help="distinct queries of a kind")
    parser.add_argument("--sat-users", type=int, default=32)
    parser.add_argument("--level-users", type=int, default=48)
    parser.add_argument("--level-seconds", type=float, default=60)
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--soak-share", type=float, default=0.5, help="of the saturated checks/s")
    parser.add_argument("--new-records", type=int, default=0, help="nightly snapshot (default 1%%)")
    parser.add_argument("--rss-every", type=float, default=5.0)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--pg-down-seconds", type=float, default=15.0)
    parser.add_argument("--keep", action="store_true", help="keep bench/out/load-work")
    args = parser.parse_args(argv)
    args.new_records = args.new_records or max(200, args.records // 100)

    info = common.machine()
    common.print_machine(info)
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    result: dict[str, Any] = {"machine": info, "args": vars(args), "started": time.time()}
    cluster = Cluster(Path(f"/tmp/testigo-load-pg-{os.getpid()}"))
    server: Server | None = None
    try:
        cluster.create()
        log(f"private PostgreSQL on 127.0.0.1:{cluster.port}")
        var, data = WORK_DIR / "var", WORK_DIR / "data"
        env = _env(var, cluster.url) | {"TESTIGO_LOG_LEVEL": "WARNING"}
        result["data"] = prepare(args.records, args.seed, data, env)
        plan = plan_items(cluster.url, args.seed, args.requests) | {
            "officer_key": new_key(env, "officer", "bench/load"),
            "auditor_key": new_key(env, "auditor", "bench/load auditor"),
            "mix": MIX,
        }
        server = Server(var, args.workers, WORK_DIR / "serve.log", cluster.url)
        result["ready_s"] = round(server.wait_ready(1800, None), 1)
        log(f"serving on {server.url} with {args.workers} workers")
        live = server
        cpu_of: PidSets = {
            "server": lambda: tree_cpu_seconds(live.proc.pid),
            "postgres": lambda: sum(tree_cpu_seconds(p) for p in cluster.pids()[:1]),
        }
        result["load"] = load_levels(server.url, plan, args, cpu_of)
        check_rate = result["load"]["saturation"]["by_kind"]["check"]["ok_per_s"]
        # The soak sends checks alone, so its rate is a share of the saturated rate of checks
        # alone: the mixed rate's checks undercount it by the time matches take.
        checks_only = plan | {"mix": {"check": 1, "match": 0, "entity": 0}, "rate_per_user": 0}
        samples, span, cpu = swarm(
            server.url, checks_only, args.sat_users, 30, "saturation-checks", cpu_of
        )
        sat_checks = traffic.summary(samples, span) | {"cpu": cpu}
        result["load"]["saturation_checks_only"] = sat_checks
        log(_line("saturation, checks only", sat_checks) + f", CPU {cpu}")
        check_rate = sat_checks["ok_per_s"] or check_rate
        soak_plan = checks_only | {"officer_key": new_key(env, "officer", "bench/load soak")}
        result["soak"] = soak(server, cluster, env, soak_plan, check_rate, data, args)
        report(result)
    finally:
        result["loadavg_end"] = common.loadavg()
        OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
        OUT_FILE.write_text(json.dumps(result, indent=1))
        print(f"results: {OUT_FILE}")
        if server is not None:
            server.stop()
        cluster.destroy()
        if not args.keep:
            shutil.rmtree(WORK_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
