"""API keys: created with a role, stored hashed, revoked, and checked on every request."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from app.errors import BadRequest
from app.store import api_keys
from app.store.engine import reading, transaction

ROLES = ("officer", "auditor", "admin")
# What each role may do; a role includes the powers listed for it only.
PERMISSIONS = {
    "officer": {"check"},
    "auditor": {"check", "match", "entities", "judge", "export", "alerts", "audit", "review"},
    "admin": {"check", "match", "entities", "judge", "export", "alerts", "audit", "review", "keys"},
}


class KeyError_(BadRequest, ValueError):
    """A key operation that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: int
    name: str
    role: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, set())


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(engine: Engine, *, role: str, name: str) -> tuple[int, str]:
    """A new key for `name` with `role`; returns (id, key). The key is not stored."""
    if role not in ROLES:
        raise KeyError_(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name.strip():
        raise KeyError_("say who the key is for (--name)")
    key = "tg_" + secrets.token_urlsafe(32)
    with transaction(engine) as conn:
        key_id = api_keys.add(
            conn=conn,
            name=name,
            role=role,
            key_hash=_hash(key),
            prefix=key[:10],
            at=datetime.now(UTC),
        )
    return key_id, key


def revoke(engine: Engine, key_id_or_prefix: str) -> int:
    """Revoke by id or by the key's first characters; returns how many keys were revoked."""
    by_id = key_id_or_prefix.isdigit()
    with transaction(engine) as conn:
        return api_keys.revoke(
            conn=conn,
            key_id=int(key_id_or_prefix) if by_id else None,
            prefix=None if by_id else key_id_or_prefix[:10],
            at=datetime.now(UTC),
        )


def verify(engine: Engine, key: str) -> Caller | None:
    with reading(engine) as conn:
        row = api_keys.active_by_hash(conn=conn, key_hash=_hash(key))
    return Caller(int(row[0]), row[1], row[2]) if row else None


def listing(engine: Engine) -> list[dict[str, object]]:
    with reading(engine) as conn:
        return [
            {
                "id": r.id,
                "name": r.name,
                "role": r.role,
                "prefix": r.prefix,
                "created_at": r.created_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in api_keys.every(conn=conn)
        ]


def save(path: Path, key: str) -> None:
    """Write a key to a file only its owner can read (0600 from the start: never a moment
    world-readable), creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    path.chmod(0o600)  # an existing file keeps its old mode through O_CREAT
