"""The base of our ASGI middlewares: they act on HTTP answers only.

Plain ASGI rather than Starlette's `@app.middleware("http")`, which wraps every request in
extra tasks and streams and costs more than a whole check's matching. Lifespan (and any
websocket) messages pass through untouched, so a middleware cannot break start-up."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    @abstractmethod
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request: answer it, or hand it on to `self.app`."""
