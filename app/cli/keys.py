"""`testigo apikey ...`: keys for the HTTP API, and the demo's auditor key."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.base import engine_scope
from app.settings import Settings

apikey_cli = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)


@apikey_cli.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="officer | auditor | admin")],
    name: Annotated[str, typer.Option(help="Who holds the key")],
) -> None:
    """Create a key; prints the key alone on stdout (it is stored only as a hash)."""
    from app import keys

    with engine_scope() as engine:
        key_id, key = keys.create(engine, role=role, name=name)
    typer.echo(key)
    typer.echo(f"key {key_id} for {name} ({role}); keep it: it cannot be shown again", err=True)


@apikey_cli.command("revoke")
def apikey_revoke(
    key: Annotated[str, typer.Argument(help="The key's id, or the key itself")],
) -> None:
    """Revoke a key by id or by the key itself."""
    from app import keys

    with engine_scope() as engine:
        count = keys.revoke(engine, key)
    if not count:
        typer.echo(f"error: no active key matches {key!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {count} key(s)", err=True)


@apikey_cli.command("list")
def apikey_list() -> None:
    """The keys (never the keys themselves): id, holder, role, prefix, created, revoked."""
    from app import keys

    with engine_scope() as engine:
        for row in keys.listing(engine):
            typer.echo(json.dumps(row))


def demo_key(settings: Settings) -> None:
    """An auditor key for trying the API, saved under the data dir (readable by its owner only).
    The saved key is kept while it still works; a missing, revoked or foreign one (the file of
    another database) is replaced, so every run leaves a usable key file."""
    from app import keys

    path = settings.data_dir / "demo-api-key"
    with engine_scope(settings) as engine:
        saved = path.read_text().strip() if path.is_file() else ""
        if saved and keys.verify(engine, saved) is not None:
            typer.echo(f"demo API key (auditor), in {path}: {saved}", err=True)
            return
        _, key = keys.create(engine, role="auditor", name="demo")
    keys.save(path, key)
    typer.echo(f"demo API key (auditor), saved in {path}: {key}", err=True)
