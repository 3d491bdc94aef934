"""What is loaded: counts per table and per source, and the latest runs (for `testigo db stats`
and /v1/stats)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from app.store import stats
from app.store.engine import reading


def summary(engine: Engine) -> dict[str, Any]:
    with reading(engine) as conn:
        return stats.summary(conn=conn)
