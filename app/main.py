"""create_app(): routers, the error table, and the engine on app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app.db import make_engine
from app.errors import TestigoError
from app.index_holder import IndexHolder
from app.routes import alerts, check, entities, health
from app.settings import Settings, get_settings

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None, *, load_index: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if load_index:
            app.state.index.start()
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
    app.state.index = IndexHolder(app.state.engine, settings)
    app.include_router(health.router)
    app.include_router(check.router)
    app.include_router(entities.router)
    app.include_router(alerts.router)

    @app.middleware("http")
    async def _refuse_nul(request: Request, call_next: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it up front with a 422 rather than fail later.
        query = request.url.query.lower()
        body = await request.body() if request.method in ("POST", "PUT", "PATCH") else b""
        if "%00" in query or "\x00" in request.url.path or b"\\u0000" in body or b"\x00" in body:
            return JSONResponse(
                {"detail": "invalid request: text may not contain NUL (\\u0000) characters"},
                status_code=422,
            )
        return await call_next(request)

    @app.exception_handler(TestigoError)
    async def _testigo_error(_: Request, exc: TestigoError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p not in ('query', 'body', 'path'))}: "
            f"{e['msg']}"
            for e in exc.errors()
        ]
        return JSONResponse(
            {
                "detail": "invalid request: " + "; ".join(problems),
                "errors": jsonable_encoder(exc.errors(), exclude={"ctx", "url", "input"}),
            },
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # No stack trace or SQL reaches a client; the log keeps it for the operator.
        log.error("request.failed", error=repr(exc))
        return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)

    @app.exception_handler(SQLAlchemyError)
    async def _db_error(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        # Never show SQL to a client; the log keeps it for the operator.
        log.error("db.error", error=str(exc))
        return JSONResponse({"detail": "database unavailable; try again shortly"}, status_code=503)

    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory app.main:app_factory` (used by `testigo serve`)."""
    return create_app()
