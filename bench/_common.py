"""What the benchmarks share: the machine they ran on (printed as a header and kept in each
report, since a figure means little without the load beside it), and running a measurement in
a child process of the same script, so that each one starts with a clean heap and its peak
memory is its own.

Benchmarks are modules of the `bench` package, run from the repository's root as
`python -m bench.NAME`: that puts the root on the import path, so `bench.*` and the project's
packages import with no path fix-ups."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# A child prints its result as one line after this mark; anything else it prints is progress.
RESULT_MARK = "BENCH_RESULT "


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def memory_mb() -> tuple[float, float]:
    """(peak, current) resident memory of this process in MB: VmHWM and VmRSS from /proc
    (ru_maxrss is the fallback off Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    current = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
            elif line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return round(peak, 1), round(current, 1)


def machine() -> dict[str, Any]:
    """The machine, its load and the library versions, as a report records them."""
    info: dict[str, Any] = {
        "node": platform.node(),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "loadavg_start": loadavg(),
    }
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        info["mem_gb"] = round(int(meminfo[0].split()[1]) / 1024 / 1024, 1)
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                info["mem_available_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(ImportError):
        import duckdb
        import splink

        info["duckdb"] = duckdb.__version__
        info["splink"] = splink.__version__
    # Other benchmarks on a shared machine explain slow figures better than the load alone.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        ps = subprocess.run(["ps", "-eo", "pid,pcpu,rss,args"], capture_output=True, text=True)
        info["other_benchmarks"] = [
            " ".join(line.split()[:6])
            for line in ps.stdout.splitlines()
            if ("bench/" in line or "bench." in line) and str(os.getpid()) not in line.split()[:1]
        ]
    return info


def print_machine(info: dict[str, Any]) -> None:
    """The header every benchmark prints first: the machine, and how loaded it is."""
    print(
        f"machine: nproc={info['nproc']} (usable {info['usable_cpus']}), "
        f"cpu={info.get('cpu', '?')}, mem={info.get('mem_gb', '?')} GB "
        f"({info.get('mem_available_gb', '?')} GB available), python {info['python']} "
        f"({info['implementation']}), sqlite {info['sqlite']}, duckdb {info.get('duckdb', '?')}, "
        f"splink {info.get('splink', '?')}, {info['platform']}"
    )
    print(
        f"load average at start: {info['loadavg_start']} (the machine may be shared: compare "
        "ratios within one run)"
    )
    for line in info.get("other_benchmarks") or []:
        print(f"  also running: {line}")


def report_head(args: argparse.Namespace, machine: Any, targets: Any) -> dict[str, Any]:
    """How a benchmark's JSON report starts: its options (paths as text), when it started, the
    machine it ran on and the targets its figures are held against."""
    return {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "started": datetime.now(UTC).isoformat(),
        "machine": machine,
        "targets": targets,
    }


def child_result(result: dict[str, Any]) -> None:
    """Hand a child's result to its parent (`run_child`)."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def status_mb(pids: Iterable[int], field: str = "VmRSS") -> float:
    """One memory field of /proc/PID/status (VmRSS resident now, VmHWM its peak) summed over
    `pids`, in MB; a process that has gone counts nothing."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) / 1024
    return total


def run_child(
    module: str,
    argv: list[str],
    timeout: float,
    env: dict[str, str] | None = None,
    max_rss_mb: float | None = None,
) -> dict[str, Any]:
    """Run `python -m MODULE ARGV` from the repository's root and return the result it hands
    back (`child_result`), with `process_s`, its wall time; its stderr (progress, and a
    traceback if it fails) goes straight to ours. The child is killed past `timeout` seconds
    or, as a guard for a shared machine, when its resident memory passes `max_rss_mb`."""
    command = [sys.executable, "-m", module, *argv]
    started = time.perf_counter()
    killed: str | None = None
    seen_mb = 0.0
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=out, stderr=None, env=env)
        while True:
            try:
                proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                pass
            seen_mb = max(seen_mb, status_mb([proc.pid]))
            elapsed = time.perf_counter() - started
            if elapsed > timeout:
                killed = f"timed out after {elapsed:.0f}s"
            elif max_rss_mb is not None and seen_mb > max_rss_mb:
                killed = f"resident memory {seen_mb:,.0f} MB passed the {max_rss_mb:,.0f} MB guard"
            if killed:
                proc.kill()
                proc.wait()
                break
        process_s = time.perf_counter() - started
        out.seek(0)
        stdout = out.read()
    if killed:
        raise RuntimeError(
            f"child {argv[:2]} killed after {process_s:.0f}s: {killed} "
            f"(largest RSS seen {seen_mb:,.0f} MB)"
        )
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
            result["process_s"] = round(process_s, 2)
            return result
    tail = stdout.strip().splitlines()[-15:]
    raise RuntimeError(
        f"child {argv[:2]} exited {proc.returncode} after {process_s:.0f}s "
        "(its traceback is on stderr above):\n" + "\n".join(tail)
    )
