"""The lock a running ingest holds for its run, which the system releases when the process dies,
however it dies: on PostgreSQL a session advisory lock (seen from any host), on SQLite an flock on
a file beside the database (`testigo.db-runs/ID.lock`). See `app.store.ingest_runs`."""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

# PostgreSQL advisory locks take two int4 keys: this namespace, and the run's id.
LOCK_NAMESPACE = 0x7E57

Release = Callable[[], None]


class Locks(Protocol):
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


def locks_for(engine: Engine) -> Locks:
    if engine.dialect.name == "postgresql":
        return _AdvisoryLocks(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        db_file = Path(database)
        return _FileLocks(db_file.with_name(db_file.name + "-runs"))
    return _NoLocks()
