"""`testigo export ...`: resolved data streamed to stdout."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.cli.base import engine_scope
from app.errors import BadRequest

export_cli = typer.Typer(help="Stream resolved data.", no_args_is_help=True)


@export_cli.command("entities")
def export_entities(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl | csv | ftm")] = "jsonl",
) -> None:
    """One entity per line: id, display name, RFCs and its records with their probability;
    `ftm`: FollowTheMoney entities (firms, sanctions, contracts, buyers) for yente or Aleph."""
    from matching import export, ftm

    writers = {"jsonl": export.jsonl, "csv": export.csv_lines, "ftm": ftm.lines}
    if fmt not in writers:
        raise BadRequest("--format must be jsonl, csv or ftm")
    with engine_scope() as engine:
        for line in writers[fmt](engine):
            sys.stdout.write(line)
