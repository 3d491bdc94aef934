"""Ingest runs on record: a file's run is committed before its data, and a run whose process died
is found and marked `interrupted`.

One file is one transaction, so a file loads whole or not at all. Were the run's row in that
transaction too, a process killed mid-file (kill -9, the OOM killer, a power cut) would leave no
trace. So a run is committed as `started` on its own first; the file's data and the run's `ok`
then commit together. A killed run's data is rolled back by the database itself (PostgreSQL ends
the dead connection's transaction, SQLite ignores WAL frames no commit sealed): nothing of it is
half-written, and loading the file again loads it whole, since only an `ok` run makes the same
bytes `unchanged`.

A dead run is told from a live one by a lock named after the run, which its process takes before
the `started` row is committed and which the system releases when the process dies, however it
dies: on PostgreSQL a session advisory lock (seen from any host), on SQLite an flock on a file
beside the database (`testigo.db-runs/ID.lock`). `sweep` marks `interrupted` every `started` run
whose lock nobody holds. Every ingest sweeps before it starts (so the demo and the nightly run
do), and so does `testigo stats`. No heartbeat and no age limit: a week-long load stays `started`
while it runs, and a dead one is found at the next look.

Statuses: started -> ok | failed | interrupted; skipped (the same bytes as an earlier ok run).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import structlog
from sqlalchemy import Connection, Engine, Table, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from app.store.tables import IngestRun

log = structlog.get_logger(__name__)

RUNS: Table = IngestRun.__table__  # type: ignore[assignment]
# PostgreSQL advisory locks take two int4 keys: this namespace, and the run's id.
LOCK_NAMESPACE = 0x7E57
INTERRUPTED = (
    "its process ended before the file was loaded (killed?); nothing of the file was stored: "
    "ingest it again"
)

Release = Callable[[], None]


@dataclass(frozen=True, slots=True)
class InterruptedRun:
    id: int
    kind: str
    source_file: str
    started_at: datetime


class _Locks(Protocol):
    def hold(self, run_id: int) -> Release: ...
    def held(self, conn: Connection, run_id: int) -> bool: ...


class _AdvisoryLocks:
    """PostgreSQL: a session advisory lock on a connection of its own, held for the run."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def hold(self, run_id: int) -> Release:
        conn = self._engine.connect()
        try:
            conn.execute(
                text("SELECT pg_advisory_lock(:ns, :id)"), {"ns": LOCK_NAMESPACE, "id": run_id}
            )
            conn.commit()  # a session lock outlives the transaction; the connection stays idle
        except BaseException:
            conn.invalidate()
            conn.close()
            raise

        def release() -> None:
            try:
                conn.execute(
                    text("SELECT pg_advisory_unlock(:ns, :id)"),
                    {"ns": LOCK_NAMESPACE, "id": run_id},
                )
                conn.commit()
            except SQLAlchemyError:
                conn.invalidate()  # closing the session releases the lock on the server
            finally:
                conn.close()

        return release

    def held(self, conn: Connection, run_id: int) -> bool:
        found = conn.execute(
            text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :ns AND objid = :id AND objsubid = 2"
            ),
            {"ns": LOCK_NAMESPACE, "id": run_id},
        ).first()
        return found is not None


class _FileLocks:
    """SQLite: an flock on `ID.lock` in a folder beside the database file. The file is removed
    when the run ends, and by the sweep that finds it unlocked."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _path(self, run_id: int) -> Path:
        return self._directory / f"{run_id}.lock"

    def hold(self, run_id: int) -> Release:
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._path(run_id)
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            handle.close()
            raise

        def release() -> None:
            # Unlinked before it is unlocked: a sweep that opened it meanwhile finds it free
            # but the run already ended (its status is no longer `started`).
            path.unlink(missing_ok=True)
            handle.close()

        return release

    def held(self, conn: Connection, run_id: int) -> bool:
        path = self._path(run_id)
        handle: IO[str]
        try:
            handle = path.open("r")
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            path.unlink(missing_ok=True)
            return False


class _NoLocks:
    """An in-memory SQLite database lives and dies with its process: no run outlives it."""

    def hold(self, run_id: int) -> Release:
        return lambda: None

    def held(self, conn: Connection, run_id: int) -> bool:
        return True


def _locks(engine: Engine) -> _Locks:
    if engine.dialect.name == "postgresql":
        return _AdvisoryLocks(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        db_file = Path(database)
        return _FileLocks(db_file.with_name(db_file.name + "-runs"))
    return _NoLocks()


def record(engine: Engine, values: dict[str, Any]) -> int:
    """A run that is over as soon as it starts (skipped, or failed before it could load)."""
    with engine.begin() as conn:
        return insert_run(conn, {"finished_at": datetime.now(UTC), **values})


def insert_run(conn: Connection, values: dict[str, Any]) -> int:
    """Insert one run row inside the caller's transaction; returns its id."""
    return int(conn.execute(insert(RUNS).values(**values).returning(RUNS.c.id)).scalar_one())


@contextlib.contextmanager
def started(engine: Engine, values: dict[str, Any]) -> Iterator[int]:
    """Commit the run as `started` and hold its lock until the block ends; yields its id.

    The block sets the run's outcome (`finish` in the data's transaction, or `fail`). A block
    left by KeyboardInterrupt or SystemExit marks the run `interrupted` on the way out."""
    locks = _locks(engine)
    release: Release | None = None
    try:
        with engine.begin() as conn:
            run_id = insert_run(conn, {**values, "status": "started"})
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
        with contextlib.suppress(SQLAlchemyError):
            _set(engine, run_id, status="interrupted", error=INTERRUPTED)
        raise
    finally:
        release()


def finish(conn: Connection, run_id: int, counts: dict[str, int]) -> None:
    """The run is `ok`: called inside the transaction that stored its data."""
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id)
        .values(status="ok", finished_at=datetime.now(UTC), **counts)
    )


def fail(engine: Engine, run_id: int, error: str) -> None:
    _set(engine, run_id, status="failed", error=error)


def _set(engine: Engine, run_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(RUNS)
            .where(RUNS.c.id == run_id, RUNS.c.status == "started")
            .values(finished_at=datetime.now(UTC), **values)
        )


def sweep(engine: Engine) -> list[InterruptedRun]:
    """Mark `interrupted` every `started` run whose process is gone; returns them. A database
    that cannot be read or written now is left for the next sweep (the caller's own work will
    say what is wrong with it)."""
    locks = _locks(engine)
    try:
        with engine.connect() as conn:
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
            _set(engine, run.id, status="interrupted", error=INTERRUPTED)
    except SQLAlchemyError as exc:
        log.info("ingest.sweep_skipped", error=str(exc).splitlines()[0] if str(exc) else "")
        return []
    for run in dead:
        log.info("ingest.run_interrupted", run_id=run.id, source=run.source_file)
    return dead
