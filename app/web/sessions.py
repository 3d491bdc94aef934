"""Browser sign-in with an API key: the key is checked once, and the browser keeps a signed
session token in an HttpOnly cookie. A session lasts `LIFETIME`, ends at sign-out, and ends
with its key when the key is revoked. Each session has its own CSRF token, which every form
sends back.

The token is `key id . expiry . nonce . signature`, signed (HMAC-SHA256) with the deployment's
secret, which a migration made and the database keeps (every worker and host shares it). So
signing in writes nothing: on SQLite a long ingest holds the write lock for minutes, and a
session row made sign-in wait for it (issue 14 item 4). Reading a session is a read: the
signature and expiry here, the key (still active?) and the closed sessions in the database,
which WAL lets run beside a writer. Sign-out records the token as closed, until it would have
expired; that one write may wait for the lock, and the cookie is cleared whatever happens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.errors import first_line
from app.keys import Caller
from app.store import api_keys, web_sessions
from app.store.engine import reading, transaction

log = structlog.get_logger(__name__)

COOKIE = "testigo_session"
LIFETIME = timedelta(hours=12)
SECRET_NAME = "session"
_SECRETS: dict[str, bytes] = {}  # per database: it never changes once migrated


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A browser's live session (named apart from the ORM's `Session`)."""

    caller: Caller
    csrf: str
    # True for a page opened by a key on its URL (OpenRefine's view link): no cookie, no
    # session, no form to post; the next page asks to sign in.
    keyed: bool = False

    def csrf_ok(self, sent: str | None) -> bool:
        # As bytes: compare_digest refuses a str with non-ASCII characters (a 500, found by
        # the page-forms fuzz run), and a form may send anything.
        return (
            not self.keyed
            and sent is not None
            and hmac.compare_digest(self.csrf.encode(), sent.encode("utf-8", "replace"))
        )


def _secret(engine: Engine) -> bytes:
    where = engine.url.render_as_string(hide_password=True)
    if (known := _SECRETS.get(where)) is None:
        with reading(engine) as conn:
            value = web_sessions.secret(conn=conn, name=SECRET_NAME)
        known = _SECRETS[where] = bytes.fromhex(value)
    return known


def _sign(secret: bytes, purpose: str, payload: str) -> str:
    return hmac.new(secret, f"{purpose}:{payload}".encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, caller: Caller) -> str:
    """A new session for `caller`; returns the token for the cookie. Writes nothing."""
    expires = int((datetime.now(UTC) + LIFETIME).timestamp())
    payload = f"{caller.key_id}.{expires}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_sign(_secret(engine), 'session', payload)}"


def _payload(engine: Engine, token: str) -> tuple[str, int, datetime] | None:
    """The signed part, key id and expiry of a well-formed, genuine, unexpired token."""
    payload, _, signature = token.rpartition(".")
    parts = payload.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    expected = _sign(_secret(engine), "session", payload).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        return None
    expires = datetime.fromtimestamp(int(parts[1]), UTC)
    if expires < datetime.now(UTC):
        return None
    return payload, int(parts[0]), expires


def find(engine: Engine, token: str | None) -> SignedIn | None:
    """The live session of a cookie's token, if any."""
    if not token or len(token) > 256:
        return None
    found = _payload(engine, token)
    if found is None:
        return None
    payload, key_id, _ = found
    with reading(engine) as conn:
        key = api_keys.active_by_id(conn=conn, key_id=key_id)
        if key is None or web_sessions.is_closed(conn=conn, token_hash=_hash(token)):
            return None
    caller = Caller(int(key.id), key.name, key.role)
    return SignedIn(caller, _sign(_secret(engine), "csrf", payload))


def close(engine: Engine, token: str | None) -> None:
    """End a session for good: a copied cookie does not outlive sign-out."""
    if not token or (found := _payload(engine, token)) is None:
        return
    now = datetime.now(UTC)
    try:
        with transaction(engine) as conn:
            web_sessions.close(conn=conn, token_hash=_hash(token), expires_at=found[2], now=now)
    except SQLAlchemyError as exc:
        # Signed out twice (the row is there), or the database is away: the cookie is cleared
        # all the same, and a session that could not be closed still ends at its expiry.
        log.warning("session.close_failed", error=first_line(exc))
