"""Inserting many rows fast and faithfully, on SQLite and PostgreSQL alike.

SQLAlchemy's per-row work costs more than the database does when millions of rows go in (an
ingest, a link run), so the rows go to the driver directly: DB-API `executemany` on SQLite,
`COPY ... FROM STDIN` on PostgreSQL. Values are converted with the bind processors SQLAlchemy
would use (checked against them on sample values where a faster equivalent stands in), so what
is stored is the same either way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table, bindparam, update


def driver(conn: Connection) -> Any:
    """The DB-API connection under `conn`, inside the same transaction."""
    return conn.connection.driver_connection


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


_Converter = Callable[[list[Any]], list[Any]]
_SAMPLE_DAYS = (date(2021, 8, 30), date(999, 1, 2), None)
_SAMPLE_INSTANTS = (
    datetime(2021, 8, 29, 14, 3, 43, tzinfo=UTC),
    datetime(2021, 8, 29, 8, 3, 43, 5, tzinfo=timezone(timedelta(hours=-6))),
    datetime(999, 1, 2, 3, 4, 5),
    None,
)


def _days(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    return [
        None if v is None else v.isoformat() if v.__class__ is date else process(v) for v in values
    ]


def _instants(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    return [
        None
        if v is None
        else v.replace(tzinfo=None).isoformat(" ", "microseconds")
        if v.__class__ is datetime
        else process(v)
        for v in values
    ]


def _agrees(process: Callable[[Any], Any], convert: _Converter, samples: Sequence[Any]) -> bool:
    try:
        return convert(list(samples)) == [process(v) for v in samples]
    except (TypeError, ValueError, AttributeError):
        return False


def _converter(column: Any, dialect: Any) -> _Converter | None:
    """How a column's Python values become what the driver takes (None: as they are).

    SQLAlchemy's own bind processor, except where an equivalent runs in C: dates and datetimes
    that SQLite stores as text (checked against the processor on sample values, so a dialect
    that stores them otherwise keeps its processor), and booleans that are already bools."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column.type, DateTime):

        def instants(values: list[Any]) -> list[Any]:
            return _instants(values, process)

        if _agrees(process, instants, _SAMPLE_INSTANTS):
            return instants
    elif isinstance(column.type, Date):

        def days(values: list[Any]) -> list[Any]:
            return _days(values, process)

        if _agrees(process, days, _SAMPLE_DAYS):
            return days
    elif isinstance(column.type, Boolean) and _agrees(process, list, (True, False, None)):
        # The driver stores a bool as the processor's output would be stored.
        def bools(values: list[Any]) -> list[Any]:
            if set(map(type, values)) <= {bool, type(None)}:
                return values
            return list(map(process, values))

        return bools
    return lambda values: list(map(process, values))


@contextlib.contextmanager
def indexes_rebuilt(conn: Connection, table: Table, *, worth_it: bool) -> Iterator[None]:
    """On SQLite, where `worth_it` (most of the table's rows are about to be written): the
    table's secondary indexes dropped for the writes and built again after them, in the
    caller's transaction. Built once from the rows, an index costs a fraction of what keeping
    it up to date row by row does (bench/README, stop 34: a first full link's members and
    records at 1M). Readers keep reading the last commit meanwhile (WAL); should the writes
    fail, the rollback puts the indexes back. Unique indexes stay: they are rules, checked as
    each row goes in.

    Not on PostgreSQL: dropping an index locks its table against readers until the commit,
    and the service reads links while a link run stores them."""
    rebuilt = worth_it and is_sqlite(conn)
    indexes = sorted((i for i in table.indexes if not i.unique), key=lambda i: str(i.name))
    if not rebuilt or not indexes:
        yield
        return
    if not driver(conn).in_transaction:
        # The driver opens its transaction before the first INSERT, UPDATE or DELETE only: a
        # DROP INDEX met first would be committed on its own, and not put back on a rollback.
        conn.exec_driver_sql("BEGIN")
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)


