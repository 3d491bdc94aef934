"""Cross-origin access to the reconciliation service, and JSONP, for /v1/reconcile only.

The protocol requires CORS on every endpoint: OpenRefine's web page calls the manifest,
suggest and property proposals from its own origin, and shows the preview in a frame. Any
origin may read these answers (`Access-Control-Allow-Origin: *`), which is safe only because
no reconciliation route reads a cookie or other ambient credential: a key rides on the URL
(`api_key=`) or in a header that the calling page must hold itself. For the same reason
credentials are never allowed (`*` forbids them in browsers, and no
`Access-Control-Allow-Credentials` is ever sent), and nothing outside the prefix is touched: the
pages, which do use a session cookie, stay same-origin.

Older OpenRefine versions, and OpenRefine's fallback when a CORS request fails, load the JSON
answers as JSONP: `callback=NAME` on a GET wraps a JSON answer in `/**/NAME(...);` as
`application/javascript`. The name must be a plain JavaScript identifier path (jQuery's are
`jQuery3510_1700000000`), so nothing but a function call can be injected; the leading comment
keeps the answer from being read as anything but script. An HTML answer (the preview) is never
wrapped.

A plain ASGI middleware, as `app.main.RefuseNul` is: it answers a preflight (OPTIONS, 405 from
the routes otherwise) before routing, and sets the headers on every answer under the prefix,
errors included, which a route dependency could not reach."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware

PREFIX = "/v1/reconcile"
METHODS = "GET, POST, OPTIONS"
# What a cross-origin caller may send: the key header, a bearer token, a JSON body.
HEADERS = "Authorization, X-API-Key, Content-Type"
MAX_AGE = "86400"
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,99}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,99}){0,3}")


def _ours(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _callback(scope: Scope) -> str | None:
    if scope["method"] != "GET":
        return None
    query = scope.get("query_string", b"").decode("latin-1")
    found = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "callback"]
    return found[-1] if found else None


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    length = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + length})
    await send({"type": "http.response.body", "body": body})


ALLOW_ORIGIN = (b"access-control-allow-origin", b"*")


class ReconcileCrossOrigin(HttpMiddleware):
    """CORS and JSONP for the reconciliation routes (see the module docstring)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _ours(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await _answer(
                send,
                204,
                [
                    ALLOW_ORIGIN,
                    (b"access-control-allow-methods", METHODS.encode()),
                    (b"access-control-allow-headers", HEADERS.encode()),
                    (b"access-control-max-age", MAX_AGE.encode()),
                    (b"allow", METHODS.encode()),
                ],
                b"",
            )
            return
        callback = _callback(scope)
        if callback is not None and not CALLBACK.fullmatch(callback):
            detail = "callback must be a JavaScript function name, such as jQuery351_17000"
            await _answer(
                send,
                422,
                [ALLOW_ORIGIN, (b"content-type", b"application/json")],
                json.dumps({"detail": detail}).encode(),
            )
            return
        if callback is None:
            await self.app(scope, receive, _with_origin(send))
        else:
            await self.app(scope, receive, _as_jsonp(send, callback))


def _with_origin(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [h for h in message.get("headers", []) if h[0].lower() != ALLOW_ORIGIN[0]]
            message = {**message, "headers": [*headers, ALLOW_ORIGIN]}
        await send(message)

    return sending


def _is_json(start: Message) -> bool:
    for name, value in start.get("headers", []):
        if name.lower() == b"content-type":
            return bytes(value).startswith(b"application/json")
    return False


def _as_jsonp(send: Send, callback: str) -> Send:
    """Wrap a JSON answer in the callback; pass anything else through (with the CORS header)."""
    start: Message | None = None  # a JSON answer's start, held until its whole body is in
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            if _is_json(message):
                start = message
            else:
                await _with_origin(send)(message)
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"/**/" + callback.encode() + b"(" + b"".join(chunks) + b");"
        replaced = (b"content-type", b"content-length", b"x-content-type-options", ALLOW_ORIGIN[0])
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in replaced]
        headers = [
            *kept,
            ALLOW_ORIGIN,
            (b"content-type", b"application/javascript; charset=utf-8"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await _answer(send, start["status"], headers, body)

    return sending
