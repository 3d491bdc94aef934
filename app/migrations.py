"""Run Alembic from code so `testigo db upgrade` works from any directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.settings import Settings

# The migration scripts ship inside the package (package data), so a checkout and an installed
# wheel find them the same way, from any working directory.
SCRIPTS = Path(__file__).parent / "alembic"


def _script_location() -> Path:
    if not (SCRIPTS / "env.py").exists():
        raise FileNotFoundError(f"the migration scripts are missing: {SCRIPTS} (reinstall)")
    return SCRIPTS


def alembic_config(settings: Settings) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_script_location()))
    cfg.set_main_option("sqlalchemy.url", settings.db_url.replace("%", "%%"))
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.db_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from app.store.engine import make_engine, reading

    engine = make_engine(settings)
    try:
        with reading(engine) as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
