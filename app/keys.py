"""API keys: created with a role, stored hashed, revoked, and checked on every request."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, insert, select, update

from app.errors import BadRequest
from app.store.tables import ApiKey

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
    with engine.begin() as conn:
        key_id = conn.execute(
            insert(ApiKey)
            .values(
                name=name,
                role=role,
                key_hash=_hash(key),
                prefix=key[:10],
                created_at=datetime.now(UTC),
            )
            .returning(ApiKey.id)
        ).scalar_one()
    return int(key_id), key


def revoke(engine: Engine, key_id_or_prefix: str) -> int:
    """Revoke by id or by the key's first characters; returns how many keys were revoked."""
    with engine.begin() as conn:
        where = (
            ApiKey.id == int(key_id_or_prefix)
            if key_id_or_prefix.isdigit()
            else ApiKey.prefix == key_id_or_prefix[:10]
        )
        result = conn.execute(
            update(ApiKey)
            .where(where, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        return int(result.rowcount or 0)


_VERIFY = select(ApiKey.id, ApiKey.name, ApiKey.role).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)
)


def verify(engine: Engine, key: str) -> Caller | None:
    with engine.connect() as conn:
        row = conn.execute(_VERIFY, {"key_hash": _hash(key)}).first()
    return Caller(int(row[0]), row[1], row[2]) if row else None


def listing(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [
            {
                "id": r.id,
                "name": r.name,
                "role": r.role,
                "prefix": r.prefix,
                "created_at": r.created_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in conn.execute(select(ApiKey).order_by(ApiKey.id))
        ]


def save(path: Path, key: str) -> None:
    """Write a key to a file only its owner can read (0600 from the start: never a moment
    world-readable), creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    path.chmod(0o600)  # an existing file keeps its old mode through O_CREAT
