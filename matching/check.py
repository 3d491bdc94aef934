"""The supplier check and the match, as plain data: what the API and the CLI both return."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from matching.score import Index, Match, PublishedRecord, records_of, sanctions_of
from matching.verdict import verdict


def match_dict(
    match: Match, records: dict[str, list[PublishedRecord]], *, auto: float
) -> dict[str, Any]:
    return {
        "entity_id": match.entity_id,
        "probability": round(match.probability, 10),
        "match_weight": round(match.match_weight, 6),
        "status": "linked" if match.probability >= auto else "review",
        "evidence": [
            {
                "comparison": e["comparison"],
                "level": e["level"],
                "match_weight": round(e["match_weight"], 6),
            }
            for e in match.evidence
        ],
        "records": [
            {"source": r.source, "source_key": r.source_key, "name": r.name, "rfc": r.rfc}
            for r in records.get(match.entity_id, [])
        ],
    }


def check(
    index: Index,
    engine: Engine,
    *,
    name: str | None,
    rfc: str | None,
    on: date,
    auto: float,
    review: float,
    limit: int = 5,
) -> dict[str, Any]:
    """May this supplier be awarded on `on`? The verdict, the firms it resolves to, and their
    sanctions with source and retrieval date."""
    matches = index.match(name=name, rfc=rfc, threshold=review, limit=limit)
    entities = [m.entity_id for m in matches]
    records = records_of(engine, entities) if matches else {}
    listed = sanctions_of(engine, entities) if matches else {}
    facts = [(m.probability, listed.get(m.entity_id, [])) for m in matches]
    sanctions = [
        {"entity_id": m.entity_id, **fact.as_dict()}
        for m in matches
        for fact in listed.get(m.entity_id, [])
    ]
    return {
        "verdict": verdict(facts, on, auto=auto, review=review),
        "as_of": on.isoformat(),
        "query": {"name": name, "rfc": rfc, "on": on.isoformat()},
        "matches": [match_dict(m, records, auto=auto) for m in matches],
        "sanctions": sanctions,
        "model_version": index.model_version,
    }


def match_many(
    index: Index,
    engine: Engine,
    queries: list[dict[str, Any]],
    *,
    limit: int,
    threshold: float,
    auto: float,
) -> list[dict[str, Any]]:
    found = [
        index.match(
            name=q.get("name"),
            rfc=q.get("rfc"),
            postal_code=q.get("postal_code"),
            threshold=threshold,
            limit=limit,
        )
        for q in queries
    ]
    entities = {m.entity_id for matches in found for m in matches}
    records = records_of(engine, entities) if entities else {}
    return [
        {"query": q, "candidates": [match_dict(m, records, auto=auto) for m in matches]}
        for q, matches in zip(queries, found, strict=True)
    ]
