"""Read a large file in a child process while this one writes what was already read.

An ingest is a reader (parse, check, key every row) followed by a writer (convert, hash,
upsert), one after the other in one process: on a million ComprasMX contracts the reader is
about two fifths of the time. A child process runs the reader ahead and hands its items over
in batches through a bounded queue (a few batches in flight, so memory stays flat), and the
two overlap on two cores. The child also prepares each batch for the store (converting and
hashing: `ingest.release_batch`), so the writer is left with what needs the database; handing
over plain rows of values also unpickles faster than the reader's dataclasses. The items,
their order and the errors are exactly those of reading in-process: the child sends the
reader's exception itself, raised here in its place.

Used only where it pays and is safe: a file of at least `Settings.prefetch_min_mb`, and a
reader that is a plain module-level function (it is pickled by name into the child, started
with `spawn`: no fork of a process holding database connections and threads).
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ingest.rows import UnreadableSource

IN_FLIGHT = 4  # batches queued ahead of the writer
_POLL_SECONDS = 1.0
_DONE = "done"
_FAILED = "failed"
_ITEMS = "items"


def worth_it(read: Callable[[Path], Iterator[Any]], path: Path, min_mb: float) -> bool:
    """Prefetch this file? Large enough, and a reader the child can import by name."""
    if min_mb < 0:  # never
        return False
    try:
        if path.stat().st_size < min_mb * 1_000_000:
            return False
        pickle.dumps(read)
    except (OSError, pickle.PicklingError, AttributeError, TypeError):
        return False
    return getattr(read, "__module__", "").startswith("ingest.")


def _child(
    read: Callable[[Path], Iterator[Any]],
    path: Path,
    size: int,
    prepare: Callable[[list[Any]], Any],
    gc_thresholds: tuple[int, int, int],
    out: Any,
) -> None:
    # The child allocates as many short-lived rows as the parent, which raised its collector's
    # thresholds for the load (`app.collector.fewer_collections`): at the defaults the
    # collections cost the reader a third of its time on a million contracts.
    gc.set_threshold(*gc_thresholds)
    try:
        items = read(path)
        while batch := list(islice(items, size)):
            out.put((_ITEMS, prepare(batch)))
        out.put((_DONE, None))
    except BaseException as exc:  # the reader's own error, raised again in the parent
        try:
            pickle.dumps(exc)
        except Exception:
            exc = UnreadableSource(f"{path.name}: {exc.__class__.__name__}: {exc}")
        out.put((_FAILED, exc))


def _unchanged(items: list[Any]) -> list[Any]:
    return items


def prefetched(
    read: Callable[[Path], Iterator[Any]],
    path: Path,
    *,
    batch: int,
    prepare: Callable[[list[Any]], Any] = _unchanged,
) -> Iterator[Any]:
    """The batches of `read(path)`, each passed through `prepare`, read and prepared ahead in a
    child process. `prepare` is pickled into the child with its state and called there on the
    batches in order, as the caller would have called it."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=IN_FLIGHT)
    child = context.Process(
        target=_child,
        args=(read, path, batch, prepare, gc.get_threshold(), channel),
        name="testigo-reader",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise UnreadableSource(
                        f"{path.name}: the reading process ended without finishing "
                        f"(exit code {child.exitcode})"
                    ) from None
                continue
            if kind == _ITEMS:
                yield payload
            elif kind == _FAILED:
                raise payload
            else:
                return
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        channel.close()
        channel.join_thread()
