"""OpenRefine reconciliation (W3C Reconciliation Service API 0.2) at /v1/reconcile.

The manifest and the property proposals are public; queries, data extension, suggest and preview
need a key that may match (auditor or admin), sent as a header like the rest of the API or, for
OpenRefine, which cannot send one, as `?api_key=` on the service URL: the manifest then repeats
it in the URLs OpenRefine calls back. Add `http://HOST:8000/v1/reconcile?api_key=KEY` as a
service in OpenRefine. No route here reads a cookie, which is what makes the cross-origin access
and JSONP of `app/cross_origin.py` safe to give every origin."""

from __future__ import annotations

import json
from datetime import date
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from app import audit
from app.audit import AuditWriter
from app.deps import (
    AuditDep,
    EngineDep,
    IndexDep,
    get_caller,
    get_index,
    verify_key,
)
from app.errors import BadRequest, Forbidden, NotFound, Unauthorised
from app.keys import Caller
from app.schemas import errors
from matching import entities, extension
from matching import reconcile as service
from matching.protocol import (
    BatchAnswer,
    EntitySuggestions,
    Extended,
    Manifest,
    PropertySuggestions,
    Proposal,
    TypeSuggestions,
)
from matching.score import Index

router = APIRouter(prefix="/v1/reconcile", tags=["reconciliation"])
Prefix = Annotated[str, Query(max_length=200, description="What the user has typed so far")]
Cursor = Annotated[
    int, Query(ge=0, le=10_000, description="How many suggestions to skip (for more of them)")
]


async def reconciler(
    request: Request, api_key: Annotated[str | None, Query(max_length=200)] = None
) -> Caller:
    """The caller, from the usual headers or from `api_key` (OpenRefine sends no headers)."""
    if api_key:
        caller = verify_key(request, api_key)
        if caller is None:
            raise Unauthorised("this API key is unknown or revoked")
    else:
        caller = await get_caller(request)
    if not caller.may("match"):
        raise Forbidden(f"the {caller.role} role may not reconcile")
    return caller


ReconcilerDep = Annotated[Caller, Depends(reconciler)]


async def optional_reconciler(
    request: Request, api_key: Annotated[str | None, Query(max_length=200)] = None
) -> Caller | None:
    """For public routes: no key is fine, but a key sent is checked like anywhere else."""
    if api_key or request.headers.get("authorization") or request.headers.get("x-api-key"):
        return await reconciler(request, api_key)
    return None


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _manifest(request: Request) -> Manifest:
    key = request.query_params.get("api_key")
    return service.manifest(_base(request), key_param=urlencode({"api_key": key}) if key else "")


def _not_a_number(constant: str) -> Any:
    raise BadRequest(f"{constant} is not a JSON number: send a finite number")


