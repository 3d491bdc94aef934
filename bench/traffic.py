"""The figures of a load run, from the log of every request (bench/load_users.py): plain
functions on plain values, so they are tested without a server (tests/bench/test_traffic.py).

An error is any answer that is not 2xx, or no answer at all (status 0): a 503 counts, since a
client was not served, and is told apart from a 500 in `statuses`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS = (0.5, 0.8, 1.0)  # shares of the saturated rate the paced runs aim at


@dataclass(frozen=True, slots=True)
class Sample:
    start: float  # epoch seconds the request was sent
    kind: str  # check | match | entity
    status: int  # 0: no answer (the connection failed or timed out)
    ms: float
    retry_after: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def read_log(path: Path) -> list[Sample]:
    """The samples of a request log, in the order they were written; a torn last line (a user
    stopped mid-write) is skipped."""
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split(",")
            if len(parts) != 5:
                continue
            try:
                out.append(
                    Sample(
                        float(parts[0]), parts[1], int(parts[2]), float(parts[3]), parts[4] == "1"
                    )
                )
            except ValueError:
                continue
    return out


def rate_levels(saturated: float, shares: Sequence[float] = LEVELS) -> list[float]:
    """The rates (requests/s) of the paced runs: each share of the saturated rate, rounded to a
    tenth. A saturation of zero or less has no levels."""
    if saturated <= 0:
        return []
    return [round(saturated * share, 1) for share in shares]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by nearest rank (the smallest value with at least q% of the values
    at or below it); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(samples: Sequence[Sample], seconds: float | None = None) -> dict[str, Any]:
    """Requests, throughput (answered 2xx per second over `seconds`, by default the span of the
    samples' start times), p50/p99 of the 2xx answers' latency, error rate and status counts."""
    if seconds is None:
        seconds = (max(s.start for s in samples) - min(s.start for s in samples)) if samples else 0
    ok = [s.ms for s in samples if s.ok]
    errors = len(samples) - len(ok)
    return {
        "requests": len(samples),
        "ok": len(ok),
        "seconds": round(seconds, 1),
        "ok_per_s": round(len(ok) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(ok, 50), 2) if ok else None,
        "p99_ms": round(percentile(ok, 99), 2) if ok else None,
        "max_ms": round(max(ok), 1) if ok else None,
        "error_rate": round(errors / len(samples), 5) if samples else 0.0,
        "statuses": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())},
    }


def by_kind(samples: Sequence[Sample], seconds: float | None = None) -> dict[str, Any]:
    kinds = sorted({s.kind for s in samples})
    return {k: summary([s for s in samples if s.kind == k], seconds) for k in kinds}


def between(samples: Iterable[Sample], start: float, end: float) -> list[Sample]:
    """The samples sent in [start, end)."""
    return [s for s in samples if start <= s.start < end]


def outside(samples: Iterable[Sample], windows: Sequence[tuple[float, float]]) -> list[Sample]:
    """The samples sent outside every [start, end) window: the quiet part of a soak."""
    return [s for s in samples if not any(a <= s.start < b for a, b in windows)]


def covered(windows: Sequence[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of [start, end) inside at least one window (overlaps counted once): what a
    quiet period's rate leaves out of its duration."""
    total, reach = 0.0, start
    for a, b in sorted(windows):
        a, b = max(a, reach), min(b, end)
        if b > a:
            total += b - a
            reach = b
    return total


def fault(
    samples: Sequence[Sample], down: float, up: float, settle: float = 30.0
) -> dict[str, Any]:
    """What clients saw while a dependency was away (sent in [down, up)) and after: each status
    while it was away, how many 503s lacked Retry-After, the 500s (a failure to report, never
    expected), the seconds from `up` to the first 2xx answer (None if none came), and the
    errors between that answer and `settle` seconds after `up`."""
    away = between(samples, down, up)
    after = sorted((s for s in samples if s.start >= up), key=lambda s: s.start)
    first_ok = next((s for s in after if s.ok), None)
    return {
        "seconds_away": round(up - down, 1),
        "requests_away": len(away),
        "statuses_away": {str(k): v for k, v in sorted(Counter(s.status for s in away).items())},
        "503_without_retry_after": sum(1 for s in away if s.status == 503 and not s.retry_after),
        "500s": sum(1 for s in samples if s.status == 500),
        "recovered_after_s": round(first_ok.start - up, 2) if first_ok else None,
        "errors_after_recovery": sum(
            1 for s in after if first_ok and first_ok.start < s.start < up + settle and not s.ok
        ),
    }


def audit_gap(ok_checks: int, audited: int) -> dict[str, int]:
    """The audit log against the client: every check answered 2xx must have its entry, and no
    entry may appear for a check that was not answered (`extra` counts those: a 503 or a
    dropped connection after the entry was queued)."""
    return {
        "ok_checks": ok_checks,
        "audited": audited,
        "missing": max(0, ok_checks - audited),
        "extra": max(0, audited - ok_checks),
    }


def rss_trend(points: Sequence[tuple[float, float]]) -> dict[str, float | None]:
    """Memory over a soak from (seconds, MB) samples: first, last, peak and the least-squares
    slope in MB per hour, which is near zero for flat memory."""
    if not points:
        return {"first_mb": None, "last_mb": None, "peak_mb": None, "slope_mb_per_h": None}
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    slope = sum((t - mean_t) * (m - mean_m) for t, m in points) / spread if spread else 0.0
    return {
        "first_mb": round(points[0][1], 1),
        "last_mb": round(points[-1][1], 1),
        "peak_mb": round(max(m for _, m in points), 1),
        "slope_mb_per_h": round(slope * 3600, 1),
    }
