from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from app import stats
from app.deps import EngineDep

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(engine: EngineDep) -> dict[str, str]:
    """Liveness: the process answers and its database is reachable."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/v1/stats", tags=["health"])
def get_stats(engine: EngineDep) -> dict[str, Any]:
    """A summary of what is loaded: parties, awards, sanctions per registry and kind, supplier
    registers, quarantined rows and ingest runs."""
    return stats.summary(engine)
