"""`testigo serve`: the HTTP API and pages under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.base import engine_scope, load_settings


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the HTTP API with uvicorn (httptools, uvloop)."""
    import uvicorn

    settings = load_settings()  # a bad setting is said here, once, not by every worker
    with engine_scope(settings):  # and so is a database not migrated to this version
        pass
    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        log_level="info",
    )
