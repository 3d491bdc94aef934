"""The `testigo` command. Thin: each command parses options and calls one library function.
This module is the map: which command lives in which module of the package."""

from __future__ import annotations

import typer

from app.cli import alerts, base, check, db, export, ingest, keys, link, nightly, serve

cli = typer.Typer(
    help="Testigo: link procurement, sanctions and supplier data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    callback=base.options,
)
cli.command("demo")(ingest.demo)
cli.command("link")(link.link_cmd)
cli.command("judge")(link.judge)
cli.command("check")(check.check_cmd)
cli.command("subscribe")(alerts.subscribe_cmd)
cli.command("unsubscribe")(alerts.unsubscribe_cmd)
cli.command("digest")(alerts.digest_cmd)
cli.command("nightly")(nightly.nightly_cmd)
cli.command("stats")(db.show_stats)
cli.command("serve")(serve.serve)
cli.add_typer(db.db_cli, name="db")
cli.add_typer(ingest.ingest_cli, name="ingest")
cli.add_typer(export.export_cli, name="export")
cli.add_typer(keys.apikey_cli, name="apikey")
cli.add_typer(alerts.alerts_cli, name="alerts")


def main() -> None:
    """The `testigo` command (the console entry point): failures are one line, never a
    traceback (app/cli/base.py)."""
    base.run(cli)
