"""The `testigo` command. Thin: each command parses options and calls one library function."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from app import logs
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from ingest.pipeline import Job

cli = typer.Typer(
    help="Testigo: link procurement, sanctions and supplier data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
ingest_cli = typer.Typer(
    help="Load sources: OCDS, contracts, sanctions registries, supplier registers.",
    no_args_is_help=True,
)
cli.add_typer(db_cli, name="db")
cli.add_typer(ingest_cli, name="ingest")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Re-read files already loaded byte for byte.")
]


# Options of `testigo` itself, before the command (`testigo --verbose link`).
_GLOBAL = {"verbose": False}


@cli.callback()
def _options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show every file and quarantined row, info logs and the linker's own logs.",
        ),
    ] = False,
) -> None:
    _GLOBAL["verbose"] = verbose


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        settings = get_settings()
    except ValidationError as exc:  # a TESTIGO_ variable that does not parse
        problems = "; ".join(
            f"TESTIGO_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        typer.echo(f"error: bad setting: {problems}", err=True)
        raise typer.Exit(2) from None
    logs.configure(settings.log_level, verbose=_GLOBAL["verbose"])
    return settings


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to REVISION (default: the latest)."""
    from app import migrations

    settings = _settings()
    migrations.upgrade(settings, revision)
    typer.echo(f"database at {migrations.current(settings)}", err=True)


@db_cli.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    """Migrate the database down to REVISION (default: empty)."""
    from app import migrations

    migrations.downgrade(_settings(), revision)


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from app import migrations

    typer.echo(migrations.current(_settings()) or "none")


def _run(job_factory: Callable[[], Job], locations: list[str], as_json: bool, force: bool) -> None:
    from app.db import make_engine
    from app.progress import TerminalProgress
    from ingest.jobs import JobError
    from ingest.pipeline import run_job

    settings = _settings()
    try:
        job = job_factory()
    except JobError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = make_engine(settings)
    try:
        progress = TerminalProgress() if sys.stderr.isatty() and not as_json else None
        summary = run_job(
            job, locations, engine=engine, settings=settings, progress=progress, force=force
        )
    finally:
        engine.dispose()
    if as_json:
        from ingest.pipeline import dumps

        typer.echo(dumps(summary))
    else:
        from app.progress import print_summary

        print_summary(summary, verbose=_GLOBAL["verbose"])
    if summary.failed:
        raise typer.Exit(1)


