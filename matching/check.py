"""The supplier check and the match, as plain data: what the API and the CLI both return.

Beside the model's matches, the check applies three rules about the RFC given (`rfc.lookup`
classifies it): an exact match on a valid RFC identifies the taxpayer (`verdict.
RFC_IDENTITY_PROBABILITY`); a sanctioned firm whose RFC is one typo from the one given, or whose
RFC starts with the letters and date given without homoclave, is a suspect, and makes a clear
answer `review`; and a value that cannot name a taxpayer is refused with `rfc.NotAnRfc`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

from sqlalchemy import Engine

from app.store.engine import reading
from matching import explain
from matching import rfc as rfcs
from matching.results import (
    CheckOut,
    CheckQuery,
    Evidence,
    MatchOut,
    MatchResult,
    RecordOut,
    RfcKind,
    RfcOut,
    SanctionOut,
    Verdict,
)
from matching.score import Index, Match, published, records_of, sanctions
from matching.verdict import CLEAR, RFC_IDENTITY_PROBABILITY, SanctionFact, severity, verdict


@dataclass(frozen=True, slots=True)
class Rule:
    """Why a firm is in a check's answer beyond what the model scored."""

    label: str  # explain.RFC_IDENTITY | RFC_NEIGHBOUR | RFC_STEM
    name: str  # rfc_identity | rfc_neighbour | rfc_stem, in the answer
    theirs: str  # the firm's RFC (or stem) the rule compared the given one with
    weight: float = 0.0  # what the rule adds to the model's match weight


def match_out(
    match: Match,
    records: dict[str, list[RecordOut]],
    *,
    auto: float,
    rule: Rule | None = None,
    given: str | None = None,
    model_probability: float | None = None,
    tr: explain.Translator = explain.ENGLISH,
) -> MatchOut:
    found = records.get(match.entity_id, [])
    evidence = [
        Evidence(
            comparison=e["comparison"],
            level=e["level"],
            match_weight=round(e["match_weight"], 6),
        )
        for e in match.evidence
    ]
    if rule is not None and given is not None:
        evidence.append(
            Evidence(
                comparison=explain.RULE,
                level=rule.label,
                match_weight=round(rule.weight, 6),
                detail=_detail(rule, given, _firm_name(found), tr),
            )
        )
    return MatchOut(
        entity_id=match.entity_id,
        probability=round(match.probability, 10),
        model_probability=round(
            match.probability if model_probability is None else model_probability, 10
        ),
        match_weight=round(match.match_weight, 6),
        status="linked" if match.probability >= auto else "review",
        rule=rule.name if rule else None,  # type: ignore[arg-type]  # Rule.name is one of three
        evidence=evidence,
        records=found,
    )


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
    tr: explain.Translator = explain.ENGLISH,
) -> CheckOut:
    """May this supplier be awarded on `on`? The verdict, the firms it resolves to, and their
    sanctions with source and retrieval date. Raises `rfc.NotAnRfc` for an RFC that cannot
    name a taxpayer (the message says what to send). The sentences in the answer (the RFC
    rules' `detail`, the RFC `note`) are in `tr`'s language: English for the API and CLI, the
    reader's on a page; codes and keys are the same in every language."""
    given = rfcs.lookup(rfc) if rfc is not None and rfc.strip() else None
    row = index.query_row(name=name, rfc=given.value if given else None)
    scored = index.scored(row)
    model = {entity: m.probability for entity, m in scored.items()}
    rules: dict[str, Rule] = {}
    if given is not None and given.identifies:
        for entity, match in _best(index, row, index.holders("rfc", given.value)).items():
            model.setdefault(entity, match.probability)
            rule = _identity(match, given.value)
            raised = _raised(match, rule.weight)
            if entity in scored and scored[entity].probability >= raised.probability:
                rule = replace(rule, weight=0.0)  # another profile of the firm scores higher
            else:
                scored[entity] = raised
            rules[entity] = rule
    matches = sorted(
        (m for m in scored.values() if m.probability >= review),
        key=lambda m: (-m.probability, m.entity_id),
    )[:limit]
    shown = {m.entity_id for m in matches}
    suspected = _suspects(index, row, given, identified=set(rules)) if given else {}
    suspects = {e: s for e, s in suspected.items() if e not in shown}
    entities = shown | set(suspects)
    records: dict[str, list[RecordOut]] = {}
    listed: dict[str, list[SanctionFact]] = {}
    if entities:
        with reading(engine) as conn:
            records, listed = published(entities, conn=conn), sanctions(entities, conn=conn)
    # A suspect counts only when it would change the answer: a firm barred or warned that day.
    suspects = {e: s for e, s in suspects.items() if severity(listed.get(e, []), on) != CLEAR}
    ordered = sorted(suspects.values(), key=lambda s: (-s[0].probability, s[0].entity_id))
    for match, rule in ordered[:limit]:
        rules[match.entity_id] = rule
        model[match.entity_id] = match.probability
    answered = matches + [match for match, _ in ordered[:limit]]
    facts: Sequence[tuple[float, Sequence[SanctionFact]]] = [
        (m.probability, listed.get(m.entity_id, [])) for m in matches
    ]
    return CheckOut(
        # verdict() and rfc.lookup answer with their modules' str constants, the models'
        # literals; the model still validates them as it is built.
        verdict=cast(
            Verdict,
            verdict(
                facts,
                on,
                auto=auto,
                review=review,
                suspects=[listed.get(m.entity_id, []) for m, _ in ordered],
            ),
        ),
        as_of=on.isoformat(),
        query=CheckQuery(name=name, rfc=rfc, on=on.isoformat()),
        rfc=_rfc_out(given, tr),
        matches=[
            match_out(
                m,
                records,
                auto=auto,
                rule=rules.get(m.entity_id),
                given=given.value if given else None,
                model_probability=model.get(m.entity_id),
                tr=tr,
            )
            for m in answered
        ],
        sanctions=[
            SanctionOut(entity_id=m.entity_id, **fact.as_dict())
            for m in answered
            for fact in listed.get(m.entity_id, [])
        ],
        model_version=index.model_version,
    )


