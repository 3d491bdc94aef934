"""The W3C Reconciliation Service API (version 0.2, as OpenRefine speaks it) over the resolved
firms: the service manifest, reconciliation queries, and entity, property and type suggest.

An auditor reconciles a spreadsheet of suppliers in OpenRefine: each row's name (and RFC or
postal code, as properties) is scored by the real-time index, with the trained model, and the
firms come back as candidates with a score, a `match` flag OpenRefine may accept on its own,
and the model's evidence as features. A query with nothing to match on (a blank cell, or a
postal code alone) gets no candidates, as does one whose `type` none of a firm's types answers
(`firm_types`); only a batch not shaped as the protocol has it is refused. A query or suggest
prefix that is a firm's id (or its page URL) finds that firm, and a query text that is one RFC
is matched as that RFC. Data extension lives in
`matching/extension.py`. Plain data in and out; HTTP lives in `app/routes/reconcile.py`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from app.errors import BadRequest
from matching import entities, extension, rfc
from matching.firm_types import FIRM, STRICTNESS, TYPES, described, passes, types_of
from matching.score import Index, Match

VERSION = "0.2"
TYPE = FIRM
PROPERTIES = (
    {"id": "rfc", "name": "RFC (tax id)", "description": "Matches on, and fetches, RFCs."},
    {"id": "postal_code", "name": "Postal code", "description": "Helps a name match."},
)
DEFAULT_LIMIT = 5
MAX_LIMIT = 25
MAX_QUERIES = 1000
SUGGEST_LIMIT = 10
# Candidates weighed before a type filter cuts them down to the query's limit.
TYPED_POOL = 200
# A firm's id, alone or at the end of its page's URL (the identifier space).
FIRM_ID = re.compile(r"(?:\S*/firms/)?(tg_[0-9a-f]{12})", re.IGNORECASE)


class ReconcileError(BadRequest, ValueError):
    """A query batch that cannot be answered; the message says what is wrong with it."""


def manifest(base: str, *, key_param: str = "") -> dict[str, Any]:
    """The service manifest. `base` is the site's URL; `key_param` ("api_key=..." or "") is
    repeated in the URLs OpenRefine calls back, for a client that cannot send headers.

    The property proposal URL never carries it: OpenRefine appends "?type=..." to that URL as
    it stands, which would corrupt a key already there, so proposals (a fixed list) are public.
    The view URL carries it so that the firm's page opens for the key's holder (see
    `app/web/pages.py`)."""
    suffix = f"&{key_param}" if key_param else ""
    keyed = f"?{key_param}" if key_param else ""
    return {
        "versions": [VERSION],
        "name": "Testigo: resolved suppliers and sanctioned firms (Mexico)",
        "identifierSpace": f"{base}/firms/",
        "schemaSpace": f"{base}/v1/reconcile/schema/",
        "documentation": f"{base}/docs",
        "serviceVersion": "0.1.0",
        "defaultTypes": [dict(FIRM)],
        "batchSize": MAX_QUERIES,
        "view": {"url": f"{base}/firms/{{{{id}}}}{keyed}"},
        "preview": {
            "url": f"{base}/v1/reconcile/preview?id={{{{id}}}}{suffix}",
            "width": 430,
            "height": 300,
        },
        "suggest": {
            kind: {"service_url": f"{base}/v1/reconcile", "service_path": f"/suggest/{kind}{keyed}"}
            for kind in ("entity", "property", "type")
        },
        "extend": {
            "propose_properties": {
                "service_url": f"{base}/v1/reconcile",
                "service_path": "/properties",
            },
            "property_settings": [dict(setting) for setting in extension.SETTINGS],
        },
        "authentication": {
            "type": "apiKey",
            "name": "api_key",
            "in": "query",
            "description": "An auditor's API key, on the service URL: "
            f"{base}/v1/reconcile?api_key=KEY (or as the X-API-Key header).",
        },
    }


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # a property value that is itself a reconciled entity
        value = value.get("name") or value.get("id")
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _types(key: Any, query: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    wanted = query.get("type")
    if wanted in (None, "", []):
        wanted = []
    elif isinstance(wanted, str):
        wanted = [wanted]
    if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
        raise ReconcileError(f"query {key!r}: type must be a type id or a list of type ids")
    strict = query.get("type_strict", "any")
    if strict not in STRICTNESS:
        raise ReconcileError(f"query {key!r}: type_strict must be one of {', '.join(STRICTNESS)}")
    return tuple(wanted), str(strict)


def parse(batch: Any) -> dict[str, dict[str, Any]]:
    """A query batch ({"q0": {"query": ..., "properties": [{"pid", "v"}], ...}}) as
    {key: {name, rfc, postal_code, limit, types, type_strict}}; raises ReconcileError naming
    what is wrong. A query whose text is blank, and that has no RFC, is answered with no
    candidates: one blank cell must not cost the rest of the batch."""
    if not isinstance(batch, dict) or not batch:
        raise ReconcileError('queries must be a JSON object of queries, e.g. {"q0": {...}}')
    if len(batch) > MAX_QUERIES:
        raise ReconcileError(f"{len(batch)} queries: send at most {MAX_QUERIES} per request")
    parsed = {}
    for key, query in batch.items():
        if not isinstance(query, dict):
            raise ReconcileError(f"query {key!r} must be an object with a 'query' string")
        if "query" not in query and not query.get("properties"):
            raise ReconcileError(f"query {key!r} has neither a 'query' text nor properties")
        name = _text(query.get("query"))
        fields: dict[str, str | None] = {"rfc": None, "postal_code": None}
        properties = query.get("properties") or []
        if not isinstance(properties, list):
            raise ReconcileError(f"query {key!r}: properties must be a list of {{pid, v}}")
        for prop in properties:
            if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
                raise ReconcileError(f"query {key!r}: each property needs 'pid' and 'v'")
            if prop["pid"] in fields:
                fields[str(prop["pid"])] = _text(prop["v"])
        if fields["rfc"] is None and name is not None and len(name.split()) == 1:
            # A cell holding one word that is an RFC is matched as the RFC, as the check
            # page reads its search box: a column of RFCs reconciles without a mapping.
            found = rfc.best(name)
            if found is not None and found.usable:
                fields["rfc"], name = found.value, None
        limit = query.get("limit", DEFAULT_LIMIT)
        # 1e400 reads as infinity, which int() cannot take.
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
            or limit < 1
        ):
            raise ReconcileError(f"query {key!r}: limit must be a positive number")
        types, strict = _types(key, query)
        parsed[str(key)] = {
            **fields,
            "name": name,
            "limit": min(int(limit), MAX_LIMIT),
            "types": types,
            "type_strict": strict,
        }
    return parsed


def _firm_id(text: str | None) -> str | None:
    found = FIRM_ID.fullmatch(text.strip()) if text else None
    return found.group(1).lower() if found else None


def _described(rfcs: str | None) -> str:
    return f"RFC {rfcs}" if rfcs else "no RFC known"


def reconcile(
    index: Index, engine: Engine, batch: Mapping[str, Mapping[str, Any]], *, auto: float
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Candidates for each parsed query, best first."""
    asked_ids = {key: _firm_id(q["name"]) for key, q in batch.items()}
    by_id = entities.named(engine, {firm for firm in asked_ids.values() if firm})
    found: dict[str, list[Match]] = {}
    for key, q in batch.items():
        if asked_ids[key] in by_id or (q["name"] is None and q["rfc"] is None):
            found[key] = []
            continue
        found[key] = index.match(
            name=q["name"],
            rfc=q["rfc"],
            postal_code=q["postal_code"],
            threshold=0.0,
            limit=TYPED_POOL if q["types"] else q["limit"],
        )
    named = entities.named(engine, {m.entity_id for matches in found.values() for m in matches})
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, q in batch.items():
        firm = asked_ids[key]
        if firm is not None and firm in by_id:
            name, rfcs = by_id[firm]
            types = types_of(rfcs)
            hit = {
                "id": firm,
                "name": name or firm,
                "description": _described(rfcs),
                "score": 100.0,
                "match": True,
                "type": types,
                "features": [{"id": "firm_id", "value": True}],
            }
            passing = passes(types, q["types"], q["type_strict"])
            out[key] = {"result": [hit] if passing else []}
            continue
        kept = [
            m
            for m in found[key]
            if passes(
                types_of(named.get(m.entity_id, (None, None))[1]), q["types"], q["type_strict"]
            )
        ][: q["limit"]]
        out[key] = {"result": _candidates(kept, named, auto=auto)}
    return out


