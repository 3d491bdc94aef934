"""`testigo ingest ...` (one source) and `testigo demo` (the bundled public files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.base import GLOBAL, ForceOpt, JsonOpt, engine_scope, load_settings, progress
from app.cli.keys import demo_key

if TYPE_CHECKING:
    from ingest.pipeline import Job

ingest_cli = typer.Typer(
    help="Load sources: OCDS, contracts, sanctions registries, supplier registers.",
    no_args_is_help=True,
)
Locations = Annotated[list[str], typer.Argument(help="Files, directories or http(s) URLs.")]
Location = Annotated[str, typer.Argument(help="A file or an http(s) URL.")]
Partial = Annotated[bool, typer.Option(help="Not a full snapshot: withdraw nothing.")]


def _run(job_factory: Callable[[], Job], locations: list[str], as_json: bool, force: bool) -> None:
    """Run one ingest job over `locations` and print its summary; exit 1 if a file failed."""
    from ingest.pipeline import dumps, run_job

    settings = load_settings()
    job = job_factory()  # options that make no job are refused before the database is opened
    with engine_scope(settings) as engine:
        summary = run_job(
            job,
            locations,
            engine=engine,
            settings=settings,
            progress=progress(as_json),
            force=force,
        )
    if as_json:
        typer.echo(dumps(summary))
    else:
        from app.progress import print_summary

        print_summary(summary, verbose=GLOBAL["verbose"])
    if summary.failed:
        raise typer.Exit(1)


@ingest_cli.command("ocds")
def ingest_ocds(locations: Locations, as_json: JsonOpt = False, force: ForceOpt = False) -> None:
    """Load OCDS releases, release/record packages, JSON Lines or .gz files."""
    from ingest.jobs import ocds_job

    _run(ocds_job, locations, as_json, force)


@ingest_cli.command("contracts")
def ingest_contracts(
    locations: Locations,
    fmt: Annotated[str, typer.Option("--format", "-f", help="comprasmx")],
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load contracts published as tables (ComprasMX CSV downloads), stored as OCDS contracts."""
    from ingest.jobs import contracts_job

    _run(lambda: contracts_job(fmt), locations, as_json, force)


@ingest_cli.command("sanctions")
def ingest_sanctions(
    location: Location,
    fmt: Annotated[str, typer.Option("--format", "-f", help="sfp | sat-69b | pdn-s3")],
    partial: Partial = False,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load a sanctions registry snapshot."""
    from ingest.jobs import sanctions_job

    _run(lambda: sanctions_job(fmt, snapshot=not partial), [location], as_json, force)


@ingest_cli.command("suppliers")
def ingest_suppliers(
    location: Location,
    fmt: Annotated[str, typer.Option("--format", "-f", help="cdmx-sefin | csv")],
    mapping: Annotated[
        str | None, typer.Option("--map", help="csv: name=COL,rfc=COL,id=COL,...")
    ] = None,
    register: Annotated[
        str | None, typer.Option(help="csv: the register's name, e.g. rupc")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="csv: file encoding (default: sniffed)")
    ] = None,
    partial: Partial = False,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load a supplier register."""
    from ingest.jobs import JobError, suppliers_job
    from ingest.suppliers import parse_mapping

    def make() -> Job:
        try:
            parsed = parse_mapping(mapping) if mapping else None
        except ValueError as exc:  # the parser's own words, as an option that makes no job
            raise JobError(str(exc)) from exc
        return suppliers_job(
            fmt, mapping=parsed, register=register, encoding=encoding, snapshot=not partial
        )

    _run(make, [location], as_json, force)


def demo(as_json: JsonOpt = False) -> None:
    """Load the bundled real public files (OCDS, SFP, SAT 69-B, CDMX suppliers)."""
    from ingest.demo import load_demo
    from ingest.pipeline import dumps

    settings = load_settings()
    with engine_scope(settings) as engine:
        summaries = load_demo(
            settings.demo_dir, engine=engine, settings=settings, progress=progress(as_json)
        )
    if as_json:
        for summary in summaries:
            typer.echo(dumps(summary))
    else:
        from app.progress import print_sources

        print_sources(summaries, verbose=GLOBAL["verbose"])
    demo_key(settings)
    if any(s.failed for s in summaries):
        raise typer.Exit(1)
