"""The audit log: every check and match, with who asked and what Testigo answered.

The API hands entries to an `AuditWriter`, which commits them in batches from a thread of its
own, so a check never waits for the database's write lock: on SQLite that lock is also taken by
the other workers, by WAL checkpoints and by a whole ingest or link run, any of which would stall
a check for as long as it holds it. Entries are committed within a fraction of a second, and a
failed commit is retried, never dropped; the writer is drained when the process stops, and
reading the log drains it first, so a process always reads its own entries. The command line
writes its one entry directly (`record`)."""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.keys import Caller
from app.store import audit_log
from app.store.engine import reading, transaction

log = structlog.get_logger(__name__)

BATCH = 500
RETRY_SECONDS = 0.5
# How long a read of the log waits for this process's queued entries to be committed.
READ_WAIT_SECONDS = 0.5


def entry(
    caller: Caller | None,
    action: str,
    query: dict[str, Any],
    verdict: str | None,
    model_version: str | None,
) -> dict[str, Any]:
    return {
        "key_id": caller.key_id if caller else None,
        "key_name": caller.name if caller else None,
        "at": datetime.now(UTC),
        "action": action,
        "query": query,
        "verdict": verdict,
        "model_version": model_version,
    }


def record(
    engine: Engine,
    caller: Caller | None,
    action: str,
    query: dict[str, Any],
    verdict: str | None,
    model_version: str | None,
) -> None:
    """Write one entry now, in its own transaction."""
    with transaction(engine) as conn:
        audit_log.add(conn=conn, entries=entry(caller, action, query, verdict, model_version))


class AuditWriter:
    """Commits submitted entries in batches from a background thread, in submission order."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._submitted = 0
        self._committed = 0
        self._done = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, values: dict[str, Any]) -> None:
        with self._done:
            self._submitted += 1
        self._queue.put(values)
        if self._thread is None:
            self._start()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every entry submitted so far is committed; False on timeout."""
        with self._done:
            target = self._submitted
            return self._done.wait_for(lambda: self._committed >= target, timeout=timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued and stop the thread."""
        if self._thread is None:
            return
        self.flush(timeout)
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[dict[str, Any]]) -> None:
        while True:
            try:
                # The writer owns its transactions on purpose: a batch holds the entries of
                # many requests, off their threads, and counts as written (for `flush`) only
                # once committed; a failed one is retried whole.
                with transaction(self._engine) as conn:
                    audit_log.add(conn=conn, entries=batch)
                break
            except SQLAlchemyError as exc:  # the database is away: keep the batch, try again
                log.error("audit.write_failed", entries=len(batch), error=str(exc))
                time.sleep(RETRY_SECONDS)
        with self._done:
            self._committed += len(batch)
            self._done.notify_all()


def page(engine: Engine, *, page: int, per_page: int) -> dict[str, Any]:
    with reading(engine) as conn:
        total = audit_log.count(conn=conn)
        rows = audit_log.newest(conn=conn, offset=(page - 1) * per_page, limit=per_page)
    return {
        "total": total,
        "page": page,
        "per_page": per_page,
        "items": [
            {
                "id": r.id,
                "key_id": r.key_id,
                "key_name": r.key_name,
                "at": r.at.isoformat(),
                "action": r.action,
                "query": r.query,
                "verdict": r.verdict,
                "model_version": r.model_version,
            }
            for r in rows
        ],
    }
