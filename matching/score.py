"""Real-time scoring: one query against the linked profiles, with the trained model.

The index is the one the last `testigo link` wrote beside its state (`matching.index_files`,
memory-mapped, shared by every worker): the same profiles, features and term frequencies that
run scored, so a pair scores the same here as in batch (the same comparison levels and weights:
`comparisons`, `weights`). Candidates come from key lookups, never from a scan: the batch
blocking keys (RFC, RFC stem, folded RFC, name, sorted name, core name, prefix, skeleton with
legal form, the name with its rarest word cut to its head or its tail; a cut name's head in
every name's heads and back) and every rare word of the name.

What a check reports about a matched firm (its records, its sanctions) is read from the store
when asked, so it is as fresh as the store; the profiles are as fresh as the last link run, and
`IndexHolder` reloads them when another run has left a newer state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from app.store import firms
from app.store.engine import reading
from matching import guards, hashed, index_files, sanction_facts
from matching.comparisons import COMPARISONS
from matching.corpus import Corpus, with_corpus
from matching.features import CONFUSABLE, TF_COLUMNS, RawRecord, features
from matching.index_files import SEPARATOR, key_columns, lookups_of, usable_token
from matching.profile_rows import ProfileRows
from matching.results import RecordOut
from matching.verdict import SanctionFact
from matching.weights import ModelWeights

# A key shared by more profiles than this is no evidence of identity: skip it as a lookup.
MAX_BUCKET = 2000


@dataclass(slots=True)
class Match:
    entity_id: str
    probability: float
    match_weight: float
    evidence: list[dict[str, Any]]
    record_key: str  # the profile representative that scored best


@dataclass(slots=True)
class Index:
    """The index of one link run, read from the files it left (`matching.index_files`), which
    every worker maps: what a worker holds of its own is the model and a few file handles."""

    weights: ModelWeights
    model_version: str
    link_run_id: int
    corpus: Corpus
    rows: ProfileRows  # one per profile, as the model saw it
    entity_of_profile: Sequence[str | None]
    lookups: dict[str, hashed.Postings]
    tokens: hashed.Postings
    extensions: guards.Extensions
    # The link run's thresholds (`LinkOptions.rules`): a record queried live is `linked` or in
    # review as the run that made its firm linked it, whatever a later run overrides.
    auto: float
    review: float

    @classmethod
    def open(cls, directory: Path, model: dict[str, Any], *, auto: float, review: float) -> Index:
        """The index written in `directory`, scored with `model`, at the thresholds its link
        run recorded; at `auto` and `review` if it recorded none (written before it did)."""
        meta = index_files.meta_of(directory)
        rules = meta.get("rules") or {}
        table = hashed.mapped_table(directory / "profiles.arrow")
        counts = [hashed.Counts(directory, f"count-{n}") for n in index_files.COUNTS]
        names = hashed.mapped_table(directory / "names.arrow").column("name")
        located = hashed.mapped_table(directory / "located.arrow").column("name")
        rows = ProfileRows(table)
        return cls(
            weights=ModelWeights.from_model(model),
            model_version=str(model["testigo"]["version"]),
            link_run_id=int(meta["link_run_id"]),
            corpus=Corpus(counts[0], counts[1], counts[2], int(meta["firms"])),
            rows=rows,
            entity_of_profile=hashed.Strings(table.column("entity")),
            lookups={
                name: hashed.Postings(directory, f"key-{name}") for name in index_files.key_names()
            },
            tokens=hashed.Postings(directory, index_files.TOKENS),
            extensions=guards.Extensions(
                hashed.Strings(names), hashed.Strings(located), words=counts[2]
            ),
            auto=float(rules.get("auto", auto)),
            review=float(rules.get("review", review)),
        )

    def _holds(self, key: str, value: str) -> hashed.Verify:
        """Whether a profile's `key` (a lookup key's name) is `value`: confirms a hashed hit."""
        columns = key_columns(key)
        if len(columns) == 1:
            return lambda number: bool(self.rows.value(number, columns[0]) == value)
        return lambda number: (
            SEPARATOR.join(str(self.rows.value(number, c)) for c in columns) == value
        )

    def _has_word(self, token: str) -> hashed.Verify:
        """Whether a profile is posted under `token`: its name has the word, and the word is
        rare enough to be posted at all (a common word may share its hash with a rare one
        that a profile's name has beside it). Rarity is looked up once, on the first hit."""
        usable: list[bool] = []

        def verify(number: int) -> bool:
            if not usable:
                usable.append(usable_token(token, self.corpus.token_firms))
            return usable[0] and token in (self.rows.value(number, "name") or "").split()

        return verify

    def query_row(
        self, *, name: str | None, rfc: str | None, postal_code: str | None = None
    ) -> dict[str, Any]:
        raw = features(RawRecord("query", "query", name, rfc, postal_code))
        return with_corpus(raw, self.corpus) | {"_tokens": raw["_tokens"]}

    def candidates(self, row: Mapping[str, Any]) -> set[int]:
        found: set[int] = set()
        for name, value in lookups_of(row):
            bucket = self.lookups[name].get(value, self._holds(name, value))
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        for token in row["_tokens"]:
            bucket = self.tokens.get(token, self._has_word(token))
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
        for found in self.score_profiles(row, list(self.candidates(row))):
            current = best.get(found.entity_id)
            if current is None or found.probability > current.probability:
                best[found.entity_id] = found
        return best

    def score_profiles(self, row: Mapping[str, Any], numbers: Sequence[int]) -> list[Match]:
        """A query row scored against each of `numbers` that is in an entity, in that order;
        only those rows are read from the mapped table."""
        entities = self.rows.entities(numbers)
        wanted = [(n, e) for n, e in zip(numbers, entities, strict=True) if e is not None]
        rows = self.rows.take([n for n, _ in wanted])
        out = []
        for (_, entity), other in zip(wanted, rows, strict=True):
            probability, weight, evidence = self.score_pair(row, other)
            out.append(Match(entity, probability, weight, evidence, other["unique_id"]))
        return out

    def score_profile(self, row: Mapping[str, Any], number: int) -> Match | None:
        """A query row scored against one profile; None for a profile in no entity."""
        found = self.score_profiles(row, [number])
        return found[0] if found else None

    def holders(self, column: str, value: str) -> list[int]:
        """The profiles whose `column` (a lookup key: rfc, rfc_stem, ...) equals `value`."""
        return self.lookups[column].get(value, self._holds(column, value))

    def rfc_neighbours(self, value: str) -> dict[int, str]:
        """The profiles whose RFC is one typo from `value`, with that RFC: one character
        changed, two neighbours swapped, or any O/0 and I/1 confusion."""
        found: dict[int, str] = {}
        variants = list(_one_edit(value))
        known = self.lookups["rfc"].get_many(variants, lambda v: self._holds("rfc", v))
        for variant in variants:
            for number in known.get(variant, ()):
                found[number] = variant
        folded = value.translate(CONFUSABLE)
        for number in self.lookups["rfc_conf"].get(folded, self._holds("rfc_conf", folded)):
            other = self.rows.value(number, "rfc")
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


def published(entity_ids: Collection[str], *, conn: Connection) -> dict[str, list[RecordOut]]:
    """Each entity's records as published, sorted by record key."""
    out: dict[str, list[RecordOut]] = defaultdict(list)
    for entity, _, source, source_key, name, rfc in firms.records_of(entity_ids, conn=conn):
        out[entity].append(RecordOut(source=source, source_key=source_key, name=name, rfc=rfc))
    return dict(out)


def sanctions(entity_ids: Collection[str], *, conn: Connection) -> dict[str, list[SanctionFact]]:
    """Each entity's sanction listings, with their source file and retrieval date."""
    return sanction_facts.by_entity(firms.sanctions_of(entity_ids, conn=conn))


def records_of(engine: Engine, entity_ids: Collection[str]) -> dict[str, list[RecordOut]]:
    """`published`, read on a connection of its own."""
    with reading(engine) as conn:
        return published(entity_ids, conn=conn)


def sanctions_of(engine: Engine, entity_ids: Collection[str]) -> dict[str, list[SanctionFact]]:
    """`sanctions`, read on a connection of its own."""
    with reading(engine) as conn:
        return sanctions(entity_ids, conn=conn)
