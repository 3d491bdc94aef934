"""bench/traffic.py, the figures of bench/load.py, on plain values: the paced levels, the
percentiles and error rate of a run, what clients saw while PostgreSQL was away, the audit log
held against the checks answered, and memory over a soak."""

from __future__ import annotations

import math
from pathlib import Path

from bench.traffic import (
    Sample,
    audit_gap,
    between,
    by_kind,
    covered,
    fault,
    outside,
    percentile,
    rate_levels,
    read_log,
    rss_trend,
    summary,
)


def _ok(start: float, ms: float, kind: str = "check") -> Sample:
    return Sample(start, kind, 200, ms)


def test_the_paced_levels_are_half_four_fifths_and_all_of_saturation() -> None:
    assert rate_levels(412.0) == [206.0, 329.6, 412.0]
    assert rate_levels(0.0) == []


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_a_summary_counts_every_answer_that_is_not_2xx_as_an_error() -> None:
    samples = [_ok(float(i), 10.0 + i) for i in range(96)]
    samples += [
        Sample(96.0, "check", 503, 1.0, retry_after=True),
        Sample(97.0, "check", 500, 1.0),
        Sample(98.0, "check", 0, 30000.0),
        Sample(99.0, "match", 422, 2.0),
    ]
    got = summary(samples, seconds=10.0)
    assert got["requests"] == 100
    assert got["ok"] == 96
    assert got["ok_per_s"] == 9.6
    assert got["error_rate"] == 0.04
    assert got["statuses"] == {"0": 1, "200": 96, "422": 1, "500": 1, "503": 1}
    # Latency is of the answers served: a timed-out request's 30 s is an error, not a p99.
    assert got["p50_ms"] == 57.0
    assert got["p99_ms"] == 105.0
    assert set(by_kind(samples)) == {"check", "match"}


def test_an_empty_run_has_no_latency_and_no_error_rate() -> None:
    got = summary([])
    assert got["requests"] == 0
    assert got["p99_ms"] is None
    assert got["error_rate"] == 0.0


def test_windows_split_a_soak_into_its_quiet_part_and_its_events() -> None:
    samples = [_ok(float(t), 1.0) for t in range(10)]
    assert [s.start for s in between(samples, 3, 5)] == [3.0, 4.0]
    assert [s.start for s in outside(samples, [(3, 5), (8, 100)])] == [0, 1, 2, 5, 6, 7]
    # The quiet period's duration leaves out the windows, overlapping ones once.
    assert covered([(3, 5), (4, 6), (8, 100)], 0, 10) == 5.0
    assert covered([], 0, 10) == 0.0


def test_a_database_restart_is_judged_on_503s_with_retry_after_and_on_recovery() -> None:
    samples = [
        _ok(0.0, 1.0),
        Sample(1.0, "check", 503, 1.0, retry_after=True),
        Sample(2.0, "check", 503, 1.0, retry_after=False),
        Sample(3.0, "check", 500, 1.0),
        Sample(5.5, "check", 503, 1.0, retry_after=True),  # after `up`, still reconnecting
        _ok(6.0, 2.0),
        _ok(7.0, 2.0),
    ]
    got = fault(samples, down=1.0, up=5.0)
    assert got["statuses_away"] == {"500": 1, "503": 2}
    assert got["503_without_retry_after"] == 1
    assert got["500s"] == 1
    assert got["recovered_after_s"] == 1.0
    assert got["errors_after_recovery"] == 0
    # Errors long after the database came back belong to another event, not to this one.
    later = [*samples, Sample(100.0, "check", 503, 1.0, True)]
    assert fault(later, down=1.0, up=5.0, settle=30.0)["errors_after_recovery"] == 0
    assert fault(later, down=1.0, up=5.0, settle=100.0)["errors_after_recovery"] == 1


def test_a_service_that_never_recovers_says_so() -> None:
    got = fault([Sample(2.0, "check", 503, 1.0, True)], down=1.0, up=2.0)
    assert got["recovered_after_s"] is None


def test_the_audit_log_is_held_against_the_checks_answered() -> None:
    assert audit_gap(1000, 1000) == {"ok_checks": 1000, "audited": 1000, "missing": 0, "extra": 0}
    assert audit_gap(1000, 990)["missing"] == 10
    assert audit_gap(1000, 1003)["extra"] == 3


def test_flat_memory_has_no_slope_and_a_leak_has_one() -> None:
    flat = rss_trend([(float(t), 500.0) for t in range(0, 600, 5)])
    assert flat["slope_mb_per_h"] == 0.0
    assert flat["peak_mb"] == 500.0
    leak = rss_trend([(float(t), 500.0 + t / 60) for t in range(0, 600, 5)])  # 1 MB a minute
    assert leak["slope_mb_per_h"] == 60.0
    assert rss_trend([])["slope_mb_per_h"] is None


def test_the_request_log_is_read_back_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_text("1.5,check,200,3.250,0\n2.0,check,503,1.000,1\n2.5,mat")
    assert read_log(path) == [
        Sample(1.5, "check", 200, 3.25, False),
        Sample(2.0, "check", 503, 1.0, True),
    ]
