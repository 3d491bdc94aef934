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
connections and threads. Each child holds about 130 MB, and only while the records are read,
when this process holds about half of what it will at its peak (bench/README, stop 34).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import multiprocessing
import os
import pickle
import queue
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Any, cast

import structlog

from matching.features import RawRecord, features
from matching.profiles import features_hash
from matching.records import SourceRecord

log = structlog.get_logger(__name__)

CHUNK = 20_000  # records per task: large enough that handing them over costs little
# Below this many records the children's start (about a second) is not won back.
MIN_RECORDS = 100_000
# Children at most, whatever the cores: past this, this process's own share (reading the
# store, taking the rows back) is the whole time, and each child costs its memory.
MAX_PROCESSES = 8
CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "max 100000" or "200000 100000"

Row = dict[str, Any]
Fields = tuple[Any, ...]  # a RawRecord's fields, in order
# A plain tuple pickles several times faster than the dataclass; every field, in order.
_fields = attrgetter(*(f.name for f in dataclasses.fields(RawRecord)))


def usable_cores() -> int:
    """The cores this process may use: its CPU set (`taskset`, a container's cpuset), no more
    than its CPU quota (a container's `--cpus`, Kubernetes' `limits.cpu`), rounded up."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = CPU_QUOTA.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 quota here
        pass
    return cores


@dataclass(slots=True)
class Featured:
    """The records read, each one's features and the hash of those (`profiles.features_hash`),
    in the order they were read."""

    records: list[SourceRecord] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    from_children: int = 0  # rows the child processes computed

    @classmethod
    def here(cls, records: Iterable[SourceRecord]) -> Featured:
        """Every record's features computed in this process."""
        done = cls(list(records))
        done.compute()
        return done

    def compute(self) -> None:
        """Compute here what the children did not."""
        for record in self.records[len(self.rows) :]:
            row = features(record.raw)
            self.rows.append(row)
            self.hashes.append(features_hash(row))

    def take(self, chunk: Chunk) -> None:
        names, values, hashes = chunk
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
        return Featured.here([*head, *stream])
    try:
        workers = Workers.start(min(processes, MAX_PROCESSES))
    except (OSError, NotImplementedError) as exc:  # no process or semaphore to be had here
        log.warning("feature_pool.unavailable", error=str(exc))
        return Featured.here([*head, *stream])
    try:
        return _pooled(workers, _chunks(head, stream))
    finally:
        workers.stop()


class _Broken(Exception):
    """A child ended without sending what it was given (killed: out of memory, by a person)."""


@dataclass(slots=True)
class Workers:
    """Child processes, each with its own queue of chunks in and of rows out: chunk i goes to
    child i mod n, so each child's rows come back in the order its chunks went.

    Not `concurrent.futures`: after Ctrl-C twice its executor hung at exit (1 run in 5),
    joining children it had stopped or waiting for the rest of a message from one killed while
    sending it (stop 34's review). Here an interrupted run reads nothing more and ends its
    children. One limit stays, as in `ingest.prefetch`: a child killed by the system while it
    sends its rows leaves this process waiting for the rest of them."""

    processes: list[Any]
    inboxes: list[Any]
    outboxes: list[Any]

    @classmethod
    def start(cls, n: int) -> Workers:
        context = multiprocessing.get_context("spawn")
        workers = cls([], [], [])
        try:
            for i in range(n):
                inbox, outbox = context.Queue(), context.Queue()
                child = context.Process(
                    target=_child,
                    # the caller's collector thresholds (`app.collector.fewer_collections`)
                    args=(inbox, outbox, gc.get_threshold()),
                    name=f"testigo-features-{i}",
                    daemon=True,
                )
                workers.inboxes.append(inbox)
                workers.outboxes.append(outbox)
                with _ctrl_c_ignored():
                    child.start()
                workers.processes.append(child)
        except BaseException:
            workers.stop()
            raise
        return workers

    def send(self, i: int, fields: list[Fields]) -> None:
        self.inboxes[i % len(self.processes)].put(fields)

    def receive(self, i: int) -> Chunk:
        """The rows of the `i`th chunk sent; the child's own error raised here."""
        k = i % len(self.processes)
        child, outbox = self.processes[k], self.outboxes[k]
        while True:
            try:
                kind, payload = outbox.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise _Broken(f"{child.name} ended (exit code {child.exitcode})") from None
                continue
            if kind == _FAILED:
                raise payload
            return cast(Chunk, payload)

    def stop(self) -> None:
        """Done, failed or interrupted: the children are ended, not waited for, and nothing
        still queued for them holds up this process's exit."""
        for child in self.processes:
            if child.is_alive():
                child.terminate()
        for child in self.processes:
            child.join(timeout=10)
        for box in (*self.inboxes, *self.outboxes):
            box.cancel_join_thread()
            box.close()


def _pooled(workers: Workers, chunks: Iterator[list[SourceRecord]]) -> Featured:
    done = Featured()
    sent = taken = 0
    try:
        for chunk in chunks:
            done.records.extend(chunk)
            workers.send(sent, [_fields(r.raw) for r in chunk])
            sent += 1
            # A few chunks per child stay queued, so that none waits for this process, and
            # rows do not pile up in the pipes.
            while sent - taken > 2 * len(workers.processes):
                done.take(workers.receive(taken))
                taken += 1
        while taken < sent:
            done.take(workers.receive(taken))
            taken += 1
    except _Broken as exc:
        # What the children left is computed here instead.
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


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C ignored while a child starts: the child inherits it so, and a Ctrl-C while it
    imports (before `_child` runs) does not make it print a traceback on the terminal."""
    try:
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (a link run by the service): not ours to touch
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


_POLL_SECONDS = 1.0
_ROWS = "rows"
_FAILED = "failed"


def _child(inbox: Any, outbox: Any, thresholds: tuple[int, int, int]) -> None:
    gc.set_threshold(*thresholds)
    # Ctrl-C reaches the whole process group: the parent ends its children (`Workers.stop`),
    # which would otherwise each print their own traceback on the terminal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:  # until ended by the parent (`Workers.stop`)
        fields = inbox.get()
        try:
            outbox.put((_ROWS, _features(fields)))
        except Exception as exc:  # the features' own error, raised again in the parent
            try:
                pickle.dumps(exc)
            except Exception:  # unpicklable, it would never arrive: its words do
                exc = RuntimeError(f"{exc.__class__.__name__}: {exc}")
            outbox.put((_FAILED, exc))


def _features(fields: list[Fields]) -> Chunk:
    """In a child: a chunk of records' features."""
    rows = [features(RawRecord(*f)) for f in fields]
    names = tuple(rows[0]) if rows else ()
    return names, [tuple(row.values()) for row in rows], [features_hash(row) for row in rows]
