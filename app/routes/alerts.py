from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from app.alerts import review as alerts
from app.deps import EngineDep, allowed
from app.keys import Caller
from app.schemas import AlertOut, AlertPage, errors

router = APIRouter(prefix="/v1", tags=["alerts"], responses=errors(401, 403, 422, 503))


class ReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "dismiss", "note": "different RFC", "not_same_firm": True}]
        },
    )

    decision: Literal["confirm", "dismiss"]
    note: str | None = Field(default=None, max_length=5000)
    not_same_firm: bool = Field(
        default=False,
        description="Dismiss because the supplier is not the sanctioned firm: "
        "also records a `different` judgement so the link is not made again",
    )


@router.get("/alerts", response_model=AlertPage)
def get_alerts(
    engine: EngineDep,
    _: Annotated[Caller, Depends(allowed("alerts"))],
    status: Annotated[Literal["new", "confirmed", "dismissed"] | None, Query()] = None,
    since: Annotated[date | None, Query(description="Created on or after this day")] = None,
    severity: Annotated[
        Literal["high", "medium", "low"] | None, Query(description="This severity or higher")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertPage:
    """Awards won by sanctioned firms, oldest first, filtered by status, creation day and
    minimum severity."""
    items = list(
        alerts.listing(
            engine,
            status=status,
            since=since,
            severity=severity,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
    )
    return AlertPage.model_validate({"page": page, "per_page": per_page, "items": items})


@router.post("/alerts/{alert_id}/review", response_model=AlertOut, responses=errors(400, 404))
def review_alert(
    body: ReviewIn,
    engine: EngineDep,
    caller: Annotated[Caller, Depends(allowed("alerts"))],
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> AlertOut:
    """Confirm or dismiss an alert, with the caller as reviewer and a note."""
    reviewed = alerts.review(
        engine,
        alert_id,
        decision=body.decision,
        reviewer=caller.name,
        note=body.note,
        not_same_firm=body.not_same_firm,
    )
    return AlertOut.model_validate(reviewed)
