from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app import audit
from app.checks import check_supplier
from app.deps import AuditDep, EngineDep, IndexDep, allowed
from app.errors import TooLarge
from app.keys import Caller
from app.schemas import MAX_NAME, MAX_RFC, CheckOut, MatchRequest, MatchResponse, errors
from matching.check import match_many

router = APIRouter(prefix="/v1", tags=["check"], responses=errors(401, 403, 422, 503))
MAX_MATCH_RECORDS = 1000


# `async def` on purpose, though it reads the database: a check is about a millisecond of
# Python and two indexed reads, so a worker answering checks one after the other (on its event
# loop) beats handing each to the thread pool, where concurrent checks share the GIL and every
# one of them waits on the others' slices (measured in bench/check.py: p99 7.6 -> 4.8 ms at a
# steady 250 checks/s, 751 -> 951 checks/s saturated). /v1/match, up to 1,000 records in one
# request, stays on the thread pool so it cannot hold a worker's other requests that long.
@router.get("/check", response_model=CheckOut)
async def get_check(
    engine: EngineDep,
    index: IndexDep,
    log: AuditDep,
    caller: Annotated[Caller, Depends(allowed("check"))],
    rfc: Annotated[str | None, Query(max_length=MAX_RFC, description="The supplier's RFC")] = None,
    name: Annotated[
        str | None, Query(max_length=MAX_NAME, description="The supplier's name")
    ] = None,
    on: Annotated[date | None, Query(description="The award date (default: today)")] = None,
) -> CheckOut:
    """May I award to this supplier on this day? Resolves the supplier (by RFC, name or both)
    to firms in every dataset and answers `barred`, `warning`, `review` or `clear`, with the
    evidence for each match and every sanction with its source file and retrieval date. Every
    check is written to the audit log.

    An exact RFC whose check digit holds identifies the taxpayer (probability at least 0.999,
    rule `rfc_identity`). An RFC one typo from a sanctioned firm's, or given without homoclave
    and starting like one, is at least `review`, naming that firm (`rfc_neighbour`,
    `rfc_stem`); `rfc.check_digit_ok` says whether the RFC's check digit holds. A value that
    is not an RFC, or a generic one such as XAXX010101000, is refused (422) with what to send."""
    return check_supplier(
        index, engine, name=name, rfc=rfc, on=on or date.today(), caller=caller, log=log
    )


@router.post("/match", response_model=MatchResponse, responses=errors(400, 413))
def post_match(
    body: MatchRequest,
    engine: EngineDep,
    index: IndexDep,
    log: AuditDep,
    caller: Annotated[Caller, Depends(allowed("match"))],
) -> MatchResponse:
    """Match up to 1,000 records against the resolved firms, in request order, each with its
    best candidates (probability, evidence, records)."""
    if len(body.records) > MAX_MATCH_RECORDS:
        raise TooLarge(f"{len(body.records)} records: send at most {MAX_MATCH_RECORDS} per request")
    records = [r.model_dump(exclude_none=True) for r in body.records]
    results = match_many(
        index,
        engine,
        records,
        limit=body.limit,
        threshold=body.threshold,
        auto=index.auto,
    )
    log.submit(
        audit.entry(
            caller,
            "match",
            {"records": len(records), "limit": body.limit, "threshold": body.threshold},
            None,
            index.model_version,
        )
    )
    return MatchResponse(results=results)
