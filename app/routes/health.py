from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app import stats
from app.deps import EngineDep
from app.schemas import errors

router = APIRouter()


@router.get("/healthz", tags=["health"], responses=errors(503))
def healthz(engine: EngineDep) -> dict[str, str]:
    """Liveness: the process answers and its database is reachable."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["health"],
    responses={
        200: {"description": "Ready: the model and the index of the last link run are loaded"},
        503: {
            "description": "Not ready yet, and why",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"status": {"type": "string"}, "reason": {"type": "string"}},
                        "required": ["status", "reason"],
                    }
                }
            },
        },
    },
)
def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 only when the trained model and the real-time index are loaded."""
    holder = request.app.state.index
    if holder.index is None:
        return JSONResponse({"status": "not ready", "reason": holder.problem}, status_code=503)
    return JSONResponse(
        {
            "status": "ready",
            "model_version": holder.index.model_version,
            "profiles": len(holder.index.rows),
        }
    )


@router.get("/v1/stats", tags=["health"], responses=errors(503))
def get_stats(engine: EngineDep) -> dict[str, Any]:
    """A summary of what is loaded: parties, awards, sanctions per registry and kind, supplier
    registers, quarantined rows and ingest runs."""
    return stats.summary(engine)
