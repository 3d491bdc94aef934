"""`testigo serve`: the HTTP API and pages under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.base import load_settings


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the HTTP API with uvicorn (httptools, uvloop)."""
    import uvicorn

    load_settings()  # a bad setting is said here, once, not by every worker
    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        log_level="info",
    )