def _json(text: str | bytes, what: str) -> Any:
    """`text` read as JSON as the protocol has it. Python's reader also takes NaN and Infinity
    (refused here; 1e400, read as infinity, is refused where the number is used) and recurses
    on nesting, which no batch needs: past the recursion limit it raises RecursionError."""
    try:
        return json.loads(text, parse_constant=_not_a_number)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    except ValueError as exc:  # not UTF-8, or an integer of more than 4,300 digits
        raise BadRequest(f"{what} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest(f"{what} is nested too deeply to be a batch of queries") from exc


def _answer(
    raw: Any, *, caller: Caller, index: Index, engine: Engine, auto: float, log: AuditWriter
) -> BatchAnswer:
    """Answer a batch: `raw` is the JSON text of `queries`, or the batch a JSON body held."""
    batch = service.parse(_json(raw, "queries") if isinstance(raw, str) else raw)
    results = service.reconcile(index, engine, batch, auto=auto)
    log.submit(audit.entry(caller, "match", {"reconcile": len(batch)}, None, index.model_version))
    return results


def _extended(raw: Any, *, caller: Caller, engine: Engine, base: str, log: AuditWriter) -> Extended:
    """Answer a data extension query: `raw` is its JSON text, or the query a JSON body held."""
    query = _json(raw, "extend") if isinstance(raw, str) else raw
    wanted = extension.parse(query, today=date.today())
    answer = extension.extend(engine, wanted, base=base)
    asked = {"extend": len(wanted.ids), "properties": [w.id for w in wanted.properties]}
    log.submit(audit.entry(caller, "match", asked, None, None))
    return answer


@router.get(
    "", response_model=Manifest | BatchAnswer | Extended, responses=errors(401, 403, 422, 503)
)
async def manifest_or_queries(
    request: Request,
    engine: EngineDep,
    log: AuditDep,
    queries: Annotated[
        str | None, Query(max_length=1_000_000, description="A JSON batch of queries")
    ] = None,
    extend: Annotated[
        str | None,
        Query(max_length=1_000_000, description="A JSON data extension query: ids, properties"),
    ] = None,
) -> Manifest | BatchAnswer | Extended:
    """The service manifest (no key needed); with `queries`, the candidates for each query, and
    with `extend`, the properties asked of each firm, as POST answers them."""
    if queries is None and extend is None:
        return _manifest(request)
    caller = await reconciler(request, request.query_params.get("api_key"))
    if queries is None:
        return _extended(extend, caller=caller, engine=engine, base=_base(request), log=log)
    index = await get_index(request)
    return _answer(
        queries,
        caller=caller,
        index=index,
        engine=engine,
        auto=index.auto,
        log=log,
    )


@router.post("", response_model=BatchAnswer | Extended, responses=errors(400, 401, 403, 422, 503))
async def queries_batch(
    request: Request,
    engine: EngineDep,
    index: IndexDep,
    log: AuditDep,
    caller: ReconcilerDep,
) -> BatchAnswer | Extended:
    """Reconcile a batch: `queries={"q0": {"query": "ACME SA DE CV", "properties": [{"pid":
    "rfc", "v": "AAA010101AAA"}], "limit": 3}}`, form-encoded (as OpenRefine sends it) or as a
    JSON body. Each answer lists candidates with id, name, score (0-100), match and the model's
    evidence as features. With `extend={"ids": [...], "properties": [{"id": "verdict",
    "settings": {"on": "2026-11-24"}}]}` instead, the values of those properties for each firm
    (data extension; the properties are listed at /v1/reconcile/properties)."""
    raw: Any
    wanted: Any = None
    if "json" in request.headers.get("content-type", ""):
        body = _json(await request.body(), "the body")
        raw = body.get("queries") if isinstance(body, dict) else None
        wanted = body.get("extend") if isinstance(body, dict) else None
    else:
        form = await request.form()
        value = form.get("queries")
        raw = value if isinstance(value, str) else None
        asked = form.get("extend")
        wanted = asked if isinstance(asked, str) else None
    if raw is None and wanted is not None:
        return _extended(wanted, caller=caller, engine=engine, base=_base(request), log=log)
    if raw is None:
        raise BadRequest(
            "send the queries (or an extend query) as a form field or JSON member named "
            "'queries' (or 'extend')"
        )
    return _answer(raw, caller=caller, index=index, engine=engine, auto=index.auto, log=log)


@router.get(
    "/suggest/entity", response_model=EntitySuggestions, responses=errors(401, 403, 422, 503)
)
async def suggest_entity(
    engine: EngineDep, _: ReconcilerDep, prefix: Prefix = "", cursor: Cursor = 0
) -> EntitySuggestions:
    """Firms whose names contain, or whose RFC is, what the user typed, or the firm whose id
    it is."""
    return service.suggest_entities(engine, prefix, cursor=cursor)


@router.get(
    "/suggest/property", response_model=PropertySuggestions, responses=errors(401, 403, 422)
)
async def suggest_property(
    _: ReconcilerDep, prefix: Prefix = "", cursor: Cursor = 0
) -> PropertySuggestions:
    """The properties a query may carry (rfc, postal_code) and those data extension fetches."""
    return service.suggest_properties(prefix, cursor=cursor)


# `firm` is the broadest type: it has no `broader` member at all, rather than a null one.
@router.get(
    "/suggest/type",
    response_model=TypeSuggestions,
    response_model_exclude_none=True,
    responses=errors(401, 403, 422),
)
async def suggest_type(
    _: ReconcilerDep, prefix: Prefix = "", cursor: Cursor = 0
) -> TypeSuggestions:
    """The types: a resolved firm, and the company (persona moral) or individual (persona
    física) its RFC says it is."""
    return service.suggest_types(prefix, cursor=cursor)


# `limit` is in the answer only when it was asked for.
@router.get(
    "/properties",
    response_model=Proposal,
    response_model_exclude_none=True,
    responses=errors(401, 403, 422),
)
async def propose_properties(
    _: Annotated[Caller | None, Depends(optional_reconciler)],
    type: Annotated[str, Query(max_length=64, description="A type id, e.g. firm")] = "",
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Proposal:
    """The properties data extension can fetch for firms of `type`. Public, unlike the rest:
    OpenRefine asks for them at a URL it builds by appending "?type=" to the one the manifest
    gives, which can carry no key."""
    return extension.propose(type, limit)


@router.get(
    "/preview",
    # The card is HTML; its errors are JSON like the rest. The base class has no media type,
    # so the document lists text/html for 200 only (as `responses` says) and JSON for errors.
    response_class=Response,
    responses={
        **errors(401, 403, 404, 422, 503),
        200: {
            "description": "A small HTML card of the firm",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
async def preview(
    engine: EngineDep, _: ReconcilerDep, id: Annotated[str, Query(max_length=64)]
) -> HTMLResponse:
    """A small HTML card of a firm, for OpenRefine's preview pane."""
    firm = entities.detail(engine, id)
    if firm is None:
        raise NotFound(f"no firm {id!r}")
    sanctions = "".join(
        f"<li>{escape(s.registry)} {escape(s.kind)}: {escape(s.start or '?')} – "
        f"{escape(s.end or 'open')}</li>"
        for s in firm.sanctions
    )
    records = "".join(
        f"<li>{escape(r.source)}: {escape(r.name or '—')} <code>{escape(r.rfc or '')}</code></li>"
        for r in firm.records[:8]
    )
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(firm.display_name or id)}</title>"
        # A stylesheet, not inline style: the preview's CSP (app/security_headers.py).
        '<link rel="stylesheet" href="/static/preview.css"></head><body>'
        f"<h1>{escape(firm.display_name or id)}</h1>"
        f"<p>RFC {escape(', '.join(firm.rfcs) or '—')} · {firm.size} records</p>"
        f"<p><strong>Sanctions</strong></p><ul>{sanctions or '<li>none</li>'}</ul>"
        f"<p><strong>Records</strong></p><ul>{records}</ul></body></html>"
    )
    return HTMLResponse(html)
