"""`testigo link`: features -> profiles -> Splink scores -> constrained clusters -> entities.

A full run reads every record, scores every blocked pair and clusters everything; it trains a
model first when there is none. Every run leaves the link state (`matching.state`) beside the
model, so that the next run can be incremental (`matching.incremental`): it reads, scores and
clusters only what changed. A run is full when asked (`--full`, `--retrain`), when there is no
model or no usable state, or when the state is not the latest run's, was scored by another
model or made under other rules (`LinkOptions.rules`). Judgements override the model in both."""

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

from app.collector import fewer_collections
from app.store import link_history
from app.store import links as link_store
from app.store.engine import larger_cache, transaction
from matching import cluster as clustering
from matching import feature_pool, guards, incremental, index_files, rfc_letters
from matching import model as splink_model
from matching import state as link_state
from matching.backend import BackendConfig
from matching.corpus import Corpus, with_corpus
from matching.pairs import SCHEMA, pairs_of, profile_table, strongest
from matching.profiles import Profile, bucket_digest, bucket_key, group
from matching.records import SourceRecord, load
from matching.state import LinkState
from matching.weights import ModelWeights

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class LinkOptions:
    model_dir: Path
    auto: float = 0.9
    review: float = 0.5
    full: bool = False
    retrain: bool = False
    backend: BackendConfig | None = None
    seed: int = 42
    state_dir: Path | None = None  # default: "link" beside model_dir
    # A record whose company RFC cannot come from its name is held by it all the same, as a
    # suspect (`rfc_letters.identifying`, `cluster.cluster`): it then waits for a person
    # rather than give its firm a second RFC (README, "One company RFC per firm"). Off, it
    # joins the firm its name matches, which then shows two company RFCs.
    one_company_rfc: bool = True
    # Child processes that compute the records' features in a full run of many records
    # (`matching.feature_pool.MIN_RECORDS`); 1: this process alone.
    processes: int = 1

    @property
    def state_path(self) -> Path:
        return self.state_dir or self.model_dir.parent / "link"

    @property
    def rules(self) -> dict[str, Any]:
        """What decides the entities and the review queue besides the model and the data:
        changed, every pair's status and every entity must be made again, not only those an
        incremental run reaches."""
        return {"auto": self.auto, "review": self.review, "one_company_rfc": self.one_company_rfc}


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
    # The thresholds and rules the run linked under (`LinkOptions.rules`).
    rules: dict[str, Any] = field(default_factory=dict)
    trained: bool = False
    # Where the model's parameters came from: the data, the stored model or the defaults, and
    # why (matching.training); for a model trained by an earlier run, as recorded then.
    training: dict[str, Any] = field(default_factory=dict)
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
        # Laps of one name add up (the store phase ends with the state files).
        self.summary.timings[name] = round(self.summary.timings.get(name, 0) + now - self.last, 2)
        self.last = now


# SQLite's page cache while a full run writes its records, members, entities and links: their
# indexes outgrow the 2 MB default from about 100k records (`app.store.engine.larger_cache`).
STORE_CACHE_KIB = 262_144


def link(
    engine: Engine, options: LinkOptions, *, say: Callable[[str], None] | None = None
) -> LinkSummary:
    """One link run, full or incremental (`LinkSummary.mode` says which), stored when it ends."""
    # Records, features and pairs are millions of objects that hold no cycle.
    with fewer_collections():
        return _run(engine, options, say or (lambda _: None))


