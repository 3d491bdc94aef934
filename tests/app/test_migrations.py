"""Migrations go up to head, down to base and up again, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app import migrations
from app.store.engine import make_engine
from app.store.tables import Base
from tests.conftest import make_settings
from tests.factories import DATA_TABLES

TABLES = {
    "ingest_runs",
    *DATA_TABLES,
    "link_records",
    "entities",
    "entity_members",
    "links",
    "judgements",
    "link_runs",
    "api_keys",
    "audit_log",
    "alerts",
    "subscriptions",
    "outbox",
}


def _tables(settings: object) -> set[str]:
    engine = make_engine(settings)  # type: ignore[arg-type]
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _round_trip(settings: object) -> None:
    migrations.upgrade(settings)  # type: ignore[arg-type]
    assert _tables(settings) >= TABLES
    assert migrations.current(settings) is not None  # type: ignore[arg-type]
    migrations.downgrade(settings, "base")  # type: ignore[arg-type]
    assert _tables(settings) == set()
    migrations.upgrade(settings)  # type: ignore[arg-type]
    assert _tables(settings) >= TABLES


def test_round_trip_sqlite(tmp_path: Path) -> None:
    _round_trip(make_settings(tmp_path))


def test_round_trip_postgres(tmp_path: Path, pg_url: str) -> None:
    _round_trip(make_settings(tmp_path, pg_url))


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """A model change without a migration fails here (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    settings = make_settings(tmp_path)
    migrations.upgrade(settings)
    engine = make_engine(settings)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
