"""`testigo nightly`: the unattended run (refresh, link, scan, digest)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.base import JsonOpt, engine_scope, load_settings


def nightly_cmd(
    no_mail: Annotated[bool, typer.Option("--no-mail", help="Do not send the digest.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Refresh the sources in $TESTIGO_SOURCES, link, scan, send the digest. Exit 1 when a
    source or a message failed (the rest still ran), 2 when the run could not start."""
    from dataclasses import asdict

    from app.nightly import run

    settings = load_settings()
    with engine_scope(settings) as engine:
        report = run(engine, settings, send_mail=not no_mail)  # NightlyError: exit 2
    typer.echo(json.dumps(asdict(report)) if as_json else report.line())
    raise typer.Exit(report.exit_code)