def _run(engine: Engine, options: LinkOptions, say: Callable[[str], None]) -> LinkSummary:
    summary = LinkSummary(rules=options.rules)
    clock = _Clock(summary)
    # What this run covers is fixed before it reads: records of a run that commits meanwhile
    # are read again by the next run, which finds them unchanged.
    with transaction(engine) as conn:
        runs = link_history.ok_ingest_runs(conn=conn)
        judgements = link_history.judgements(conn=conn)
        latest_run = link_history.latest_link_run(conn=conn)
    # The stored model also fills in what a retraining on too little data cannot estimate.
    stored = splink_model.load_latest(options.model_dir)
    model = None if options.retrain else stored
    if model is not None and not splink_model.fits(model):
        say("the stored model has other comparison levels than this version: training a new one")
        model = None
    previous = None if options.full or model is None else link_state.load(options.state_path)
    if previous is not None and previous.rules != options.rules:
        if previous.rules:
            say("the linking rules changed since the last run: linking every record again")
        else:
            say("the last run did not record its linking rules: linking every record again")
        previous = None
    if (
        previous is not None
        and model is not None
        and previous.model_version == splink_model.version_of(model)
        and previous.link_run_id == latest_run
    ):
        summary.model_version = previous.model_version
        summary.training = _training_of(model, trained_now=False)
        summary.mode = "incremental"
        state, unchanged = incremental.run(
            engine,
            state=previous,
            model=model,
            runs=runs,
            judgements=judgements,
            auto=options.auto,
            review=options.review,
            one_company_rfc=options.one_company_rfc,
            backend=options.backend,
            summary=summary,
            lap=clock.lap,
            say=say,
        )
    else:
        done = _full(engine, options, model, stored, runs, judgements, summary, clock, say)
        if done is None:
            summary.mode = "empty"
            summary.seconds = round(time.perf_counter() - clock.start, 2)
            log.info("link.empty")
            return summary
        state, unchanged = done
    link_state.save(state, options.state_path, unchanged=unchanged)
    clock.lap("store")
    # The real-time index's files, written once here rather than by every API worker.
    index_files.locked_write(engine, state, options.state_path)
    clock.lap("index")
    summary.seconds = round(time.perf_counter() - clock.start, 2)
    log.info("link.done", **{k: v for k, v in summary.as_dict().items() if k != "timings"})
    return summary


