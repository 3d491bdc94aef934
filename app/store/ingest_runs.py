"""Ingest runs on record: a file's run is committed before its data, and a run whose process died
is found and marked `interrupted`.

One file is one transaction, so a file loads whole or not at all. Were the run's row in that
transaction too, a process killed mid-file (kill -9, the OOM killer, a power cut) would leave no
trace. So a run is committed as `started` on its own first; the file's data and the run's `ok`
then commit together. A killed run's data is rolled back by the database itself (PostgreSQL ends
the dead connection's transaction, SQLite ignores WAL frames no commit sealed): nothing of it is
half-written, and loading the file again loads it whole, since only an `ok` run makes the same
bytes `unchanged`.

A dead run is told from a live one by a lock named after the run (`run_locks`), which its process
takes before the `started` row is committed and which the system releases when the process dies,
however it dies: on PostgreSQL a session advisory lock (seen from any host), on SQLite an flock on
a file beside the database (`testigo.db-runs/ID.lock`). `sweep` marks `interrupted` every
`started` run whose lock nobody holds. Every ingest sweeps before it starts (so the demo and the
nightly run do), and so does `testigo stats`. No heartbeat and no age limit: a week-long load
stays `started` while it runs, and a dead one is found at the next look.

Statuses: started -> ok | failed | interrupted; skipped (the same bytes as an earlier ok run).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.store.engine import transaction
from app.store.run_locks import Release, locks_for
from app.store.tables import IngestRun

log = structlog.get_logger(__name__)

RUNS: Table = IngestRun.__table__  # type: ignore[assignment]
INTERRUPTED = (
    "its process ended before the file was loaded (killed?); nothing of the file was stored: "
    "ingest it again"
)


@dataclass(frozen=True, slots=True)
class InterruptedRun:
    id: int
    kind: str
    source_file: str
    started_at: datetime


def record(values: dict[str, Any], *, conn: Connection) -> int:
    """A run that is over as soon as it starts (skipped, or failed before it could load)."""
    return insert_run({"finished_at": datetime.now(UTC), **values}, conn=conn)


def insert_run(values: dict[str, Any], *, conn: Connection) -> int:
    """Insert one run row inside the caller's transaction; returns its id."""
    return int(conn.execute(insert(RUNS).values(**values).returning(RUNS.c.id)).scalar_one())


@contextlib.contextmanager
def started(engine: Engine, values: dict[str, Any]) -> Iterator[int]:
    """Commit the run as `started` and hold its lock until the block ends; yields its id.

    The block sets the run's outcome (`finish` in the data's transaction, or `fail`). A block
    left by KeyboardInterrupt or SystemExit marks the run `interrupted` on the way out.

    Takes the engine, not the caller's connection: the `started` row must be committed on its
    own, before the data's transaction begins, so that a killed ingest leaves a trace."""
    locks = locks_for(engine)
    release: Release | None = None
    try:
        with transaction(engine) as conn:
            run_id = insert_run({**values, "status": "started"}, conn=conn)
            release = locks.hold(run_id)  # before the commit: no sweep sees it unlocked
    except BaseException:
        if release is not None:
            release()
        raise
    try:
        yield run_id
    except Exception:
        raise
    except BaseException:
        # The data's transaction has rolled back: the interruption is recorded on its own.
        with contextlib.suppress(SQLAlchemyError), transaction(engine) as conn:
            _set(run_id, conn=conn, status="interrupted", error=INTERRUPTED)
        raise
    finally:
        release()


def finish(run_id: int, counts: dict[str, int], *, conn: Connection) -> None:
    """The run is `ok`: called inside the transaction that stored its data."""
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status="ok", finished_at=datetime.now(UTC), **counts)
    )


def fail(run_id: int, error: str, *, conn: Connection) -> None:
    """The run is `failed` (called once the data's transaction has rolled back)."""
    _set(run_id, conn=conn, status="failed", error=error)


def _set(run_id: int, *, conn: Connection, **values: Any) -> None:
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id, RUNS.c.status == "started")
        .values(finished_at=datetime.now(UTC), **values)
    )


def previous_validators(
    origin: str, kind: str, *, conn: Connection
) -> tuple[str | None, str | None] | None:
    """The HTTP validators (ETag, Last-Modified) of the latest run that read `origin` whole."""
    row = conn.execute(
        select(RUNS.c.etag, RUNS.c.last_modified)
        .where(
            RUNS.c.origin == origin,
            RUNS.c.kind == kind,
            RUNS.c.status.in_(["ok", "skipped"]),
        )
        .order_by(RUNS.c.id.desc())
        .limit(1)
    ).first()
    return (row.etag, row.last_modified) if row else None


def same_as_last(kind: str, scope: str, sha256: str, *, conn: Connection) -> int | None:
    """The run that already loaded these exact bytes, if it is the latest one for this scope."""
    query = select(RUNS.c.id, RUNS.c.sha256).where(
        RUNS.c.kind == kind, RUNS.c.scope == scope, RUNS.c.status == "ok"
    )
    if kind == "ocds":
        # Releases accumulate: any earlier load of the same bytes makes this file a no-op.
        row = conn.execute(query.where(RUNS.c.sha256 == sha256).limit(1)).first()
        return int(row.id) if row else None
    row = conn.execute(query.order_by(RUNS.c.id.desc()).limit(1)).first()
    return int(row.id) if row is not None and row.sha256 == sha256 else None


def sweep(engine: Engine) -> list[InterruptedRun]:
    """Mark `interrupted` every `started` run whose process is gone; returns them. A database
    that cannot be read or written now is left for the next sweep (the caller's own work will
    say what is wrong with it).

    Owns its transaction: a sweep is housekeeping before the caller's own work, and its
    failure must neither fail nor roll back that work."""
    locks = locks_for(engine)
    try:
        with transaction(engine) as conn:
            dead = [
                InterruptedRun(int(r.id), r.kind, r.source_file, r.started_at)
                for r in conn.execute(
                    select(RUNS.c.id, RUNS.c.kind, RUNS.c.source_file, RUNS.c.started_at)
                    .where(RUNS.c.status == "started")
                    .order_by(RUNS.c.id)
                )
                if not locks.held(conn, int(r.id))
            ]
            for run in dead:
                _set(run.id, conn=conn, status="interrupted", error=INTERRUPTED)
    except SQLAlchemyError as exc:
        log.info("ingest.sweep_skipped", error=str(exc).splitlines()[0] if str(exc) else "")
        return []
    for run in dead:
        log.info("ingest.run_interrupted", run_id=run.id, source=run.source_file)
    return dead
