from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from app import audit
from app.deps import AuditDep, EngineDep, allowed
from app.errors import BadRequest, NotFound
from app.keys import Caller
from app.schemas import AuditPage, JudgementIn, errors
from matching import entities, export, ftm
from matching.judgements import record
from matching.results import EntityDetail, EntityPage, JudgementOut, ReviewPage

router = APIRouter(prefix="/v1", tags=["auditors"], responses=errors(401, 403, 422, 503))
Page = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]
# What one write of a streamed export holds. Starlette runs a plain iterator one item at a time
# on its thread pool, and the server writes each item to the socket: a line per item was 29,000
# hops and writes for the 14k firms of the test corpus as FtM, 64 KiB items are about 150.
CHUNK_BYTES = 64 * 1024


@router.get("/entities/{entity_id}", response_model=EntityDetail, responses=errors(404))
def get_entity(
    engine: EngineDep,
    _: Annotated[Caller, Depends(allowed("entities"))],
    entity_id: Annotated[str, Path(max_length=64)],
) -> EntityDetail:
    """One resolved firm: every member record, the links among them with their evidence, its
    sanctions and the awards and contracts it won."""
    found = entities.detail(engine, entity_id)
    if found is None:
        raise NotFound(f"no entity {entity_id!r}; search with GET /v1/entities?q=")
    return found


@router.get("/entities", response_model=EntityPage)
def search_entities(
    engine: EngineDep,
    _: Annotated[Caller, Depends(allowed("entities"))],
    q: Annotated[str, Query(min_length=1, max_length=200, description="A name or an RFC")],
    page: Page = 1,
    per_page: PerPage = 20,
) -> EntityPage:
    """Resolved firms whose records carry the RFC, or whose names contain the words, of `q`."""
    return entities.search(engine, q, page=page, per_page=per_page)


@router.post("/judgements", response_model=JudgementOut, status_code=201, responses=errors(400))
def post_judgement(
    body: JudgementIn,
    engine: EngineDep,
    caller: Annotated[Caller, Depends(allowed("judge"))],
) -> JudgementOut:
    """Assert that two records are (or are not) the same firm. Stored with the caller as author;
    overrides the model from the next link on, and survives relinks."""
    return record(
        engine, body.decision, body.record_a, body.record_b, author=caller.name, note=body.note
    )


@router.get("/review", response_model=ReviewPage)
def get_review(
    engine: EngineDep,
    _: Annotated[Caller, Depends(allowed("review"))],
    page: Page = 1,
    per_page: PerPage = 50,
) -> ReviewPage:
    """Links waiting for a person (between the review and auto thresholds) and links refused
    for different RFCs: those touching a sanction first, then the most probable."""
    return entities.review_queue(engine, page=page, per_page=per_page)


@router.get("/audit", response_model=AuditPage)
def get_audit(
    engine: EngineDep,
    log: AuditDep,
    _: Annotated[Caller, Depends(allowed("audit"))],
    page: Page = 1,
    per_page: PerPage = 50,
) -> AuditPage:
    """Every check and match: key, time, query and verdict, newest first."""
    # This process's own entries first, but never wait long: on SQLite an ingest may hold
    # the write lock for minutes, and entries waiting for it show once it is free.
    log.flush(timeout=audit.READ_WAIT_SECONDS)
    return AuditPage.model_validate(audit.page(engine, page=page, per_page=per_page))


@router.get(
    "/export/entities",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One resolved firm per line",
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def export_entities(
    engine: EngineDep,
    _: Annotated[Caller, Depends(allowed("export"))],
    format: Annotated[
        Literal["jsonl", "csv", "ftm"],
        Query(description="jsonl, csv, or ftm (FollowTheMoney entities, one JSON a line)"),
    ] = "jsonl",
) -> StreamingResponse:
    """Every resolved firm, one per line, streamed (JSON Lines or CSV); `ftm`: the firms with
    their sanctions, contracts and buyers as FollowTheMoney entities (yente, Aleph, `ftm`)."""
    writers = {
        "jsonl": (export.jsonl, "application/x-ndjson", "jsonl"),
        "csv": (export.csv_lines, "text/csv", "csv"),
        "ftm": (ftm.lines, "application/x-ndjson", "ftm.json"),
    }
    if format not in writers:
        raise BadRequest("format must be jsonl, csv or ftm")
    write, media, suffix = writers[format]
    lines: Iterator[str] = write(engine)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return StreamingResponse(
        chunks(lines),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="entities-{stamp}.{suffix}"'},
    )


def chunks(lines: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The lines, encoded, in writes of about `size` bytes (a line is never split)."""
    held: list[bytes] = []
    length = 0
    for line in lines:
        data = line.encode()
        held.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(held)
            held, length = [], 0
    if held:
        yield b"".join(held)
