"""Run Alembic from code so `testigo db upgrade` works from any directory."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config

from app.errors import CannotStart
from app.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

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
    from app.store.engine import make_engine

    engine = make_engine(settings)
    try:
        return _revision_of(engine)
    finally:
        engine.dispose()


def _revision_of(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    from app.store.engine import reading

    with reading(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


PROBE_TIMEOUT_S = 5  # seconds to connect for the revision check; then the command goes on


@cache
def _revisions() -> tuple[str, frozenset[str]]:
    """The head this code migrates to, and every revision it knows."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(_script_location()))
    head = scripts.get_current_head()
    assert head is not None, "the migration scripts have no head"
    return head, frozenset(script.revision for script in scripts.walk_revisions())


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that was never migrated, or that an older version migrated,
    with the one command that fixes it, rather than a missing table's SQL error halfway through.

    A database that does not answer within `PROBE_TIMEOUT_S` is left to the command, which says
    so in its own words (and a server answers 503 and retries): a host that drops packets must
    not hold `testigo serve` for the system's TCP timeout before it starts. A revision this code
    does not know was written by a newer version; it is let through, so that a rolling
    upgrade's old workers keep serving."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    probe = engine
    if engine.dialect.name == "postgresql":
        probe = create_engine(
            engine.url, poolclass=NullPool, connect_args={"connect_timeout": PROBE_TIMEOUT_S}
        )
    try:
        at = _revision_of(probe)
    except SQLAlchemyError:
        return
    finally:
        if probe is not engine:
            probe.dispose()
    head, known = _revisions()
    where = engine.url.render_as_string(hide_password=True)
    if at is None:
        raise CannotStart(f"the database {where} is not set up: run `testigo db upgrade`")
    if at != head and at in known:
        raise CannotStart(
            f"the database {where} is at revision {at}, this version needs {head}: "
            "run `testigo db upgrade`"
        )
