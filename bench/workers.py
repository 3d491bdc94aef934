"""Memory of the API's workers: `testigo serve --workers N` on one linked data dir, for each N,
after every worker has loaded its index and answered checks (so the pages a check reads are in).

Resident memory (RSS) counts every page a process maps, shared or not, so N workers that map one
file each count it N times; PSS (proportional set size, /proc/PID/smaps_rollup) charges a page
shared by k processes 1/k to each, so the PSS of the whole server is what it really takes, and
the growth from N to N + 1 workers is what one more worker costs.

    python -m bench.workers --linked bench/out/check-work/100000/var [--workers 1 2 4]
                            [--checks 600] [--clients 8]

Make the linked dir with `python -m bench.check --records N --keep`. Figures go to
bench/out/workers.json."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from bench import _common as common
from bench.check import Server, _officer_key, _tree, drive, make_queries

OUT_FILE = common.REPO_ROOT / "bench" / "out" / "workers.json"


def smaps_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and the anonymous (private heap) part of a process, in MB."""
    found = {"rss": 0.0, "pss": 0.0, "anonymous": 0.0}
    names = {"Rss:": "rss", "Pss:": "pss", "Anonymous:": "anonymous"}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in names:
                found[names[parts[0]]] = round(int(parts[1]) / 1024, 1)
    return found


def _name(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    return "?"


def measure(data_dir: Path, workers: int, checks: int, clients: int, seed: int) -> dict[str, Any]:
    queries = make_queries(data_dir / "testigo.db", checks, seed)
    key = _officer_key(data_dir)
    server = Server(data_dir, workers, data_dir / f"serve-{workers}.log")
    try:
        ready_s = server.wait_ready(3600.0, None)
        # Several clients per worker, so that every worker answers some of the checks.
        drive(server.url, key, queries, max(clients, 2 * workers), keep=False)
        processes = [
            {"pid": pid, "command": _name(pid), **smaps_mb(pid)} for pid in _tree(server.proc.pid)
        ]
    finally:
        server.stop()
    total = {k: round(sum(p[k] for p in processes), 1) for k in ("rss", "pss", "anonymous")}
    return {
        "workers": workers,
        "ready_s": round(ready_s, 1),
        "total_mb": total,
        "processes": processes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--linked", type=Path, required=True, help="a linked data dir")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--checks", type=int, default=600, help="checks sent before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)
    info = common.machine()
    common.print_machine(info)
    data_dir = args.linked.resolve()
    rows = []
    for workers in args.workers:
        row = measure(data_dir, workers, args.checks, args.clients, args.seed)
        rows.append(row)
        t = row["total_mb"]
        print(
            f"{workers} workers: ready in {row['ready_s']:.1f}s | whole server RSS "
            f"{t['rss']:,.0f} MB, PSS {t['pss']:,.0f} MB, anonymous {t['anonymous']:,.0f} MB",
            flush=True,
        )
        for p in row["processes"]:
            print(f"    pid {p['pid']}: RSS {p['rss']:,.0f} PSS {p['pss']:,.0f} MB  {p['command']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"linked": str(data_dir), "machine": info, "runs": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