def _candidates(
    matches: Sequence[Match], named: Mapping[str, tuple[str | None, str | None]], *, auto: float
) -> list[dict[str, Any]]:
    results = []
    runner_up = matches[1].probability if len(matches) > 1 else 0.0
    for rank, m in enumerate(matches):
        name, rfcs = named.get(m.entity_id, (None, None))
        results.append(
            {
                "id": m.entity_id,
                "name": name or m.entity_id,
                "description": _described(rfcs),
                "score": round(100 * m.probability, 3),
                # Sure enough for OpenRefine to accept alone: linked-grade, and no rival.
                "match": rank == 0 and m.probability >= auto and runner_up < 0.5,
                "type": types_of(rfcs),
                "features": [
                    {"id": "probability", "value": round(m.probability, 6)},
                    {"id": "match_weight", "value": round(m.match_weight, 4)},
                    *(
                        {"id": e["comparison"], "value": round(e["match_weight"], 4)}
                        for e in m.evidence
                    ),
                ],
            }
        )
    return results


def _page(items: Sequence[dict[str, Any]], cursor: int, limit: int) -> list[dict[str, Any]]:
    return [dict(item) for item in items[cursor : cursor + limit]]


def suggest_entities(
    engine: Engine, prefix: str, *, cursor: int = 0, limit: int = SUGGEST_LIMIT
) -> dict[str, Any]:
    """Firms whose names contain, or whose RFC is, `prefix`, or the firm it is the id of;
    `cursor` skips that many (OpenRefine's "more")."""
    firm = _firm_id(prefix)
    if firm is not None:
        known = entities.named(engine, {firm})
        if firm in known:
            name, rfcs = known[firm]
            hit = {
                "id": firm,
                "name": name or firm,
                "description": _described(rfcs),
                "notable": types_of(rfcs),
            }
            return {"result": [hit] if cursor == 0 else []}
    found = (
        entities.search(engine, prefix, page=1, per_page=limit, offset=cursor)
        if prefix.strip()
        else None
    )
    return {
        "result": [
            {
                "id": e["entity_id"],
                "name": e["display_name"] or e["entity_id"],
                "description": _described(" ".join(e["rfcs"])),
                "notable": types_of(" ".join(e["rfcs"])),
            }
            for e in (found or {"items": []})["items"]
        ]
    }


def _wanted(prefix: str, item: Mapping[str, Any]) -> bool:
    wanted = prefix.strip().lower()
    return not wanted or wanted in str(item["id"]) or wanted in str(item["name"]).lower()


def suggest_properties(
    prefix: str, *, cursor: int = 0, limit: int = SUGGEST_LIMIT
) -> dict[str, Any]:
    """The properties a query may carry (rfc, postal_code) and those data extension fetches:
    OpenRefine suggests from this one list in both dialogs, and an id means the same in both."""
    listed = [dict(p) for p in PROPERTIES]
    listed += [
        {"id": p.id, "name": p.name, "description": p.description}
        for p in extension.PROPERTIES
        if p.id not in {q["id"] for q in PROPERTIES}
    ]
    return {"result": _page([p for p in listed if _wanted(prefix, p)], cursor, limit)}


def suggest_types(prefix: str, *, cursor: int = 0, limit: int = SUGGEST_LIMIT) -> dict[str, Any]:
    listed = [described(t) for t in TYPES if _wanted(prefix, t)]
    return {"result": _page(listed, cursor, limit)}
