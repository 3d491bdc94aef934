"""`testigo alerts ...` (barred-winner alerts) and the digest: `subscribe`, `unsubscribe`,
`digest`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.base import JsonOpt, engine_scope, load_settings

alerts_cli = typer.Typer(help="Barred-winner alerts.", no_args_is_help=True)


@alerts_cli.command("scan")
def alerts_scan(as_json: JsonOpt = False) -> None:
    """Check every award against the sanctions of the firm its supplier resolves to."""
    from dataclasses import asdict

    from app.alerts.detect import scan

    with engine_scope() as engine:
        summary = scan(engine)
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

    with engine_scope() as engine:
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

    with engine_scope() as engine:
        done = review(
            engine,
            alert_id,
            decision=decision,
            reviewer=reviewer or getpass.getuser(),
            note=note,
            not_same_firm=not_same_firm,
        )
    typer.echo(f"alert {done['id']}: {done['status']}", err=True)


def subscribe_cmd(
    email: Annotated[str, typer.Argument(help="Where to send the alert digest")],
    buyer: Annotated[
        list[str] | None,
        typer.Option(help="Only alerts of buyers whose name contains this (repeatable)."),
    ] = None,
    min_severity: Annotated[str, typer.Option(help="high | medium | low")] = "low",
) -> None:
    """Send EMAIL the alert digest, from now on (earlier alerts are not sent). Again: update."""
    from app.alerts.subscriptions import subscribe

    with engine_scope() as engine:
        sub = subscribe(engine, email, buyers=buyer or [], min_severity=min_severity)
    typer.echo(json.dumps(sub, ensure_ascii=False))


def unsubscribe_cmd(
    email: Annotated[str, typer.Argument(help="The subscribed address")],
) -> None:
    """Stop sending the digest to EMAIL (the subscription is kept, inactive)."""
    from app.alerts.subscriptions import unsubscribe

    with engine_scope() as engine:
        found = unsubscribe(engine, email)
    if not found:
        typer.echo(f"error: no subscription for {email}", err=True)
        raise typer.Exit(1)
    typer.echo(f"unsubscribed {email}", err=True)


def digest_cmd(as_json: JsonOpt = False) -> None:
    """Queue each subscription's new alerts and send everything queued (SMTP); exits 1 when a
    message could not be sent (it stays queued for the next run)."""
    from app.alerts.digest import run_digest

    settings = load_settings()
    with engine_scope(settings) as engine:
        counts = run_digest(engine, settings)
    if as_json:
        typer.echo(json.dumps(counts))
    else:
        typer.echo(
            f"digest: {counts['queued']} queued, {counts['sent']} sent, "
            f"{counts['failed']} failed, {counts['queued_left']} still queued"
        )
    if counts["failed"]:
        raise typer.Exit(1)
