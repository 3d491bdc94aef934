"""create_app(): routers, the error table, and the engine on app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app.db import make_engine
from app.errors import TestigoError
from app.routes import health
from app.settings import Settings, get_settings

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="Testigo",
        version="0.1.0",
        description="Entity resolution for Mexican public procurement integrity: may this "
        "supplier be awarded today, and who is it in every dataset?",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.include_router(health.router)

    @app.exception_handler(TestigoError)
    async def _testigo_error(_: Request, exc: TestigoError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(SQLAlchemyError)
    async def _db_error(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        # Never show SQL to a client; the log keeps it for the operator.
        log.error("db.error", error=str(exc))
        return JSONResponse({"detail": "database unavailable; try again shortly"}, status_code=503)

    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory app.main:app_factory` (used by `testigo serve`)."""
    return create_app()