def _tuples(keys: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(keys) > 1:
        return itemgetter(*keys)
    return lambda row: tuple(row[k] for k in keys)


def insert_rows(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    json_text: Iterable[str] = (),
) -> None:
    """Insert dict rows (keyed by column key, all of one shape) through the driver: DB-API
    `executemany` on SQLite, `COPY ... FROM STDIN` on PostgreSQL.

    A column missing from the rows gets its scalar default, else NULL; the primary key is
    inserted only when the rows carry it. `json_text` names JSON columns whose values are
    already serialised."""
    if not rows:
        return
    first = rows[0]
    columns = [c for c in table.columns if c.key in first or not c.primary_key]
    skip = set(json_text)
    converters = {
        c.key: found
        for c in columns
        if c.key not in skip and (found := _converter(c, conn.dialect)) is not None
    }
    # Values that go as they are come straight out of each row (C-level); the converted ones
    # are converted a column at a time, then appended to each row's tuple.
    plain = [c for c in columns if c.key in first and c.key not in converters]
    converted = [c for c in columns if c.key in first and c.key in converters]
    missing = [c for c in columns if c.key not in first]
    tail: list[list[Any]] = [converters[c.key]([row[c.key] for row in rows]) for c in converted]
    for c in missing:  # its scalar default, else NULL
        default = c.default.arg if c.default is not None and c.default.is_scalar else None  # type: ignore[attr-defined]
        if c.key in converters:
            default = converters[c.key]([default])[0]
        tail.append([default] * len(rows))
    head = map(_tuples([c.key for c in plain]), rows)
    params = list(map(tuple.__add__, head, zip(*tail, strict=True))) if tail else list(head)
    order = [*plain, *converted, *missing]
    names = ", ".join(quote(conn, c.name) for c in order)
    target = quote(conn, table.name)
    cursor = driver(conn).cursor()
    try:
        if is_sqlite(conn):
            marks = ", ".join("?" * len(order))
            cursor.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", params)
        else:
            with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
    finally:
        cursor.close()


def stored_by_key(
    conn: Connection, table: Table, keys: Sequence[str], *extra: str
) -> dict[str, tuple[Any, ...]]:
    """source_key -> (id, content_hash, *extra) for the keys the table already has.

    The keys travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so the
    statement text is the same for every batch: one prepared statement, and no per-length
    entries piling up in the driver's statement cache."""
    if not keys:
        return {}
    names = ["source_key", "id", "content_hash", *extra]
    columns = ", ".join(quote(conn, table.c[n].name) for n in names)
    name = quote(conn, table.name)
    cursor = driver(conn).cursor()
    try:
        if is_sqlite(conn):
            cursor.execute(
                f"SELECT {columns} FROM {name} WHERE source_key IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(list(keys)),),
            )
        else:
            cursor.execute(
                f"SELECT {columns} FROM {name} WHERE source_key = ANY(%s)", (list(keys),)
            )
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    processors = [
        (i + 3, p)
        for i, n in enumerate(extra)
        if (p := table.c[n].type.dialect_impl(conn.dialect).result_processor(conn.dialect, None))
    ]
    found: dict[str, tuple[Any, ...]] = {}
    for row in fetched:
        if processors:
            values = list(row)
            for index, process in processors:
                values[index] = process(values[index])
            row = tuple(values)
        found[row[0]] = tuple(row[1:])
    return found


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys for `table`, so that children can point at rows inserted in
    bulk. SQLite: this transaction holds the write lock, and max(id) + 1 is what SQLite itself
    would assign. PostgreSQL: drawn from the column's sequence."""
    if count <= 0:
        return []
    cursor = driver(conn).cursor()
    try:
        if is_sqlite(conn):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {quote(conn, table.name)}")
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return sorted(int(row[0]) for row in cursor.fetchall())
    finally:
        cursor.close()


def update_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [c for c in rows[0] if c not in ("id", "_id")]
    stmt = (
        update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    )
    conn.execute(stmt, rows)