@ingest_cli.command("ocds")
def ingest_ocds(
    locations: Annotated[list[str], typer.Argument(help="Files, directories or http(s) URLs.")],
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load OCDS releases, release/record packages, JSON Lines or .gz files."""
    from ingest.jobs import ocds_job

    _run(ocds_job, locations, as_json, force)


@ingest_cli.command("contracts")
def ingest_contracts(
    locations: Annotated[list[str], typer.Argument(help="Files, directories or http(s) URLs.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="comprasmx")],
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load contracts published as tables (ComprasMX CSV downloads), stored as OCDS contracts."""
    from ingest.jobs import contracts_job

    _run(lambda: contracts_job(fmt), locations, as_json, force)


@ingest_cli.command("sanctions")
def ingest_sanctions(
    location: Annotated[str, typer.Argument(help="A file or an http(s) URL.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="sfp | sat-69b | pdn-s3")],
    partial: Annotated[bool, typer.Option(help="Not a full snapshot: withdraw nothing.")] = False,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load a sanctions registry snapshot."""
    from ingest.jobs import sanctions_job

    _run(lambda: sanctions_job(fmt, snapshot=not partial), [location], as_json, force)


@ingest_cli.command("suppliers")
def ingest_suppliers(
    location: Annotated[str, typer.Argument(help="A file or an http(s) URL.")],
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
    partial: Annotated[bool, typer.Option(help="Not a full snapshot: withdraw nothing.")] = False,
    as_json: JsonOpt = False,
    force: ForceOpt = False,
) -> None:
    """Load a supplier register."""
    from ingest.jobs import JobError, suppliers_job
    from ingest.suppliers import parse_mapping

    def make() -> Job:
        try:
            parsed = parse_mapping(mapping) if mapping else None
        except ValueError as exc:
            raise JobError(str(exc)) from exc
        return suppliers_job(
            fmt, mapping=parsed, register=register, encoding=encoding, snapshot=not partial
        )

    _run(make, [location], as_json, force)


@cli.command("demo")
def demo(as_json: JsonOpt = False) -> None:
    """Load the bundled real public files (OCDS, SFP, SAT 69-B, CDMX suppliers)."""
    from app.db import make_engine
    from ingest.demo import load_demo
    from ingest.pipeline import dumps

    settings = _settings()
    engine = make_engine(settings)
    try:
        from app.progress import TerminalProgress

        progress = TerminalProgress() if sys.stderr.isatty() and not as_json else None
        summaries = load_demo(
            settings.demo_dir, engine=engine, settings=settings, progress=progress
        )
    finally:
        engine.dispose()
    if as_json:
        for summary in summaries:
            typer.echo(dumps(summary))
    else:
        from app.progress import print_sources

        print_sources(summaries, verbose=_GLOBAL["verbose"])
    _demo_key(settings)
    if any(s.failed for s in summaries):
        raise typer.Exit(1)


def _demo_key(settings: Settings) -> None:
    """An auditor key for trying the API, saved under the data dir (readable by its owner only).
    The saved key is kept while it still works; a missing, revoked or foreign one (the file of
    another database) is replaced, so every run leaves a usable key file."""
    from app import keys
    from app.db import make_engine

    path = settings.data_dir / "demo-api-key"
    engine = make_engine(settings)
    try:
        saved = path.read_text().strip() if path.is_file() else ""
        if saved and keys.verify(engine, saved) is not None:
            typer.echo(f"demo API key (auditor), in {path}: {saved}", err=True)
            return
        _, key = keys.create(engine, role="auditor", name="demo")
    finally:
        engine.dispose()
    keys.save(path, key)
    typer.echo(f"demo API key (auditor), saved in {path}: {key}", err=True)


@cli.command("link")
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
    from app.db import make_engine
    from app.linking import failure, link_options
    from matching.link import link
    from matching.training import describe

    settings = _settings()
    options = link_options(settings, auto=auto, review=review, full=full, retrain=retrain)
    if options.review >= options.auto:
        typer.echo("error: --review must be below --auto", err=True)
        raise typer.Exit(2)
    engine = make_engine(settings)
    say = None if as_json else (lambda text: typer.echo(f"link: {text}", err=True))
    try:
        summary = link(engine, options, say=say)
    except Exception as exc:
        # One line, never a traceback (TESTIGO_LOG_LEVEL=DEBUG keeps it for debugging).
        if settings.log_level.upper() == "DEBUG":
            raise
        typer.echo(f"error: {failure(exc)}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
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


@cli.command("judge")
def judge(
    decision: Annotated[str, typer.Argument(help="same | different")],
    record_a: Annotated[str, typer.Argument(help="A record key, e.g. sanction:sfp:...")],
    record_b: Annotated[str, typer.Argument(help="Another record key")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
    author: Annotated[str | None, typer.Option(help="Who judges (default: $USER).")] = None,
) -> None:
    """Assert that two records are the same firm, or are not; overrides the model from now on."""
    import getpass

    from app.db import make_engine
    from matching.judgements import JudgementError, record

    engine = make_engine(_settings())
    try:
        done = record(
            engine, decision, record_a, record_b, author=author or getpass.getuser(), note=note
        )
    except JudgementError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(
        f"judgement {done.id}: {done.record_a} {done.decision} {done.record_b} "
        "(applies from the next `testigo link`)",
        err=True,
    )


export_cli = typer.Typer(help="Stream resolved data.", no_args_is_help=True)
cli.add_typer(export_cli, name="export")


@export_cli.command("entities")
def export_entities(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl | csv | ftm")] = "jsonl",
) -> None:
    """One entity per line: id, display name, RFCs and its records with their probability;
    `ftm`: FollowTheMoney entities (firms, sanctions, contracts, buyers) for yente or Aleph."""
    from app.db import make_engine
    from matching import export, ftm

    writers = {"jsonl": export.jsonl, "csv": export.csv_lines, "ftm": ftm.lines}
    if fmt not in writers:
        typer.echo("error: --format must be jsonl, csv or ftm", err=True)
        raise typer.Exit(2)
    engine = make_engine(_settings())
    try:
        for line in writers[fmt](engine):
            sys.stdout.write(line)
    finally:
        engine.dispose()


@cli.command("check")
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

    from app import audit
    from app.db import make_engine
    from app.index_holder import IndexUnavailable, open_index
    from matching.check import check
    from matching.rfc import NotAnRfc

    if not name and not rfc:
        typer.echo("error: give --name, --rfc or both", err=True)
        raise typer.Exit(2)
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError as exc:
        typer.echo(f"error: --on must be a date like 2026-11-24, not {on!r}", err=True)
        raise typer.Exit(2) from exc
    settings = _settings()
    engine = make_engine(settings)
    try:
        try:
            index = open_index(engine, settings)
        except IndexUnavailable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        try:
            result = check(
                index,
                engine,
                name=name,
                rfc=rfc,
                on=day,
                auto=settings.link_auto_threshold,
                review=settings.link_review_threshold,
            ).model_dump(exclude={"data_as_of"})
        except NotAnRfc as exc:
            typer.echo(f"error: --rfc: {exc}", err=True)
            raise typer.Exit(2) from exc
        audit.record(engine, None, "check", result["query"], result["verdict"], index.model_version)
    finally:
        engine.dispose()
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


@cli.command("subscribe")
def subscribe_cmd(
    email: Annotated[str, typer.Argument(help="Where to send the alert digest")],
    buyer: Annotated[
        list[str] | None,
        typer.Option(help="Only alerts of buyers whose name contains this (repeatable)."),
    ] = None,
    min_severity: Annotated[str, typer.Option(help="high | medium | low")] = "low",
) -> None:
    """Send EMAIL the alert digest, from now on (earlier alerts are not sent). Again: update."""
    from app.alerts.subscriptions import SubscriptionError, subscribe
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        sub = subscribe(engine, email, buyers=buyer or [], min_severity=min_severity)
    except SubscriptionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(json.dumps(sub, ensure_ascii=False))


@cli.command("unsubscribe")
def unsubscribe_cmd(
    email: Annotated[str, typer.Argument(help="The subscribed address")],
) -> None:
    """Stop sending the digest to EMAIL (the subscription is kept, inactive)."""
    from app.alerts.subscriptions import unsubscribe
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        found = unsubscribe(engine, email)
    finally:
        engine.dispose()
    if not found:
        typer.echo(f"error: no subscription for {email}", err=True)
        raise typer.Exit(1)
    typer.echo(f"unsubscribed {email}", err=True)


@cli.command("digest")
def digest_cmd(as_json: JsonOpt = False) -> None:
    """Queue each subscription's new alerts and send everything queued (SMTP); exits 1 when a
    message could not be sent (it stays queued for the next run)."""
    from app.alerts.digest import run_digest
    from app.db import make_engine

    settings = _settings()
    engine = make_engine(settings)
    try:
        counts = run_digest(engine, settings)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(counts))
    else:
        typer.echo(
            f"digest: {counts['queued']} queued, {counts['sent']} sent, "
            f"{counts['failed']} failed, {counts['queued_left']} still queued"
        )
    if counts["failed"]:
        raise typer.Exit(1)


@cli.command("nightly")
def nightly_cmd(
    no_mail: Annotated[bool, typer.Option("--no-mail", help="Do not send the digest.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Refresh the sources in $TESTIGO_SOURCES, link, scan, send the digest. Exit 1 when a
    source or a message failed (the rest still ran), 2 when the run could not start."""
    from dataclasses import asdict

    from app.db import make_engine
    from app.nightly import NightlyError, run

    settings = _settings()
    engine = make_engine(settings)
    try:
        report = run(engine, settings, send_mail=not no_mail)
    except NightlyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(json.dumps(asdict(report)) if as_json else report.line())
    raise typer.Exit(report.exit_code)


apikey_cli = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
cli.add_typer(apikey_cli, name="apikey")


@apikey_cli.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="officer | auditor | admin")],
    name: Annotated[str, typer.Option(help="Who holds the key")],
) -> None:
    """Create a key; prints the key alone on stdout (it is stored only as a hash)."""
    from app import keys
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        key_id, key = keys.create(engine, role=role, name=name)
    except keys.KeyError_ as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(key)
    typer.echo(f"key {key_id} for {name} ({role}); keep it: it cannot be shown again", err=True)


@apikey_cli.command("revoke")
def apikey_revoke(
    key: Annotated[str, typer.Argument(help="The key's id, or the key itself")],
) -> None:
    """Revoke a key by id or by the key itself."""
    from app import keys
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        count = keys.revoke(engine, key)
    finally:
        engine.dispose()
    if not count:
        typer.echo(f"error: no active key matches {key!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {count} key(s)", err=True)


@apikey_cli.command("list")
def apikey_list() -> None:
    """The keys (never the keys themselves): id, holder, role, prefix, created, revoked."""
    from app import keys
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        for row in keys.listing(engine):
            typer.echo(json.dumps(row))
    finally:
        engine.dispose()


alerts_cli = typer.Typer(help="Barred-winner alerts.", no_args_is_help=True)
cli.add_typer(alerts_cli, name="alerts")


@alerts_cli.command("scan")
def alerts_scan(as_json: JsonOpt = False) -> None:
    """Check every award against the sanctions of the firm its supplier resolves to."""
    from dataclasses import asdict

    from app.alerts.detect import scan
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        summary = scan(engine)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(asdict(summary)))
    else:
        typer.echo(
            f"alerts: {summary.alerts_new} new, {summary.alerts_updated} updated, "
            f"{summary.alerts_unchanged} unchanged ({summary.awards_checked:,} award suppliers "
            f"checked, {summary.seconds:.1f} s)"
        )


