"""Where a browser's POST came from: login CSRF is refused by the sign-in form.

The sign-in form carries no CSRF token (there is no session yet to hold one), so another site
could post its own key to it and sign a visitor's browser in as the attacker (login CSRF). As
OWASP advises, the POST must name this server in `Origin`, or, without `Origin`, in `Referer`.
Every current browser sends `Origin` on a POST, so a forged one from a browser always carries
it; `Origin: null` (a sandboxed frame, a privacy setting) names no site and is refused. A POST
with neither header comes from a client that is not a browser (curl, a script), which can sign
in only itself: it is let through, where OWASP would let a site choose to block it, because no
victim's browser can be made to send it.

This server is the origin the request was addressed to (scheme and Host header) or the one of
`TESTIGO_PUBLIC_URL`: behind a proxy that ends TLS or rewrites Host, set that to the address
people open."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


def foreign(headers: Mapping[str, str], own: set[str]) -> str | None:
    """The other origin a request names as its source; None when it is ours or names none."""
    sent = headers.get("origin")
    if sent is None:
        referer = headers.get("referer")
        if referer is None:
            return None
        sent = origin_of(referer)
    sent = sent.strip().lower()
    return None if sent in own else sent
