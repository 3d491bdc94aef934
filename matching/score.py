"""Real-time scoring: one query against the linked index, with the trained model.

The index holds the same profiles, features and corpus frequencies as the last batch link, and
scores with the same comparison levels and weights (`comparisons`, `weights`), so a pair scores
the same here as in `testigo link`. Candidates come from key lookups (RFC, RFC stem, folded RFC,
name, sorted name, core name, rare words, prefix), never from a scan of the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from app.models import EntityMember, IngestRun, LinkRecord, Sanction
from matching.comparisons import COMPARISONS
from matching.corpus import Corpus, with_corpus
from matching.features import MAX_RARE_TOKEN_FIRMS, TF_COLUMNS, RawRecord, features
from matching.profiles import group
from matching.records import load, record_key
from matching.store import latest_judgements
from matching.verdict import SanctionFact
from matching.weights import ModelWeights

KEY_COLUMNS = ("rfc", "rfc_stem", "rfc_conf", "name", "name_sorted", "name_core", "name_prefix")
# A key shared by more profiles than this is no evidence of identity: skip it as a lookup.
MAX_BUCKET = 2000


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
    record_key: str  # the member whose features scored best


@dataclass(slots=True)
class Index:
    weights: ModelWeights
    model_version: str
    corpus: Corpus
    rows: list[dict[str, Any]]  # one per profile, as the model sees it
    profile_members: list[list[str]]
    entity_of_profile: list[str | None]
    lookups: dict[str, dict[str, list[int]]]
    tokens: dict[str, list[int]]
    members_of: dict[str, list[str]] = field(default_factory=dict)  # entity -> record keys
    published: dict[str, PublishedRecord] = field(default_factory=dict)
    sanctions_of: dict[str, list[SanctionFact]] = field(default_factory=dict)  # by entity

    @classmethod
    def build(cls, engine: Engine, model: dict[str, Any]) -> Index:
        records = list(load(engine))
        raw_rows = [features(r.raw) for r in records]
        keys = [r.record_key for r in records]
        corpus = Corpus.build(raw_rows)
        judged = {k for pair in latest_judgements(engine) for k in pair}
        profiles = group(keys, raw_rows, alone=judged)
        entity_of: dict[str, str] = {}
        published: dict[str, PublishedRecord] = {}
        with engine.connect() as conn:
            for key, entity in conn.execute(
                select(EntityMember.record_key, EntityMember.entity_id)
            ):
                entity_of[key] = entity
            for key, source, source_key, name, rfc_raw in conn.execute(
                select(
                    LinkRecord.record_key,
                    LinkRecord.source,
                    LinkRecord.source_key,
                    LinkRecord.name,
                    LinkRecord.rfc_raw,
                )
            ):
                published[key] = PublishedRecord(key, source, source_key, name, rfc_raw)
        rows, members, entities = [], [], []
        lookups: dict[str, dict[str, list[int]]] = {c: defaultdict(list) for c in KEY_COLUMNS}
        tokens: dict[str, list[int]] = defaultdict(list)
        for number, profile in enumerate(profiles):
            row = with_corpus(raw_rows[profile.representative], corpus)
            rows.append(row)
            members.append([keys[m] for m in profile.members])
            entities.append(entity_of.get(keys[profile.representative]))
            for column in KEY_COLUMNS:
                if row[column]:
                    lookups[column][row[column]].append(number)
            for token in set(raw_rows[profile.representative]["_tokens"]):
                if corpus.token_firms.get(token, 0) <= MAX_RARE_TOKEN_FIRMS and len(token) >= 3:
                    tokens[token].append(number)
        members_of: dict[str, list[str]] = defaultdict(list)
        for key, entity in entity_of.items():
            members_of[entity].append(key)
        sanctions_of: dict[str, list[SanctionFact]] = defaultdict(list)
        for fact in _sanctions(engine):
            owner = entity_of.get(fact.record_key)
            if owner is not None:
                sanctions_of[owner].append(fact)
        return cls(
            weights=ModelWeights.from_model(model),
            model_version=str(model["testigo"]["version"]),
            corpus=corpus,
            rows=rows,
            profile_members=members,
            entity_of_profile=entities,
            lookups={c: dict(v) for c, v in lookups.items()},
            tokens=dict(tokens),
            members_of=dict(members_of),
            published=published,
            sanctions_of=dict(sanctions_of),
        )

    def query_row(
        self, *, name: str | None, rfc: str | None, postal_code: str | None = None
    ) -> dict[str, Any]:
        raw = features(RawRecord("query", "query", name, rfc, postal_code))
        return with_corpus(raw, self.corpus) | {"_tokens": raw["_tokens"]}

    def candidates(self, row: dict[str, Any]) -> set[int]:
        found: set[int] = set()
        for column in KEY_COLUMNS:
            value = row.get(column)
            if value:
                bucket = self.lookups[column].get(value, ())
                if len(bucket) <= MAX_BUCKET:
                    found.update(bucket)
        for token in row["_tokens"]:
            bucket = self.tokens.get(token, ())
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        return found

    def score_pair(
        self, left: dict[str, Any], right: dict[str, Any]
    ) -> tuple[float, float, list[dict[str, Any]]]:
        gammas = {c.name: c.level_of(left, right) for c in COMPARISONS}
        tf = {c: (left[f"tf_{c}"], right[f"tf_{c}"]) for c in TF_COLUMNS}
        evidence = self.weights.evidence(gammas, tf)
        match_weight, probability = self.weights.score(evidence)
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
        best: dict[str, Match] = {}
        for number in self.candidates(row):
            entity = self.entity_of_profile[number]
            if entity is None:
                continue
            probability, weight, evidence = self.score_pair(row, self.rows[number])
            if probability < threshold:
                continue
            current = best.get(entity)
            if current is None or probability > current.probability:
                best[entity] = Match(
                    entity, probability, weight, evidence, self.profile_members[number][0]
                )
        ranked = sorted(best.values(), key=lambda m: (-m.probability, m.entity_id))
        return ranked[:limit]

    def records_of(self, entity_id: str) -> list[PublishedRecord]:
        return [
            self.published[k]
            for k in sorted(self.members_of.get(entity_id, ()))
            if k in self.published
        ]

    def entity_ids(self) -> Iterable[str]:
        return self.members_of.keys()


def _sanctions(engine: Engine) -> Iterable[SanctionFact]:
    query = select(
        Sanction.source_key,
        Sanction.registry_code,
        Sanction.case_number,
        Sanction.kind,
        Sanction.authority,
        Sanction.start_date,
        Sanction.end_date,
        Sanction.raw_status,
        Sanction.status,
        Sanction.source_file,
        IngestRun.retrieved_at,
    ).join(IngestRun, IngestRun.id == Sanction.run_id)
    with engine.connect() as conn:
        for key, *rest in conn.execute(query):
            yield SanctionFact(record_key("sanction", key), *rest)
