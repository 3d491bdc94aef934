"""How often the garbage collector runs during bulk work (an ingest, a link run).

Both allocate millions of objects that no cycle holds: rows of a file as it loads, records,
features and scored pairs as a link runs. With CPython's default thresholds (700, 10, 10) the
collector runs every 700 allocations and, as the heap grows, rescans everything it holds: 10-17%
of an OCDS ingest (bench/ingest_speed.py), and at 300k records 20% of a link's reading and
feature work (at 1M, 4% of them: bench/README, stop 27). Fewer, later collections still free what
garbage there is, at a fraction of that cost."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

BULK_GC_THRESHOLDS = (100_000, 100, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's thresholds for the duration (never lower them), then restore."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, BULK_GC_THRESHOLDS, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*before)