@alerts_cli.command("list")
def alerts_list(
    status: Annotated[str | None, typer.Option(help="new | confirmed | dismissed")] = None,
    severity: Annotated[str | None, typer.Option(help="minimum: high | medium | low")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The alerts; with --json one JSON object per line."""
    from app.alerts.review import listing
    from app.db import make_engine

    engine = make_engine(_settings())
    try:
        for alert in listing(engine, status=status, severity=severity):
            if as_json:
                s = alert["sanction"]
                typer.echo(
                    json.dumps(
                        {
                            "id": alert["id"],
                            "severity": alert["severity"],
                            "status": alert["status"],
                            "ocid": alert["ocid"],
                            "award_id": alert["award_id"],
                            "date": alert["date"],
                            "supplier_name": alert["supplier_name"],
                            "supplier_rfc": alert["supplier_rfc"],
                            "sanction": {
                                k: s.get(k) for k in ("registry", "case_number", "start", "end")
                            },
                            "probability": alert["probability"],
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                typer.echo(
                    f"{alert['id']:>6} {alert['severity']:<6} {alert['status']:<9} "
                    f"{alert['date']} {alert['ocid']} {alert['supplier_name']}"
                )
    finally:
        engine.dispose()


@alerts_cli.command("review")
def alerts_review(
    alert_id: int,
    decision: Annotated[str, typer.Argument(help="confirm | dismiss")],
    note: Annotated[str | None, typer.Option(help="Why")] = None,
    not_same_firm: Annotated[bool, typer.Option(help="Dismiss: not the sanctioned firm")] = False,
    reviewer: Annotated[str | None, typer.Option(help="Who reviews (default: $USER)")] = None,
) -> None:
    """Confirm or dismiss an alert."""
    import getpass

    from app.alerts.review import review
    from app.db import make_engine
    from app.errors import TestigoError

    engine = make_engine(_settings())
    try:
        done = review(
            engine,
            alert_id,
            decision=decision,
            reviewer=reviewer or getpass.getuser(),
            note=note,
            not_same_firm=not_same_firm,
        )
    except TestigoError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(f"alert {done['id']}: {done['status']}", err=True)


@cli.command("stats")
def show_stats() -> None:
    """Print what is loaded, as JSON."""
    from app import stats
    from app.db import make_engine
    from ingest.runs import sweep

    engine = make_engine(_settings())
    try:
        sweep(engine)  # a run whose process died counts as interrupted, not as started
        typer.echo(json.dumps(stats.summary(engine), indent=2, ensure_ascii=False))
    finally:
        engine.dispose()


@cli.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the HTTP API with uvicorn (httptools, uvloop)."""
    import uvicorn

    _settings()
    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        log_level="info",
    )


def main() -> None:
    """The `testigo` command. A failure no command handled is still one line and exit code 1,
    never a traceback (TESTIGO_LOG_LEVEL=DEBUG lets it through, for debugging)."""
    from app.errors import first_line

    try:
        cli()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("TESTIGO_LOG_LEVEL", "").upper() == "DEBUG":
            raise
        typer.echo(
            f"error: {exc.__class__.__name__}: {first_line(exc)} "
            "(TESTIGO_LOG_LEVEL=DEBUG shows the traceback)",
            err=True,
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
