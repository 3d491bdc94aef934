"""What every command shares: the global options, the settings, one engine scope, and the one
place a failure becomes what the user sees (one line on stderr and the error's exit code)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from app import logs
from app.errors import BadSetting, TestigoError, first_line
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.progress import TerminalProgress

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Re-read files already loaded byte for byte.")
]

# Options of `testigo` itself, before the command (`testigo --verbose link`).
GLOBAL = {"verbose": False}


def options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show every file and quarantined row, info logs and the linker's own logs.",
        ),
    ] = False,
) -> None:
    GLOBAL["verbose"] = verbose


def load_settings() -> Settings:
    """The settings, with the logs configured from them; a TESTIGO_ variable that does not
    parse is a BadSetting naming it (exit 2)."""
    from pydantic import ValidationError

    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TESTIGO_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise BadSetting(f"bad setting: {problems}") from None
    logs.configure(settings.log_level, verbose=GLOBAL["verbose"])
    return settings


@contextmanager
def engine_scope(settings: Settings | None = None) -> Iterator[Engine]:
    """The database engine of one command, disposed of however the command ends; a database
    not migrated to this version is refused before the command begins."""
    from app.migrations import require_current
    from app.store.engine import make_engine

    engine = make_engine(settings or load_settings())
    try:
        require_current(engine)
        yield engine
    finally:
        engine.dispose()


def progress(as_json: bool) -> TerminalProgress | None:
    """Progress on a terminal; none in a pipe or a log, or beside JSON output."""
    from app.progress import TerminalProgress

    return TerminalProgress() if sys.stderr.isatty() and not as_json else None


def debugging() -> bool:
    """Whether tracebacks are wanted (TESTIGO_LOG_LEVEL=DEBUG, in the environment or .env)."""
    try:
        level = get_settings().log_level
    except Exception:  # the settings may be what failed: the environment alone then
        level = os.environ.get("TESTIGO_LOG_LEVEL", "")
    return level.upper() == "DEBUG"


def run(cli: typer.Typer) -> None:
    """Run the command line. A TestigoError is one line on stderr and the exit code its class
    carries; any other failure is one line and exit 1, never a traceback
    (TESTIGO_LOG_LEVEL=DEBUG lets those through, for debugging)."""
    try:
        cli()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
    except TestigoError as exc:
        typer.echo(f"error: {first_line(exc.detail)}", err=True)
        raise SystemExit(exc.exit_code) from None
    except Exception as exc:
        if debugging():
            raise
        typer.echo(
            f"error: {exc.__class__.__name__}: {first_line(exc)} "
            "(TESTIGO_LOG_LEVEL=DEBUG shows the traceback)",
            err=True,
        )
        raise SystemExit(1) from None
