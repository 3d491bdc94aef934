"""The W3C Reconciliation Service API (version 0.2, as OpenRefine speaks it) over the resolved
firms: the service manifest, reconciliation queries, and entity, property and type suggest.

An auditor reconciles a spreadsheet of suppliers in OpenRefine: each row's name (and RFC or
postal code, as properties) is scored by the real-time index, with the trained model, and the
firms come back as candidates with a score, a `match` flag OpenRefine may accept on its own,
and the model's evidence as features. Plain data in and out; HTTP lives in
`app/routes/reconcile.py`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from app.models import Entity
from matching import entities
from matching.score import Index

VERSION = "0.2"
TYPE = {"id": "firm", "name": "Resolved firm"}
PROPERTIES = (
    {"id": "rfc", "name": "RFC (tax id)"},
    {"id": "postal_code", "name": "Postal code"},
)
DEFAULT_LIMIT = 5
MAX_LIMIT = 25
MAX_QUERIES = 1000


class ReconcileError(ValueError):
    """A query batch that cannot be answered; the message says what is wrong with it."""


def manifest(base: str, *, key_param: str = "") -> dict[str, Any]:
    """The service manifest. `base` is the site's URL; `key_param` ("api_key=..." or "") is
    repeated in the URLs OpenRefine calls back, for a client that cannot send headers."""
    suffix = f"&{key_param}" if key_param else ""
    return {
        "versions": [VERSION],
        "name": "Testigo: resolved suppliers and sanctioned firms (Mexico)",
        "identifierSpace": f"{base}/firms/",
        "schemaSpace": f"{base}/v1/reconcile/schema/",
        "documentation": f"{base}/docs",
        "serviceVersion": "0.1.0",
        "defaultTypes": [TYPE],
        "view": {"url": f"{base}/firms/{{{{id}}}}"},
        "preview": {
            "url": f"{base}/v1/reconcile/preview?id={{{{id}}}}{suffix}",
            "width": 430,
            "height": 300,
        },
        "suggest": {
            kind: {
                "service_url": f"{base}/v1/reconcile",
                "service_path": f"/suggest/{kind}" + (f"?{key_param}" if key_param else ""),
            }
            for kind in ("entity", "property", "type")
        },
        "authentication": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
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


def parse(batch: Any) -> dict[str, dict[str, Any]]:
    """A query batch ({"q0": {"query": ..., "properties": [{"pid", "v"}], ...}}) as
    {key: {name, rfc, postal_code, limit}}; raises ReconcileError naming what is wrong."""
    if not isinstance(batch, dict) or not batch:
        raise ReconcileError('queries must be a JSON object of queries, e.g. {"q0": {...}}')
    if len(batch) > MAX_QUERIES:
        raise ReconcileError(f"{len(batch)} queries: send at most {MAX_QUERIES} per request")
    parsed = {}
    for key, query in batch.items():
        if not isinstance(query, dict):
            raise ReconcileError(f"query {key!r} must be an object with a 'query' string")
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
        if name is None and fields["rfc"] is None:
            raise ReconcileError(f"query {key!r} has neither a 'query' text nor an RFC property")
        limit = query.get("limit", DEFAULT_LIMIT)
        # 1e400 reads as infinity, which int() cannot take.
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
            or limit < 1
        ):
            raise ReconcileError(f"query {key!r}: limit must be a positive number")
        parsed[str(key)] = {**fields, "name": name, "limit": min(int(limit), MAX_LIMIT)}
    return parsed


def names_of(engine: Engine, entity_ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """entity -> (display name, RFCs)."""
    if not entity_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Entity.id, Entity.display_name, Entity.rfcs).where(
                Entity.id.in_(sorted(entity_ids))
            )
        )
        return {eid: (name, rfcs) for eid, name, rfcs in rows}


def reconcile(
    index: Index, engine: Engine, batch: Mapping[str, Mapping[str, Any]], *, auto: float
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Candidates for each parsed query, best first."""
    found = {
        key: index.match(
            name=q["name"],
            rfc=q["rfc"],
            postal_code=q["postal_code"],
            threshold=0.0,
            limit=q["limit"],
        )
        for key, q in batch.items()
    }
    named = names_of(engine, {m.entity_id for matches in found.values() for m in matches})
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, matches in found.items():
        results = []
        for rank, m in enumerate(matches):
            runner_up = matches[1].probability if len(matches) > 1 else 0.0
            name, rfcs = named.get(m.entity_id, (None, None))
            results.append(
                {
                    "id": m.entity_id,
                    "name": name or m.entity_id,
                    "description": f"RFC {rfcs}" if rfcs else "no RFC known",
                    "score": round(100 * m.probability, 3),
                    # Sure enough for OpenRefine to accept alone: linked-grade, and no rival.
                    "match": rank == 0 and m.probability >= auto and runner_up < 0.5,
                    "type": [TYPE],
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
        out[key] = {"result": results}
    return out


def suggest_entities(engine: Engine, prefix: str, *, limit: int = 10) -> dict[str, Any]:
    found = entities.search(engine, prefix, page=1, per_page=limit) if prefix.strip() else None
    return {
        "result": [
            {
                "id": e["entity_id"],
                "name": e["display_name"] or e["entity_id"],
                "description": f"RFC {', '.join(e['rfcs'])}" if e["rfcs"] else "no RFC known",
                "notable": [TYPE],
            }
            for e in (found or {"items": []})["items"]
        ]
    }


def suggest_properties(prefix: str) -> dict[str, Any]:
    wanted = prefix.strip().lower()
    return {
        "result": [
            dict(p)
            for p in PROPERTIES
            if not wanted or wanted in p["id"] or wanted in p["name"].lower()
        ]
    }


def suggest_types(prefix: str) -> dict[str, Any]:
    wanted = prefix.strip().lower()
    hit = not wanted or wanted in TYPE["id"] or wanted in TYPE["name"].lower()
    return {"result": [dict(TYPE)] if hit else []}
