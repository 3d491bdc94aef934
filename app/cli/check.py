"""`testigo check`: the supplier check, the same answer as GET /v1/check and the /check page."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.base import JsonOpt, engine_scope, load_settings
from app.errors import BadRequest


def check_cmd(
    name: Annotated[str | None, typer.Option(help="The supplier's name")] = None,
    rfc: Annotated[str | None, typer.Option(help="The supplier's RFC")] = None,
    on: Annotated[
        str | None, typer.Option(help="The award date, YYYY-MM-DD (default today)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """May I award to this supplier on this day? The same answer as GET /v1/check."""
    from datetime import date

    from app.checks import check_supplier
    from app.index_holder import open_index

    if not name and not rfc:
        raise BadRequest("give --name, --rfc or both")
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise BadRequest(f"--on must be a date like 2026-11-24, not {on!r}") from None
    settings = load_settings()
    with engine_scope(settings) as engine:
        index = open_index(engine, settings)
        # No audit writer: a command makes one check, and its entry is written now.
        answer = check_supplier(index, engine, name=name, rfc=rfc, on=day, caller=None)
    # The command's answer has always been the check alone, without the data's dates.
    result = answer.model_dump(exclude={"data_as_of"})
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{result['verdict'].upper()} on {result['as_of']}")
    if result["rfc"] and result["rfc"]["note"]:
        typer.echo(f"  RFC {result['rfc']['value']}: {result['rfc']['note']}")
    for m in result["matches"]:
        names = "; ".join(sorted({r["name"] or "" for r in m["records"]}))[:120]
        typer.echo(f"  {m['entity_id']}  p={m['probability']:.3f}  {names}")
    for s in result["sanctions"]:
        typer.echo(f"  {s['registry']} {s['kind']} {s['start']}..{s['end']} {s['authority']}")