def _full(
    engine: Engine,
    options: LinkOptions,
    model: dict[str, Any] | None,
    stored: dict[str, Any] | None,
    runs: list[int],
    judgements: link_history.Judgements,
    summary: LinkSummary,
    clock: _Clock,
    say: Callable[[str], None],
) -> tuple[LinkState, frozenset[str]] | None:
    """The full run; None when there is no record to link (nothing is written then)."""
    latest = judgements.latest
    judged = judgements.keys()

    say("reading records")
    featured = feature_pool.with_features(load(engine), processes=options.processes)
    records, rows, hashes = featured.records, featured.rows, featured.hashes
    keys = [r.record_key for r in records]
    summary.records = len(records)
    clock.lap("read")
    if not records:
        return None

    profiles = group(keys, rows, alone=judged)
    corpus = Corpus.build(rows)
    table_rows = [with_corpus(rows[p.representative], corpus) for p in profiles]
    summary.profiles = len(profiles)
    table = profile_table(table_rows)
    clock.lap("features")

    if model is None:
        say(f"training the model on {len(table_rows):,} profiles")
        model = splink_model.train(table, seed=options.seed, backend=options.backend, stored=stored)
        splink_model.save(model, options.model_dir)
        summary.trained = True
        clock.lap("train")
    summary.model_version = splink_model.version_of(model)
    summary.training = _training_of(model, trained_now=summary.trained)
    weights = ModelWeights.from_model(model)
    with transaction(engine) as conn:
        previous = link_history.previous_state(conn=conn)
    summary.new_or_changed = len(records)

    say(f"scoring blocked pairs among {len(table_rows):,} profiles")
    scored = splink_model.predict(table, model, threshold=options.review, backend=options.backend)
    extensions = guards.Extensions.of(
        (row["name"] for row in table_rows),
        ((row["name"], row["postal_code"]) for row in table_rows),
        corpus.token_firms,
    )
    pairs = guards.guard_pairs(
        pairs_of(scored, weights), {row["unique_id"]: row for row in table_rows}, extensions
    )
    summary.pairs_scored = len(pairs)
    clock.lap("score")

    say("clustering")
    identical = [(keys[p.representative], keys[m], 1.0) for p in profiles for m in p.members[1:]]
    scored_edges = [(a, b, p) for a, b, p, _, _ in pairs]
    rfcs: dict[str, str] = {}
    suspect: list[str] = []  # held by an RFC not from their name (`one_company_rfc` only)
    for key, row in zip(keys, rows, strict=True):
        misfit = row["rfc_misfit"] == "1"
        if found := rfc_letters.held(row["rfc"], misfit, one_company_rfc=options.one_company_rfc):
            rfcs[key] = found[0]
            if found[1]:
                suspect.append(key)
    edges = [*identical, *scored_edges]
    same = [pair for pair, decision in latest.items() if decision == "same"]
    different = [pair for pair, decision in latest.items() if decision == "different"]
    coherence = guards.FirmCoherence(dict(zip(keys, rows, strict=True)), extensions)
    components = None
    if options.backend is not None and options.backend.kind == "spark":
        # Splink's connected components on Spark, then the same rule inside each component:
        # the same clusters as one pass (tests/matching/test_cluster.py).
        joined = [(a, b) for a, b, p in edges if p >= options.auto] + same
        components = splink_model.connected_components(joined, backend=options.backend)
    result = clustering.cluster(
        keys,
        edges,
        threshold=options.auto,
        rfcs=rfcs,
        same=same,
        different=different,
        coherence=coherence,
        components=components,
        suspect=suspect,
    )
    ids = clustering.assign_ids(result.members, previous.entity_of)
    clock.lap("cluster")

    say("storing entities")
    refused = {(a, b): reason for a, b, _, reason in result.refused}
    link_rows = []
    for a, b, p, mw, ev in pairs:
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
    summary.entities = len(result.members)
    # The run's one writing transaction. The reads above are short transactions of their
    # own: none is held open across the scoring, which takes minutes on a large store.
    with transaction(engine) as conn, larger_cache(conn, STORE_CACHE_KIB):
        run_id, summary.entities_changed = link_store.write(
            conn=conn,
            records=records,
            hashes=hashes,
            names=[row["name"] for row in rows],
            rfc_values=[row["rfc"] for row in rows],
            members=result.members,
            ids=ids,
            strongest=strongest(result.accepted),
            links=link_rows,
            previous=previous,
            model_version=summary.model_version,
            summary=summary.as_dict(),
        )
    state = LinkState(
        link_run_id=run_id,
        model_version=summary.model_version,
        ingest_runs=runs,
        judgement_id=judgements.max_id,
        firms=corpus.firms,
        profiles=_stored_profiles(table, profiles, rows, keys, judged),
        names=link_state.counts_table(corpus.name_firms),
        cores=link_state.counts_table(corpus.core_firms),
        tokens=link_state.counts_table(corpus.token_firms),
        rules=options.rules,
    )
    return state, frozenset()


def _training_of(model: dict[str, Any], *, trained_now: bool) -> dict[str, Any]:
    meta = model["testigo"]
    report = meta.get("training") or {
        "why": {"all": "trained before Testigo recorded where parameters came from"}
    }
    return {"trained_now": trained_now, "trained_at": meta.get("trained_at"), **report}


def _stored_profiles(
    table: pa.Table,
    profiles: list[Profile],
    rows: list[dict[str, Any]],
    keys: list[str],
    judged: set[str],
) -> pa.Table:
    """The scored table with what the next run needs to place records: words, members and
    the bucket newcomers with identical features join (none for a judged record's profile)."""
    tokens, members, buckets = [], [], []
    for p in profiles:
        row = rows[p.representative]
        tokens.append(row["_tokens"])
        members.append([keys[m] for m in p.members])
        bucket = bucket_key(row)
        alone = len(p.members) == 1 and keys[p.representative] in judged
        buckets.append(None if bucket is None or alone else bucket_digest(bucket))
    return (
        table.append_column("tokens", pa.array(tokens, pa.list_(pa.string())))
        .append_column("members", pa.array(members, pa.list_(pa.string())))
        .append_column("bucket", pa.array(buckets, pa.string()))
    )


def now() -> datetime:
    return datetime.now(UTC)


__all__ = ["SCHEMA", "LinkOptions", "LinkSummary", "SourceRecord", "link"]
