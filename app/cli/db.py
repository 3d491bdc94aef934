"""`testigo db ...` (migrations) and `testigo stats` (what the database holds)."""

from __future__ import annotations

import json

import typer

from app.cli.base import engine_scope, load_settings

db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to --revision (default: the latest)."""
    from app import migrations

    settings = load_settings()
    migrations.upgrade(settings, revision)
    typer.echo(f"database at {migrations.current(settings)}", err=True)


@db_cli.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    """Migrate the database down to --revision (default: empty)."""
    from app import migrations

    migrations.downgrade(load_settings(), revision)


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from app import migrations

    typer.echo(migrations.current(load_settings()) or "none")


def show_stats() -> None:
    """Print what is loaded, as JSON."""
    from app import stats
    from app.store.ingest_runs import sweep

    with engine_scope() as engine:
        sweep(engine)  # a run whose process died counts as interrupted, not as started
        typer.echo(json.dumps(stats.summary(engine), indent=2, ensure_ascii=False))
