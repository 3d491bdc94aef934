"""Engine and the transaction helpers. Store functions take the caller's `*, conn` (Core) or
`*, session` (ORM) and never commit: the caller opens one transaction with `transaction` or
`unit_of_work` (or, to read only, a connection with `reading`) and passes it down."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from app.store.bulk import driver, is_sqlite


def make_engine(settings: Settings) -> Engine:
    url = settings.db_url
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        # The driver caches prepared statements per distinct SQL text (about 1 MB each for a
        # long IN list); a small cache keeps a long-lived process's memory flat.
        engine = create_engine(url, connect_args={"timeout": 30, "cached_statements": 32}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while an ingest writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on clean exit, roll back on any error."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One Core transaction: commit on clean exit, roll back on any error."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection to read with: nothing is committed, and what it began is rolled back."""
    with engine.connect() as conn:
        yield conn


def ping(conn: Connection) -> None:
    """Raises the driver's error unless the database answers."""
    conn.execute(text("SELECT 1"))


@contextmanager
def larger_cache(conn: Connection, kib: int) -> Iterator[None]:
    """SQLite: a page cache of `kib` KiB for the duration, then the connection's own.

    SQLite's default cache is 2 MB: a load inserts into every index of parties and awards (9 in
    all), and once those outgrow the cache each insert reads its pages back from the OS
    (bench/ingest_speed.py --comprasmx 200000: 14% of the ingest). The memory is the connection's,
    returned when the load ends."""
    if not is_sqlite(conn):
        yield
        return
    cursor = driver(conn).cursor()
    try:
        before = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
        try:
            yield
        finally:
            with suppress(sqlite3.Error):  # a broken connection: its error, not this
                cursor.execute(f"PRAGMA cache_size = {before}")
    finally:
        cursor.close()
