"""Security headers on every answer: pages, API, errors, static files.

- `Content-Security-Policy`: scripts and styles from this server only, never inline (the pages
  have none; a script injected into one would not run), and no framing (`frame-ancestors
  'none'`, with `X-Frame-Options: DENY` for older browsers), so no other site can overlay a
  page to trick a click.
- The reconciliation preview is the one page that must be framed: OpenRefine shows it in a
  frame of its own origin, whatever that is (a desktop install answers on 127.0.0.1:3333). It
  gets no `frame-ancestors` and no `X-Frame-Options`; it has no form or link to click, and
  loads nothing but its stylesheet.
- `/docs` (Swagger UI) loads its script and stylesheet from this server (app/routes/docs.py,
  no CDN); its start-up script is a file of ours, not inline. Swagger UI styles some elements
  inline, so its page, and only it, allows inline styles (not scripts).
- `Referrer-Policy: same-origin`: addresses (which may carry `api_key=`) are never sent to
  another site, while a form posted here still names its page, which the sign-in checks.
- `X-Content-Type-Options: nosniff` everywhere.

A header a route has set itself (the keyed firm page's `no-referrer`) is kept. A plain ASGI
middleware (`app.asgi`): it costs a list comprehension per answer."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from app.asgi import HttpMiddleware

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PREVIEW_PATH = "/v1/reconcile/preview"
DOCS_PATH = "/docs"

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_DENY = (b"x-frame-options", b"DENY")


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    if path == PREVIEW_PATH:
        return [(b"content-security-policy", PREVIEW_POLICY.encode()), *_COMMON]
    policy = DOCS_POLICY if path == DOCS_PATH else PAGE_POLICY
    return [(b"content-security-policy", policy.encode()), _DENY, *_COMMON]


_BY_PATH = {p: headers_for(p) for p in (PREVIEW_PATH, DOCS_PATH)}
_DEFAULT = headers_for("/")


class SecurityHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = _BY_PATH.get(scope["path"], _DEFAULT)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
