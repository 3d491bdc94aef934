"""A bulk write with the table's indexes rebuilt (`bulk.indexes_rebuilt`, a full link's store)
leaves every index as the schema defines it, also when the write fails; on PostgreSQL, where
dropping an index would lock the table against the service's readers, nothing is dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store.bulk import indexes_rebuilt, insert_rows
from app.store.engine import make_engine, reading, transaction
from app.store.links import LINKS

DUPLICATE = r"UNIQUE constraint failed|duplicate key"


def _indexes(conn: sa.Connection) -> set[tuple[str, tuple[str, ...], bool]]:
    found = sa.inspect(conn).get_indexes("links")
    return {(str(i["name"]), tuple(map(str, i["column_names"])), bool(i["unique"])) for i in found}


def _links(n: int) -> list[dict[str, Any]]:
    return [
        {
            "record_a": f"sanction:sfp:{i:05d}",
            "record_b": f"party:ocds-{i:05d}",
            "probability": 0.99,
            "match_weight": 9.5,
            "evidence": [{"comparison": "name", "level": "exact", "gamma": 11}],
            "status": "linked",
            "reason": None,
            "link_run_id": 1,
        }
        for i in range(n)
    ]


def test_a_bulk_write_leaves_every_index_of_the_schema(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with transaction(engine) as conn:
            before = _indexes(conn)
            with indexes_rebuilt(conn, LINKS, worth_it=True):
                during = _indexes(conn)
                insert_rows(conn, LINKS, _links(300))
                # The pair's unique constraint holds while the other indexes are away (the
                # driver's own error: the rows go to it directly).
                with pytest.raises(Exception, match=DUPLICATE), conn.begin_nested():
                    insert_rows(conn, LINKS, _links(1))
        with reading(engine) as conn:
            after = _indexes(conn)
            (count,) = conn.execute(sa.select(sa.func.count()).select_from(LINKS)).one()
    finally:
        engine.dispose()
    assert count == 300
    assert ("ix_links_record_b", ("record_b",), False) in before
    assert after == before
    assert during == (set() if engine.dialect.name == "sqlite" else before)


def test_a_failed_bulk_write_leaves_the_indexes_and_no_row(db_settings: Settings) -> None:
    engine = make_engine(db_settings)
    try:
        with reading(engine) as conn:
            before = _indexes(conn)
        with (
            pytest.raises(RuntimeError, match="half-way"),
            transaction(engine) as conn,
            indexes_rebuilt(conn, LINKS, worth_it=True),
        ):
            insert_rows(conn, LINKS, _links(50))
            raise RuntimeError("half-way")
        with reading(engine) as conn:
            assert _indexes(conn) == before
            assert conn.execute(sa.select(sa.func.count()).select_from(LINKS)).scalar() == 0
    finally:
        engine.dispose()


def test_a_write_not_worth_it_keeps_the_indexes(sqlite_settings: Settings) -> None:
    engine = make_engine(sqlite_settings)
    try:
        with transaction(engine) as conn:
            before = _indexes(conn)
            with indexes_rebuilt(conn, LINKS, worth_it=False):
                assert _indexes(conn) == before
    finally:
        engine.dispose()


def test_a_unique_index_stays_while_the_others_are_rebuilt(tmp_path: Path) -> None:
    """A unique index is a rule each row is checked against as it goes in: it is never
    dropped. (No table of the schema has one yet; a table of this test's own has.)"""
    metadata = sa.MetaData()
    table = sa.Table(
        "rows",
        metadata,
        sa.Column("a", sa.String),
        sa.Column("b", sa.String),
        sa.Index("ix_rows_a", "a", unique=True),
        sa.Index("ix_rows_b", "b"),
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    try:
        metadata.create_all(engine)
        with engine.begin() as conn, indexes_rebuilt(conn, table, worth_it=True):
            during = {i["name"] for i in sa.inspect(conn).get_indexes("rows")}
            insert_rows(conn, table, [{"a": "x", "b": "y"}])
            with pytest.raises(Exception, match=DUPLICATE), conn.begin_nested():
                insert_rows(conn, table, [{"a": "x", "b": "z"}])
        with engine.connect() as conn:
            after = {i["name"] for i in sa.inspect(conn).get_indexes("rows")}
    finally:
        engine.dispose()
    assert during == {"ix_rows_a"}
    assert after == {"ix_rows_a", "ix_rows_b"}
