"""Real-time scoring: one query against the linked profiles, with the trained model.

The index is loaded from the link state the last `testigo link` left (`matching.state`): the
same profiles, features and term frequencies that run scored, so a pair scores the same here as
in batch (the same comparison levels and weights: `comparisons`, `weights`). Candidates come
from key lookups, never from a scan: the batch blocking keys (RFC, RFC stem, folded RFC, name,
sorted name, core name, prefix, skeleton with legal form) and every rare word of the name.

What a check reports about a matched firm (its records, its sanctions) is read from the store
when asked, so it is as fresh as the store; the profiles are as fresh as the last link run, and
`IndexHolder` reloads them when another run has left a newer state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, select

from app.store.tables import EntityMember, IngestRun, LinkRecord, Sanction
from matching import guards, sanction_facts
from matching.comparisons import COMPARISONS
from matching.corpus import Corpus, with_corpus
from matching.features import (
    COLUMNS,
    CONFUSABLE,
    MAX_RARE_TOKEN_FIRMS,
    TF_COLUMNS,
    RawRecord,
    features,
)
from matching.state import LinkState, corpus_of
from matching.verdict import SanctionFact
from matching.weights import ModelWeights

# Single-column keys, and keys made of several columns (all must agree), as in batch blocking.
KEY_COLUMNS = ("rfc", "rfc_stem", "rfc_conf", "name", "name_sorted", "name_core", "name_prefix")
COMPOUND_KEYS = (("name_skel", "legal_form"),)
# A key shared by more profiles than this is no evidence of identity: skip it as a lookup.
MAX_BUCKET = 2000
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    record_key: str
    source: str
    source_key: str
    name: str | None
    rfc: str | None


@dataclass(slots=True)
class Match:
    entity_id: str
    probability: float
    match_weight: float
    evidence: list[dict[str, Any]]
    record_key: str  # the profile representative that scored best


@dataclass(slots=True)
class Index:
    weights: ModelWeights
    model_version: str
    link_run_id: int
    corpus: Corpus
    rows: list[dict[str, Any]]  # one per profile, as the model saw it
    entity_of_profile: list[str | None]
    lookups: dict[str, dict[Any, list[int]]]
    tokens: dict[str, list[int]]
    extensions: guards.Extensions

    @classmethod
    def load(cls, engine: Engine, model: dict[str, Any], state: LinkState) -> Index:
        """The index of `state`, with each profile's entity from the store."""
        rows = state.profiles.select(list(COLUMNS)).to_pylist()
        corpus = corpus_of(state)
        entity_of: dict[str, str] = {}
        with engine.connect() as conn:
            for key, entity in conn.execute(
                select(EntityMember.record_key, EntityMember.entity_id)
            ):
                entity_of[key] = entity
        lookups: dict[str, dict[Any, list[int]]] = {c: defaultdict(list) for c in _key_names()}
        tokens: dict[str, list[int]] = defaultdict(list)
        for number, row in enumerate(rows):
            for name, value in _keys(row):
                lookups[name][value].append(number)
            for token in set(row["name"].split()) if row["name"] else ():
                if corpus.token_firms.get(token, 0) <= MAX_RARE_TOKEN_FIRMS and len(token) >= 3:
                    tokens[token].append(number)
        return cls(
            weights=ModelWeights.from_model(model),
            model_version=str(model["testigo"]["version"]),
            link_run_id=state.link_run_id,
            corpus=corpus,
            rows=rows,
            entity_of_profile=[entity_of.get(row["unique_id"]) for row in rows],
            lookups={c: dict(v) for c, v in lookups.items()},
            tokens=dict(tokens),
            extensions=guards.Extensions.of(row["name"] for row in rows),
        )

    def query_row(
        self, *, name: str | None, rfc: str | None, postal_code: str | None = None
    ) -> dict[str, Any]:
        raw = features(RawRecord("query", "query", name, rfc, postal_code))
        return with_corpus(raw, self.corpus) | {"_tokens": raw["_tokens"]}

    def candidates(self, row: Mapping[str, Any]) -> set[int]:
        found: set[int] = set()
        for name, value in _keys(row):
            bucket = self.lookups[name].get(value, ())
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        for token in row["_tokens"]:
            bucket = self.tokens.get(token, ())
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        return found

    def score_pair(
        self, left: Mapping[str, Any], right: Mapping[str, Any]
    ) -> tuple[float, float, list[dict[str, Any]]]:
        gammas = {c.name: c.level_of(left, right) for c in COMPARISONS}
        tf = {c: (left[f"tf_{c}"], right[f"tf_{c}"]) for c in TF_COLUMNS}
        evidence = self.weights.evidence(gammas, tf)
        match_weight, probability = self.weights.score(evidence)
        held, evidence = guards.apply(left, right, match_weight, evidence, self.extensions)
        if held != match_weight:  # as batch linking holds it (guards.guard_pairs)
            match_weight, probability = held, guards.CAP
        return probability, match_weight, evidence

    def match(
        self,
        *,
        name: str | None,
        rfc: str | None,
        postal_code: str | None = None,
        threshold: float = 0.0,
        limit: int = 5,
    ) -> list[Match]:
        """The best-scoring entities for a query, strongest first, at or above `threshold`."""
        row = self.query_row(name=name, rfc=rfc, postal_code=postal_code)
        found = [m for m in self.scored(row).values() if m.probability >= threshold]
        return sorted(found, key=lambda m: (-m.probability, m.entity_id))[:limit]

    def scored(self, row: Mapping[str, Any]) -> dict[str, Match]:
        """Every candidate entity of a query row, each with its best-scoring profile."""
        best: dict[str, Match] = {}
        for number in self.candidates(row):
            found = self.score_profile(row, number)
            if found is None:
                continue
            current = best.get(found.entity_id)
            if current is None or found.probability > current.probability:
                best[found.entity_id] = found
        return best

    def score_profile(self, row: Mapping[str, Any], number: int) -> Match | None:
        """A query row scored against one profile; None for a profile in no entity."""
        entity = self.entity_of_profile[number]
        if entity is None:
            return None
        probability, weight, evidence = self.score_pair(row, self.rows[number])
        return Match(entity, probability, weight, evidence, self.rows[number]["unique_id"])

    def holders(self, column: str, value: str) -> list[int]:
        """The profiles whose `column` (a lookup key: rfc, rfc_stem, ...) equals `value`."""
        return list(self.lookups[column].get(value, ()))

    def rfc_neighbours(self, value: str) -> dict[int, str]:
        """The profiles whose RFC is one typo from `value`, with that RFC: one character
        changed, two neighbours swapped, or any O/0 and I/1 confusion."""
        found: dict[int, str] = {}
        known = self.lookups["rfc"]
        for variant in _one_edit(value):
            for number in known.get(variant, ()):
                found[number] = variant
        for number in self.lookups["rfc_conf"].get(value.translate(CONFUSABLE), ()):
            other = self.rows[number]["rfc"]
            if other != value:
                found[number] = other
        return found


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÑ&"
_DIGITS = "0123456789"
_HOMOCLAVE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _one_edit(value: str) -> Iterable[str]:
    """Every RFC-shaped string one substitution or one swap of neighbours from `value` (a few
    hundred lookups: cheaper than any index over the RFCs, and exact). The profiles hold
    RFC-shaped values only, so a letter is only replaced by a letter, a digit of the date by a
    digit."""
    letters = len(value) - 9
    for i, old in enumerate(value):
        head, tail = value[:i], value[i + 1 :]
        choices = _LETTERS if i < letters else _DIGITS if i < letters + 6 else _HOMOCLAVE
        for new in choices:
            if new != old:
                yield head + new + tail
    for i in range(len(value) - 1):
        if value[i] != value[i + 1]:
            yield value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def _key_names() -> list[str]:
    return [*KEY_COLUMNS, *("+".join(k) for k in COMPOUND_KEYS)]


