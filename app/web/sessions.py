"""Browser sign-in with an API key: the key is checked once, and the browser keeps a random
session token in an HttpOnly cookie (the token's SHA-256 is stored, never the token). A session
lasts `LIFETIME`, ends at sign-out, and ends with its key when the key is revoked. Each session
has its own CSRF token, which every form sends back."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, delete, insert, select

from app.keys import Caller
from app.models import ApiKey, WebSession

COOKIE = "testigo_session"
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Session:
    caller: Caller
    csrf: str
    # True for a page opened by a key on its URL (OpenRefine's view link): no cookie, no
    # session row, no form to post; the next page asks to sign in.
    keyed: bool = False

    def csrf_ok(self, sent: str | None) -> bool:
        return not self.keyed and sent is not None and hmac.compare_digest(self.csrf, sent)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, caller: Caller) -> str:
    """A new session for `caller`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.expires_at < now))
        conn.execute(
            insert(WebSession).values(
                token_hash=_hash(token),
                key_id=caller.key_id,
                csrf=secrets.token_urlsafe(24),
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
    return token


_FIND = (
    select(ApiKey.id, ApiKey.name, ApiKey.role, WebSession.csrf, WebSession.expires_at)
    .join(ApiKey, ApiKey.id == WebSession.key_id)
    .where(WebSession.token_hash == bindparam("token_hash"), ApiKey.revoked_at.is_(None))
)


def find(engine: Engine, token: str | None) -> Session | None:
    """The live session of a cookie's token, if any."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(_FIND, {"token_hash": _hash(token)}).first()
    if row is None:
        return None
    key_id, name, role, csrf, expires = row
    if expires.tzinfo is None:  # SQLite gives naive UTC
        expires = expires.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    return Session(Caller(int(key_id), name, role), csrf)


def close(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))
