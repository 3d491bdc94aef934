"""create_app(): routers, the error table, and the engine on app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Message, Receive, Scope, Send

from app import logs
from app.asgi import HttpMiddleware
from app.audit import AuditWriter
from app.cross_origin import ReconcileCrossOrigin
from app.errors import NotReady, TestigoError
from app.index_holder import IndexHolder
from app.routes import alerts, check, docs, entities, health, reconcile
from app.security_headers import SecurityHeaders
from app.settings import Settings, get_settings
from app.store.engine import make_engine
from app.throttle import Throttle
from app.web import pages

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None, *, load_index: bool = True) -> FastAPI:
    settings = settings or get_settings()
    logs.guard_server_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if load_index:
            app.state.index.start()
        yield
        app.state.audit.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="Testigo",
        version="0.1.0",
        description="Entity resolution for Mexican public procurement integrity: may this "
        "supplier be awarded today, and who is it in every dataset?",
        lifespan=lifespan,
        # /docs is served with its assets by app/routes/docs.py (no CDN); no /redoc. So is
        # /openapi.json, in the reader's language (app/openapi_text.py).
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.index = IndexHolder(app.state.engine, settings)
    app.state.audit = AuditWriter(app.state.engine)
    app.state.throttle = Throttle(
        allowed=settings.key_failures_allowed, window=settings.key_failure_window
    )
    app.include_router(health.router)
    app.include_router(check.router)
    app.include_router(entities.router)
    app.include_router(alerts.router)
    app.include_router(reconcile.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    # Mounted before /static: the documentation's assets come from the fastapi-offline package.
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS), name="docs-assets")
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")

    app.add_middleware(RefuseNul)
    app.add_middleware(ReconcileCrossOrigin)  # /v1/reconcile only; outside RefuseNul
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the others' included

    @app.exception_handler(TestigoError)
    async def _testigo_error(request: Request, exc: TestigoError) -> Response:
        # The one mapping of domain errors to HTTP: each class carries its status; a page
        # shows the error as a page, the API as JSON.
        if pages.is_page(request):
            return pages.error_page(request, exc)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

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
        unavailable = NotReady("database unavailable; try again shortly")
        return JSONResponse(
            {"detail": unavailable.detail}, status_code=503, headers=unavailable.headers
        )

    return app


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    answer = JSONResponse(
        {"detail": "invalid request: text may not contain NUL (\\u0000) characters"},
        status_code=422,
    )
    await answer(scope, receive, send)


class RefuseNul(HttpMiddleware):
    """PostgreSQL text cannot hold NUL: refuse it up front with a 422 rather than fail later."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await _refuse(scope, receive, send)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        # Read the body to look at it, then hand the same bytes on.
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _has_nul(body, _content_type(scope)):
            await _refuse(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower()
    return b""


def _has_nul(body: bytes, content_type: bytes) -> bool:
    """Whether the body spells a NUL the way its type does: raw (a multipart field is raw
    bytes), escaped in JSON, or percent-encoded in a url-encoded form as browsers send one."""
    if b"\x00" in body or b"\\u0000" in body:
        return True
    return content_type.startswith(b"application/x-www-form-urlencoded") and b"%00" in body


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory app.main:app_factory` (used by `testigo serve`)."""
    # Each worker process configures its own logs, with keys redacted, as the CLI does.
    logs.configure(get_settings().log_level)
    return create_app()
