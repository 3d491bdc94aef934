"""`testigo link` (records into resolved firms) and `testigo judge` (a person's decision)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.cli.base import JsonOpt, debugging, engine_scope, load_settings
from app.errors import BadRequest, TestigoError


def link_cmd(
    full: Annotated[
        bool, typer.Option("--full", help="Relink everything, not only new records.")
    ] = False,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new model first.")] = False,
    auto: Annotated[float | None, typer.Option(help="Link at or above this probability.")] = None,
    review: Annotated[float | None, typer.Option(help="Queue for review from here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Link every party, sanction and register entry into resolved firms (Splink)."""
    from app.linking import failure, link_options
    from matching.link import link
    from matching.training import describe

    settings = load_settings()
    options = link_options(settings, auto=auto, review=review, full=full, retrain=retrain)
    if options.review >= options.auto:
        raise BadRequest("--review must be below --auto")
    say = None if as_json else (lambda text: typer.echo(f"link: {text}", err=True))
    with engine_scope(settings) as engine:
        try:
            summary = link(engine, options, say=say)
        except TestigoError:
            raise
        except Exception as exc:
            # Splink's, DuckDB's or the database's own error, said as what failed and what
            # to do (app/linking.py); TESTIGO_LOG_LEVEL=DEBUG keeps the traceback.
            if debugging():
                raise
            raise TestigoError(failure(exc)) from None
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
    elif summary.mode == "empty":
        typer.echo("nothing to link: no records are loaded (load some with `testigo ingest`)")
    else:
        s = summary
        typer.echo(
            f"{s.mode} link: {s.records:,} records ({s.new_or_changed:,} new or changed), "
            f"{s.pairs_scored:,} pairs scored, {s.links:,} links, {s.entities:,} entities, "
            f"{s.review_queue:,} to review, {s.refused:,} refused; model {s.model_version}"
            f"{' (trained now)' if s.trained else ''}; {s.seconds:.1f} s"
        )
        typer.echo(f"training: {describe(s.training)}")
        typer.echo(f"rules: {_rules(s.rules)}")


def _rules(rules: dict[str, Any]) -> str:
    """The rules a run linked under, as a person reads them."""
    one = (
        "one company RFC per firm"
        if rules.get("one_company_rfc")
        else "a firm may hold an RFC not from its name"
    )
    return f"linked at {rules.get('auto')} or more, reviewed from {rules.get('review')}; {one}"


def judge(
    decision: Annotated[str, typer.Argument(help="same | different")],
    record_a: Annotated[str, typer.Argument(help="A record key, e.g. sanction:sfp:...")],
    record_b: Annotated[str, typer.Argument(help="Another record key")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
    author: Annotated[str | None, typer.Option(help="Who judges (default: $USER).")] = None,
) -> None:
    """Assert that two records are the same firm, or are not; overrides the model from now on."""
    import getpass

    from matching.judgements import record

    with engine_scope() as engine:
        done = record(
            engine, decision, record_a, record_b, author=author or getpass.getuser(), note=note
        )
    typer.echo(
        f"judgement {done.id}: {done.record_a} {done.decision} {done.record_b} "
        "(applies from the next `testigo link`)",
        err=True,
    )
