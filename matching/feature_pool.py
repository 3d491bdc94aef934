"""Every record's features, computed in child processes while this one reads the store.

A full link reads every record and computes its features (`features.features`: the name's
parse, the RFC's reading, the blocking keys) one at a time, in pure Python: at a million
records that is about 40 s of one core, the largest share of the run that no library does for
us (bench/README, "Link time and memory at scale"). The records are independent of one another,
so on a machine with several cores child processes compute them in chunks while this process
goes on reading and takes the rows back in order. The rows, their order and any error are
exactly those of computing them here (tests/matching/test_feature_pool.py).

Used only where it pays: with more than one process allowed and at least `min_records` records
(starting the children and handing the rows back costs about a second); below that, or where
no child process can be started, the features are computed here as before. Children are
started with `spawn`, as `ingest.prefetch` does: no fork of a process holding database
connections and threads.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import structlog

from matching.features import RawRecord, features
from matching.profiles import features_hash
from matching.records import SourceRecord

log = structlog.get_logger(__name__)

CHUNK = 20_000  # records per task: large enough that handing them over costs little
# Below this many records the children's start (about a second) is not won back.
MIN_RECORDS = 100_000

Row = dict[str, Any]
Fields = tuple[str, str, str | None, str | None, str | None, str | None]  # a RawRecord's


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(slots=True)
class Featured:
    """The records read, each one's features and the hash of those (`profiles.features_hash`),
    in the order they were read."""

    records: list[SourceRecord] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    from_children: int = 0  # rows the child processes computed

    def compute(self) -> None:
        """Compute here what the children did not."""
        for record in self.records[len(self.rows) :]:
            row = features(record.raw)
            self.rows.append(row)
            self.hashes.append(features_hash(row))

    def take(self, done: Future[Chunk]) -> None:
        names, values, hashes = done.result()
        self.rows.extend(dict(zip(names, v, strict=True)) for v in values)
        self.hashes.extend(hashes)
        self.from_children += len(values)


# What a child sends back for a chunk: column names, each row's values, each row's hash.
# Values without their names unpickle in half the time of dicts, and this process has every
# record's row to take back.
Chunk = tuple[tuple[str, ...], list[tuple[Any, ...]], list[str]]


def with_features(
    records: Iterable[SourceRecord], *, processes: int, min_records: int | None = None
) -> Featured:
    """The records with their features. `processes`: how many child processes may compute
    them; 1 or fewer computes them here. `min_records`: below this many records they are
    computed here (default `MIN_RECORDS`)."""
    min_records = MIN_RECORDS if min_records is None else min_records
    stream = iter(records)
    head = list(islice(stream, min_records))
    if processes <= 1 or len(head) < min_records:
        done = Featured([*head, *stream])
        done.compute()
        return done
    try:
        pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=gc.set_threshold,
            initargs=gc.get_threshold(),  # the caller's (`app.collector.fewer_collections`)
        )
    except OSError as exc:  # no semaphores or processes allowed here: compute them here
        log.warning("feature_pool.unavailable", error=str(exc))
        done = Featured([*head, *stream])
        done.compute()
        return done
    try:
        return _pooled(pool, _chunks(head, stream), processes)
    finally:
        # On an error, the chunks not yet started are dropped rather than computed.
        pool.shutdown(wait=True, cancel_futures=True)


def _pooled(
    pool: ProcessPoolExecutor, chunks: Iterator[list[SourceRecord]], processes: int
) -> Featured:
    done = Featured()
    pending: deque[Future[Chunk]] = deque()
    try:
        for chunk in chunks:
            done.records.extend(chunk)
            pending.append(pool.submit(_features, [_fields(r.raw) for r in chunk]))
            # Take finished chunks back while reading, so that rows do not pile up in the
            # pipe; a few chunks per child stay queued, so that none waits for this process.
            while len(pending) > 2 * processes or (pending and pending[0].done()):
                done.take(pending.popleft())
        while pending:
            done.take(pending.popleft())
    except BrokenProcessPool as exc:
        # A child killed (out of memory, by a person) or unable to start (a script that
        # links at import time, re-run by `spawn`): what it left is computed here instead.
        log.warning("feature_pool.broken", error=str(exc), computed=len(done.rows))
        for chunk in chunks:
            done.records.extend(chunk)
        done.compute()
    return done


def _chunks(
    head: list[SourceRecord], stream: Iterator[SourceRecord]
) -> Iterator[list[SourceRecord]]:
    for start in range(0, len(head), CHUNK):
        yield head[start : start + CHUNK]
    while chunk := list(islice(stream, CHUNK)):
        yield chunk


def _fields(raw: RawRecord) -> Fields:
    # A plain tuple pickles several times faster than the dataclass.
    return (raw.unique_id, raw.source, raw.name, raw.rfc_raw, raw.postal_code, raw.person_kind)


def _features(fields: list[Fields]) -> Chunk:
    """In a child: a chunk of records' features."""
    rows = [features(RawRecord(*f)) for f in fields]
    names = tuple(rows[0]) if rows else ()
    return names, [tuple(row.values()) for row in rows], [features_hash(row) for row in rows]