def _keys(row: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """(key name, value) for every lookup key the row has."""
    for column in KEY_COLUMNS:
        value = row.get(column)
        if value:
            yield column, value
    for parts in COMPOUND_KEYS:
        values = tuple(row.get(c) for c in parts)
        if all(values):
            yield "+".join(parts), values


# Built once: constructing a statement costs more than running it on a warm database.
_RECORDS = (
    select(
        EntityMember.entity_id,
        LinkRecord.record_key,
        LinkRecord.source,
        LinkRecord.source_key,
        LinkRecord.name,
        LinkRecord.rfc_raw,
    )
    .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
    .where(EntityMember.entity_id.in_(bindparam("entities", expanding=True)))
    .order_by(LinkRecord.record_key)
)
_SANCTIONS = (
    select(EntityMember.entity_id, *sanction_facts.COLUMNS)
    .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
    .join(Sanction, Sanction.id == LinkRecord.record_id)
    .join(IngestRun, IngestRun.id == Sanction.run_id)
    .where(
        LinkRecord.record_type == "sanction",
        EntityMember.entity_id.in_(bindparam("entities", expanding=True)),
    )
    .order_by(Sanction.start_date, Sanction.source_key)
)


def _by_entity(engine: Engine, statement: Any, entity_ids: Collection[str]) -> Iterable[Any]:
    wanted = sorted(set(entity_ids))
    with engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            yield from conn.execute(statement, {"entities": wanted[start : start + _CHUNK]})


def records_of(engine: Engine, entity_ids: Collection[str]) -> dict[str, list[PublishedRecord]]:
    """Each entity's records as published, sorted by record key."""
    out: dict[str, list[PublishedRecord]] = defaultdict(list)
    for entity, key, source, source_key, name, rfc in _by_entity(engine, _RECORDS, entity_ids):
        out[entity].append(PublishedRecord(key, source, source_key, name, rfc))
    return dict(out)


def sanctions_of(engine: Engine, entity_ids: Collection[str]) -> dict[str, list[SanctionFact]]:
    """Each entity's sanction listings, with their source file and retrieval date."""
    return sanction_facts.by_entity(_by_entity(engine, _SANCTIONS, entity_ids))