def _best(index: Index, row: dict[str, Any], profiles: Sequence[int]) -> dict[str, Match]:
    """The best-scoring of `profiles` per entity."""
    best: dict[str, Match] = {}
    for number in profiles:
        found = index.score_profile(row, number)
        if found is not None and (
            found.entity_id not in best or found.probability > best[found.entity_id].probability
        ):
            best[found.entity_id] = found
    return best


def _log_odds(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def _identity(match: Match, value: str) -> Rule:
    lift = max(0.0, _log_odds(RFC_IDENTITY_PROBABILITY) - match.match_weight)
    return Rule(explain.RFC_IDENTITY, "rfc_identity", value, lift)


def _raised(match: Match, lift: float) -> Match:
    if lift <= 0:
        return match
    return replace(
        match, probability=RFC_IDENTITY_PROBABILITY, match_weight=match.match_weight + lift
    )


def _suspects(
    index: Index, row: dict[str, Any], given: rfcs.Lookup, *, identified: set[str]
) -> dict[str, tuple[Match, Rule]]:
    """Firms the supplier may be because of the RFC alone, with the model's score of each.

    One typo from the RFC given, unless the given RFC names a known taxpayer and theirs is a
    valid RFC too (two valid RFCs are two taxpayers, not a typo). For an RFC given without
    homoclave, the firms whose RFC starts with it; for a whole RFC that names nobody known,
    the firms published with its letters and date but no homoclave."""
    theirs: dict[int, tuple[str, str, str]] = {}  # profile -> (label, rule name, their RFC)
    if given.whole:
        for number, other in index.rfc_neighbours(given.value).items():
            if not identified or not rfcs.parse(other).check_ok:
                theirs[number] = (explain.RFC_NEIGHBOUR, "rfc_neighbour", other)
        if not identified:
            for number in index.holders("rfc_stem", given.value[:-3]):
                if index.rows[number]["rfc"] is None:
                    stem = index.rows[number]["rfc_stem"]
                    theirs[number] = (explain.RFC_STEM, "rfc_stem", stem)
    else:
        for number in index.holders("rfc_stem", given.value):
            other = index.rows[number]["rfc"] or index.rows[number]["rfc_stem"]
            theirs[number] = (explain.RFC_STEM, "rfc_stem", other)
    out: dict[str, tuple[Match, Rule]] = {}
    for number, (label, name, other) in theirs.items():
        found = index.score_profile(row, number)
        if found is None or found.entity_id in identified:
            continue
        current = out.get(found.entity_id)
        if current is None or found.probability > current[0].probability:
            out[found.entity_id] = (found, Rule(label, name, other))
    return out


def _firm_name(records: list[RecordOut]) -> str | None:
    names = Counter(r.name for r in records if r.name)
    return names.most_common(1)[0][0] if names else None


def _detail(rule: Rule, given: str, firm: str | None, tr: explain.Translator) -> str:
    if rule.name == "rfc_identity":
        return explain.identity_detail(given, tr)
    if rule.name == "rfc_neighbour":
        return explain.neighbour_detail(given, rule.theirs, firm, tr)
    return explain.stem_detail(given, rule.theirs, firm, tr)


def _rfc_out(given: rfcs.Lookup | None, tr: explain.Translator) -> RfcOut | None:
    if given is None:
        return None
    return RfcOut(
        value=given.value,
        kind=cast(RfcKind, given.kind),
        check_digit_ok=given.check_ok,
        corrected_from=given.corrected_from,
        note=explain.rfc_note(given.kind, given.check_ok, given.corrected_from, tr),
    )


def match_many(
    index: Index,
    engine: Engine,
    queries: list[dict[str, Any]],
    *,
    limit: int,
    threshold: float,
    auto: float,
) -> list[MatchResult]:
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
        MatchResult(query=q, candidates=[match_out(m, records, auto=auto) for m in matches])
        for q, matches in zip(queries, found, strict=True)
    ]
