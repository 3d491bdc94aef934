"""The audit log: every check and match, with who asked and what Testigo answered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from app.keys import Caller
from app.models import AuditEntry

_INSERT = insert(AuditEntry)  # built once: per-check cost


def record(
    engine: Engine,
    caller: Caller | None,
    action: str,
    query: dict[str, Any],
    verdict: str | None,
    model_version: str | None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            _INSERT,
            {
                "key_id": caller.key_id if caller else None,
                "key_name": caller.name if caller else None,
                "at": datetime.now(UTC),
                "action": action,
                "query": query,
                "verdict": verdict,
                "model_version": model_version,
            },
        )


def page(engine: Engine, *, page: int, per_page: int) -> dict[str, Any]:
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        rows = conn.execute(
            select(AuditEntry)
            .order_by(AuditEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    return {
        "total": int(total),
        "page": page,
        "per_page": per_page,
        "items": [
            {
                "id": r.id,
                "key_id": r.key_id,
                "key_name": r.key_name,
                "at": r.at.isoformat(),
                "action": r.action,
                "query": r.query,
                "verdict": r.verdict,
                "model_version": r.model_version,
            }
            for r in rows
        ],
    }
