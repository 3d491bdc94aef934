"""`testigo link`: features -> profiles -> Splink scores -> constrained clusters -> entities.

Full mode scores every blocked pair; incremental mode scores only profiles holding new or changed
records against the rest, then re-clusters from the stored links (clustering is cheap; scoring
is not). Judgements override the model in both."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import structlog
from sqlalchemy import Engine

from matching import cluster as clustering
from matching import model as splink_model
from matching import store
from matching.backend import BackendConfig
from matching.comparisons import COMPARISONS
from matching.features import COLUMNS, TF_COLUMNS, Corpus, features, with_corpus
from matching.profiles import features_hash, group
from matching.records import SourceRecord, load
from matching.weights import ModelWeights

log = structlog.get_logger(__name__)

SCHEMA = pa.schema([(c, pa.float64() if c.startswith("tf_") else pa.string()) for c in COLUMNS])


@dataclass(slots=True)
class LinkOptions:
    model_dir: Path
    auto: float = 0.9
    review: float = 0.5
    full: bool = False
    retrain: bool = False
    backend: BackendConfig | None = None
    seed: int = 42


@dataclass(slots=True)
class LinkSummary:
    mode: str = "full"
    records: int = 0
    profiles: int = 0
    new_or_changed: int = 0
    pairs_scored: int = 0
    links: int = 0
    review_queue: int = 0
    refused: int = 0
    entities: int = 0
    entities_changed: int = 0
    model_version: str = ""
    trained: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Clock:
    def __init__(self, summary: LinkSummary) -> None:
        self.summary = summary
        self.start = self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.summary.timings[name] = round(now - self.last, 2)
        self.last = now


def link(
    engine: Engine, options: LinkOptions, *, say: Callable[[str], None] | None = None
) -> LinkSummary:
    say = say or (lambda _: None)
    summary = LinkSummary()
    clock = _Clock(summary)
    judgements = store.latest_judgements(engine)
    judged = {k for pair in judgements for k in pair}

    say("reading records")
    records = list(load(engine))
    rows = [features(r.raw) for r in records]
    keys = [r.record_key for r in records]
    summary.records = len(records)
    clock.lap("read")

    profiles = group(keys, rows, alone=judged)
    corpus = Corpus.build(rows)
    table_rows = [with_corpus(rows[p.representative], corpus) for p in profiles]
    summary.profiles = len(profiles)
    hashes = [features_hash(row) for row in rows]
    clock.lap("features")

    model = None if options.retrain else splink_model.load_latest(options.model_dir)
    if model is None:
        say(f"training the model on {len(table_rows):,} profiles")
        model = splink_model.train(_table(table_rows), seed=options.seed, backend=options.backend)
        splink_model.save(model, options.model_dir)
        summary.trained = True
        clock.lap("train")
    summary.model_version = splink_model.version_of(model)
    weights = ModelWeights.from_model(model)

    previous = store.previous_state(engine)
    incremental = (
        not options.full
        and not summary.trained
        and previous.model_version == summary.model_version
        and bool(previous.hashes)
    )
    summary.mode = "incremental" if incremental else "full"
    if incremental:
        fresh = {i for i, k in enumerate(keys) if previous.hashes.get(k) != hashes[i]}
        summary.new_or_changed = len(fresh)
        new_profiles = [n for n, p in enumerate(profiles) if any(m in fresh for m in p.members)]
        say(f"scoring {len(new_profiles):,} new or changed profiles against the rest")
        scored = _score_incremental(table_rows, new_profiles, model, options)
        gone = set(previous.hashes) - set(keys)
        old_links = [
            pair
            for pair in store.stored_links(engine)
            if pair[0] not in gone and pair[1] not in gone
        ]
    else:
        summary.new_or_changed = len(records)
        say(f"scoring blocked pairs among {len(table_rows):,} profiles")
        scored = splink_model.predict(
            _table(table_rows), model, threshold=options.review, backend=options.backend
        )
        old_links = []
    pairs = _pairs(scored, weights)
    summary.pairs_scored = len(pairs)
    clock.lap("score")

    say("clustering")
    all_pairs = {(a, b): (p, mw, ev) for a, b, p, mw, ev in old_links}
    all_pairs.update({(a, b): (p, mw, ev) for a, b, p, mw, ev in pairs})
    identical = [(keys[p.representative], keys[m], 1.0) for p in profiles for m in p.members[1:]]
    scored_edges = [(a, b, v[0]) for (a, b), v in all_pairs.items()]
    rfcs = {keys[i]: row["rfc"] for i, row in enumerate(rows) if row["rfc"]}
    result = clustering.cluster(
        keys,
        [*identical, *scored_edges],
        threshold=options.auto,
        rfcs=rfcs,
        same=[pair for pair, decision in judgements.items() if decision == "same"],
        different=[pair for pair, decision in judgements.items() if decision == "different"],
    )
    ids = clustering.assign_ids(result.members, previous.entity_of)
    clock.lap("cluster")

    say("storing entities")
    refused = {(a, b): reason for a, b, _, reason in result.refused}
    link_rows = []
    for (a, b), (p, mw, ev) in all_pairs.items():
        reason = refused.get((a, b)) or refused.get((b, a))
        if reason is not None:
            status = "refused"
        elif p >= options.auto:
            status = "linked"
        else:
            status = "review"
        link_rows.append((a, b, p, mw, ev, status, reason))
    summary.links = sum(1 for r in link_rows if r[5] == "linked")
    summary.review_queue = sum(1 for r in link_rows if r[5] == "review")
    summary.refused = len(refused)
    strongest = _strongest(result.accepted)
    stats = store.write(
        engine,
        records=records,
        hashes=hashes,
        names=[row["name"] for row in rows],
        rfc_values=[row["rfc"] for row in rows],
        members=result.members,
        ids=ids,
        strongest=strongest,
        links=link_rows,
        full=not incremental,
        previous=previous,
        model_version=summary.model_version,
        summary=summary.as_dict(),
    )
    summary.entities = len(result.members)
    summary.entities_changed = stats
    clock.lap("store")
    summary.seconds = round(time.perf_counter() - clock.start, 2)
    log.info("link.done", **{k: v for k, v in summary.as_dict().items() if k != "timings"})
    return summary


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _score_incremental(
    table_rows: list[dict[str, Any]],
    new_profiles: list[int],
    model: dict[str, Any],
    options: LinkOptions,
) -> pa.Table | None:
    if not new_profiles:
        return None
    wanted = set(new_profiles)
    new_rows = [table_rows[i] for i in new_profiles]
    old_rows = [row for i, row in enumerate(table_rows) if i not in wanted]
    if not old_rows:
        return splink_model.predict(
            _table(new_rows), model, threshold=options.review, backend=options.backend
        )
    return splink_model.predict_between(
        _table(old_rows),
        _table(new_rows),
        model,
        threshold=options.review,
        backend=options.backend,
    )


Pair = tuple[str, str, float, float, list[dict[str, Any]]]


def _pairs(scored: pa.Table | None, weights: ModelWeights) -> list[Pair]:
    """Scored pairs as (a, b, probability, match weight, evidence), with a < b."""
    if scored is None or scored.num_rows == 0:
        return []
    columns = scored.to_pydict()
    gamma_names = [c.name for c in COMPARISONS]
    out: list[Pair] = []
    for i in range(scored.num_rows):
        a, b = str(columns["unique_id_l"][i]), str(columns["unique_id_r"][i])
        gammas = {g: weights.gamma_of(g, columns[f"mw_{g}"][i]) for g in gamma_names}
        tf = {c: (columns[f"tf_{c}_l"][i], columns[f"tf_{c}_r"][i]) for c in TF_COLUMNS}
        evidence = weights.evidence(gammas, tf)
        p, mw = float(columns["match_probability"][i]), float(columns["match_weight"][i])
        out.append((a, b, p, mw, evidence) if a < b else (b, a, p, mw, evidence))
    return out


def _strongest(accepted: list[tuple[str, str, float]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for a, b, p in accepted:
        for key in (a, b):
            if p > best.get(key, -1.0):
                best[key] = p
    return best


def now() -> datetime:
    return datetime.now(UTC)


__all__ = ["LinkOptions", "LinkSummary", "SourceRecord", "link"]
