"""The supplier check and the match, as plain data: what the API and the CLI both return."""

from __future__ import annotations

from datetime import date
from typing import Any

from matching.score import Index, Match
from matching.verdict import verdict


def match_dict(index: Index, match: Match, *, auto: float) -> dict[str, Any]:
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
            for r in index.records_of(match.entity_id)
        ],
    }


def check(
    index: Index,
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
    facts = [(m.probability, index.sanctions_of.get(m.entity_id, [])) for m in matches]
    sanctions = [
        {"entity_id": m.entity_id, **fact.as_dict()}
        for m in matches
        for fact in index.sanctions_of.get(m.entity_id, [])
    ]
    return {
        "verdict": verdict(facts, on, auto=auto, review=review),
        "as_of": on.isoformat(),
        "query": {"name": name, "rfc": rfc, "on": on.isoformat()},
        "matches": [match_dict(index, m, auto=auto) for m in matches],
        "sanctions": sanctions,
        "model_version": index.model_version,
    }


def match_many(
    index: Index,
    records: list[dict[str, Any]],
    *,
    limit: int,
    threshold: float,
    auto: float,
) -> list[dict[str, Any]]:
    return [
        {
            "query": record,
            "candidates": [
                match_dict(index, m, auto=auto)
                for m in index.match(
                    name=record.get("name"),
                    rfc=record.get("rfc"),
                    postal_code=record.get("postal_code"),
                    threshold=threshold,
                    limit=limit,
                )
            ],
        }
        for record in records
    ]
