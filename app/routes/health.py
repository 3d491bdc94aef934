from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app import stats
from app.deps import EngineDep, get_caller
from app.errors import NotReady
from app.keys import Caller
from app.schemas import HealthOut, ReadyOut, StatsOut, errors
from app.store.engine import ping, reading

router = APIRouter()
log = structlog.get_logger(__name__)


@router.get("/healthz", tags=["health"], response_model=HealthOut, responses=errors(503))
def healthz(engine: EngineDep) -> HealthOut:
    """Liveness: the process answers and its database is reachable."""
    with reading(engine) as conn:
        ping(conn)
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    tags=["health"],
    response_model=ReadyOut,
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
def readyz(request: Request, engine: EngineDep) -> JSONResponse:
    """Readiness: 200 only when the database answers and the trained model and the real-time
    index are loaded. A check needs both: the index scores, the database holds the sanctions."""
    try:
        with reading(engine) as conn:
            ping(conn)
    except SQLAlchemyError as exc:
        # Why goes to the server's log; the database's address stays out of the answer.
        log.warning("ready.database", error=str(exc))
        return _not_ready("the database does not answer")
    holder = request.app.state.index
    if holder.index is None:
        return _not_ready(holder.problem)
    ready = ReadyOut(
        status="ready", model_version=holder.index.model_version, profiles=len(holder.index.rows)
    )
    return JSONResponse(ready.model_dump())


def _not_ready(reason: str) -> JSONResponse:
    headers = {"Retry-After": str(NotReady.retry_after)}
    return JSONResponse({"status": "not ready", "reason": reason}, 503, headers=headers)


@router.get("/v1/stats", tags=["health"], response_model=StatsOut, responses=errors(401, 503))
def get_stats(engine: EngineDep, _: Annotated[Caller, Depends(get_caller)]) -> StatsOut:
    """A summary of what is loaded: parties, awards, sanctions per registry and kind, supplier
    registers, quarantined rows and ingest runs. Any valid key, of any role, may read it: it
    says which registries and sources this deployment holds and how fresh they are, which is
    not for anyone who can reach the port (the health endpoints, which say only alive or
    ready, stay open for probes)."""
    return StatsOut.model_validate(stats.summary(engine))
