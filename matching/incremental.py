"""Incremental linking: only what changed since the last run is read, scored and clustered.

The stored state (`matching.state`) holds every profile as the model saw it. A run reads the
records of the ingest runs the state has not seen and the records of new judgements, and
places each one:

- a record whose features equal a stored profile's joins it: identical features are one firm,
  so there is nothing to score;
- the others make new profiles, scored by Splink against the stored profiles and among
  themselves (`predict_between`), with the model's own blocking rules.

A record whose features changed, or that a person has just judged, first leaves its profile (a
judged record stays alone, so that the judgement can bite); a profile that loses its
representative is scored again under the next one. Then only the entities that new links,
moved records and new judgements reach are clustered again, with the stored links among their
records, by the same constrained clustering as a full run: the rest of the store is neither
read nor written.

Frequencies: new records are added to the stored firm counts; stored profiles keep the term
frequencies they were scored with, and a changed record's old name stays counted, until the
next full link (`testigo link --full`) recounts everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from app.store import neighbourhood
from app.store.engine import transaction
from app.store.link_history import Judgements
from app.store.links import LinkRow
from matching import cluster as clustering
from matching import guards, names, rfc_letters
from matching import model as splink_model
from matching import state as link_state
from matching.corpus import Corpus, CorpusBuilder, named_in_form, with_corpus
from matching.features import COLUMNS, features
from matching.pairs import Pair, pairs_of, profile_table, strongest
from matching.profiles import bucket_digest, bucket_key, features_hash
from matching.records import SourceRecord, load
from matching.state import LinkState
from matching.weights import ModelWeights


@dataclass(slots=True)
class Profiles:
    """The stored profiles table, and the edits this run makes to it (by row number)."""

    table: pa.Table
    flat: pa.Array = field(init=False)  # every member key
    owner: pa.Array = field(init=False)  # the row of each member key
    edits: dict[int, dict[str, Any]] = field(default_factory=dict)  # row -> edited row
    dropped: set[int] = field(default_factory=set)  # rows that lost every member
    rescore: set[int] = field(default_factory=set)  # rows scored again (new representative)

    def __post_init__(self) -> None:
        self.flat = pc.list_flatten(self.table["members"])
        self.owner = pc.list_parent_indices(self.table["members"])

    def rows_of(self, keys: Collection[str]) -> dict[str, int]:
        """record key -> its profile's row, for the keys some profile holds."""
        wanted = sorted(keys)
        if not wanted:
            return {}
        at = pc.index_in(pa.array(wanted, pa.string()), value_set=self.flat).to_pylist()
        owner = self.owner
        return {k: int(owner[i].as_py()) for k, i in zip(wanted, at, strict=True) if i is not None}

    def row(self, number: int) -> dict[str, Any]:
        if number not in self.edits:
            self.edits[number] = self.table.slice(number, 1).to_pylist()[0]
        return self.edits[number]

    def rep(self, number: int) -> str:
        """The representative (unique_id) of a row, edited or not, without editing it."""
        if number in self.edits:
            return str(self.edits[number]["unique_id"])
        return str(self.table["unique_id"][number].as_py())

    def members(self, number: int) -> list[str]:
        if number in self.edits:
            return list(self.edits[number]["members"])
        return list(self.table["members"][number].as_py())

    def by_bucket(self, digests: Collection[str]) -> dict[str, int]:
        wanted = sorted(digests)
        if not wanted:
            return {}
        at = pc.index_in(pa.array(wanted, pa.string()), value_set=self.table["bucket"])
        return {
            d: int(i)
            for d, i in zip(wanted, at.to_pylist(), strict=True)
            if i is not None and i not in self.dropped and self.row_bucket(i) == d
        }

    def row_bucket(self, number: int) -> str | None:
        if number in self.edits:
            bucket: str | None = self.edits[number]["bucket"]
            return bucket
        found: str | None = self.table["bucket"][number].as_py()
        return found

    def after(self, added: list[dict[str, Any]]) -> pa.Table:
        """The table with this run's edits and `added` profiles."""
        changed = set(self.edits) | self.dropped
        if not changed and not added:
            return self.table
        edited = [row for n, row in sorted(self.edits.items()) if n not in self.dropped]
        extra = pa.Table.from_pylist([*edited, *added], schema=link_state.PROFILE_SCHEMA)
        return pa.concat_tables([self.without(changed), extra])

    def without(self, numbers: Collection[int]) -> pa.Table:
        """The stored table less the given rows."""
        keep = np.ones(self.table.num_rows, bool)
        keep[list(numbers)] = False
        return self.table.filter(pa.array(keep))


@dataclass(slots=True)
class Placed:
    """Where this run's records went."""

    joined: dict[int, list[str]] = field(default_factory=dict)  # stored row -> records joining
    new: list[list[str]] = field(default_factory=list)  # member lists of new profiles


def run(
    engine: Any,
    *,
    state: LinkState,
    model: dict[str, Any],
    runs: list[int],
    judgements: Judgements,
    auto: float,
    review: float,
    one_company_rfc: bool,
    backend: Any,
    summary: Any,
    lap: Callable[[str], None],
    say: Callable[[str], None],
) -> tuple[LinkState, frozenset[str]]:
    """Link what changed since `state`; returns the new state and the names of its tables that
    did not change."""
    pending = sorted(set(runs) - set(state.ingest_runs))
    judged_now = judgements.since(state.judgement_id)
    say(f"reading the records of {len(pending)} new ingest run(s)")
    records = {r.record_key: r for r in load(engine, runs=pending)} if pending else {}
    missing = judged_now - set(records)
    if missing:
        records.update((r.record_key, r) for r in load(engine, keys=missing))
    rows = {key: features(r.raw) for key, r in records.items()}
    hashes = {key: features_hash(row) for key, row in rows.items()}
    with transaction(engine) as conn:
        stored = neighbourhood.record_hashes(list(rows), conn=conn)
    new = sorted(k for k in rows if k not in stored)
    changed = sorted(k for k in rows if k in stored and stored[k] != hashes[k])
    summary.new_or_changed = len(new) + len(changed)
    lap("read")

    profiles = Profiles(state.profiles)
    alone = judgements.keys()
    moved = _leave(profiles, set(changed) | (judged_now & set(stored)), judged_now, set(changed))
    placed = _place(profiles, sorted({*new, *moved}), rows, alone)
    corpus, counts = _count(state, profiles, [rows[k] for k in sorted({*new, *changed})])
    fresh_rows = [with_corpus(rows[members[0]], corpus) for members in placed.new]
    # Profiles whose representative moved: their stored features, under the next member's key.
    rescored = [{k: profiles.row(n)[k] for k in COLUMNS} for n in sorted(profiles.rescore)]
    lap("features")

    weights = ModelWeights.from_model(model)
    extensions = _extensions(profiles, [*fresh_rows, *rescored], counts["tokens"])
    scored: list[Pair] = []
    if fresh_rows or rescored:
        say(f"scoring {len(fresh_rows) + len(rescored):,} new profiles against the stored ones")
        existing = profiles.without(profiles.dropped | profiles.rescore).select(list(COLUMNS))
        new_table = profile_table([*fresh_rows, *rescored])
        if existing.num_rows:
            found = splink_model.predict_between(
                existing, new_table, model, threshold=review, backend=backend
            )
        else:
            found = splink_model.predict(new_table, model, threshold=review, backend=backend)
        scored = _guarded(pairs_of(found, weights), profiles, [*fresh_rows, *rescored], extensions)
    summary.pairs_scored = len(scored)
    lap("score")

    say("clustering the entities the new records reach")
    # The neighbourhood is read in one transaction (one snapshot of entities, records and
    # links) and the run written in another, all or nothing, as the full run does.
    with transaction(engine) as conn:
        result, hood, touched = _recluster(
            profiles,
            placed,
            scored,
            moved,
            judged_now,
            rows,
            judgements,
            auto,
            extensions=extensions,
            one_company_rfc=one_company_rfc,
            conn=conn,
        )
    lap("cluster")

    say("storing entities")
    added = [
        {
            **row,
            "tokens": rows[members[0]]["_tokens"],
            "members": members,
            "bucket": _bucket(rows[members[0]], members[0], alone),
        }
        for row, members in zip(fresh_rows, placed.new, strict=True)
    ]
    local = neighbourhood.LocalResult(
        records=[records[k] for k in sorted({*new, *changed})],
        hashes=hashes,
        names={k: row["name"] for k, row in rows.items()},
        rfcs={k: row["rfc"] for k, row in rows.items()},
        changed=changed,
        stale=sorted(moved),
        members=result.members,
        ids=result.ids,
        strongest=result.strongest,
        links=result.links,
        status_changes=result.status_changes,
        touched_entities=touched,
    )
    summary.entities_changed = len(result.ids)
    with transaction(engine) as conn:
        run_id, totals = neighbourhood.write(
            hood, local, conn=conn, model_version=state.model_version, summary=summary.as_dict()
        )
    summary.links = totals["links"]
    summary.review_queue = totals["review_queue"]
    summary.refused = totals["refused"]
    summary.entities = totals["entities"]
    after = replace(
        state,
        link_run_id=run_id,
        ingest_runs=sorted(set(runs) | set(state.ingest_runs)),
        judgement_id=max(judgements.max_id, state.judgement_id),
        profiles=profiles.after(added),
        firms=corpus.firms,
        **counts,
    )
    summary.profiles = after.profiles.num_rows
    summary.records = after.records
    unchanged = frozenset(
        name for name in link_state.TABLES if getattr(after, name) is getattr(state, name)
    )
    lap("store")
    return after, unchanged


def _bucket(row: dict[str, Any], key: str, alone: Collection[str]) -> str | None:
    bucket = bucket_key(row)
    return None if bucket is None or key in alone else bucket_digest(bucket)


def _leave(profiles: Profiles, keys: set[str], judged: set[str], changed: set[str]) -> set[str]:
    """Take `keys` out of their stored profiles; returns the records that left (to be placed
    again). A judged record alone in its profile stays, closed to newcomers."""
    moved: set[str] = set()
    for key, number in sorted(profiles.rows_of(keys).items()):
        row = profiles.row(number)
        members = list(row["members"])
        if key in judged and key not in changed and members == [key]:
            row["bucket"] = None
            continue
        members.remove(key)
        moved.add(key)
        row["members"] = members
        if not members:
            profiles.dropped.add(number)
            profiles.rescore.discard(number)
        elif row["unique_id"] == key:
            row["unique_id"] = min(members)
            profiles.rescore.add(number)
    return moved


def _place(
    profiles: Profiles, keys: list[str], rows: dict[str, dict[str, Any]], alone: Collection[str]
) -> Placed:
    """Records join the stored profile of identical features, or make new profiles."""
    placed = Placed()
    digests = {k: _bucket(rows[k], k, alone) for k in keys}
    found = profiles.by_bucket({d for d in digests.values() if d is not None})
    fresh: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        digest = digests[key]
        if digest is None:
            placed.new.append([key])
        elif digest in found:
            number = found[digest]
            placed.joined.setdefault(number, []).append(key)
            row = profiles.row(number)
            row["members"] = [*row["members"], key]
        else:
            fresh[digest].append(key)
    placed.new.extend(sorted(members) for members in fresh.values())
    placed.new.sort()
    return placed


def _count(
    state: LinkState, profiles: Profiles, adds: list[dict[str, Any]]
) -> tuple[Corpus, dict[str, pa.Table]]:
    """The stored counts, with `adds` counted in; returns the counts of the values they touch
    (enough to score them) and the stored count tables with those entries replaced."""
    names = {r["name"] for r in adds if r["name"]}
    names |= {k for r in adds if r["name"] and (k := named_in_form(r["name"], r["legal_form"]))}
    cores = {r["name_core"] for r in adds if r["name_core"]}
    tokens = {t for r in adds for t in r["_tokens"]}
    rfcs = {r["rfc"] for r in adds if r["rfc"]}
    partial = Corpus(
        _subset(state.names, names), _subset(state.cores, cores), _subset(state.tokens, tokens), 1
    )
    table = profiles.table
    related = pc.or_(
        pc.or_(
            pc.is_in(table["name"], pa.array(sorted(names), pa.string())),
            pc.is_in(table["name_core"], pa.array(sorted(cores), pa.string())),
        ),
        pc.is_in(table["rfc"], pa.array(sorted(rfcs), pa.string())),
    )
    known = table.filter(related).select(
        ["source", "name", "legal_form", "name_core", "rfc", "tokens"]
    )
    known_rows = [{**r, "_tokens": r["tokens"]} for r in known.to_pylist()]
    builder = CorpusBuilder.resume(partial, state.firms, known_rows)
    for row in adds:
        builder.add(row)
    corpus = builder.corpus()
    if not adds:
        return corpus, {"names": state.names, "cores": state.cores, "tokens": state.tokens}
    return corpus, {
        "names": _replace(state.names, corpus.name_firms),
        "cores": _replace(state.cores, corpus.core_firms),
        "tokens": _replace(state.tokens, corpus.token_firms),
    }


def _subset(table: pa.Table, values: Collection[str]) -> Any:
    found = table.filter(pc.is_in(table["value"], pa.array(sorted(values), pa.string())))
    return link_state.counts_of(found)


def _replace(table: pa.Table, counts: Any) -> pa.Table:
    if not counts:
        return table
    updated = link_state.counts_table(counts)
    keep = pc.invert(pc.is_in(table["value"], updated["value"]))
    return pa.concat_tables([table.filter(keep), updated])


@dataclass(slots=True)
class Reclustered:
    members: list[list[str]]
    ids: list[str]
    strongest: dict[str, float]
    links: list[LinkRow]
    status_changes: list[tuple[str, str, str, str | None]]


def _recluster(
    profiles: Profiles,
    placed: Placed,
    scored: list[Pair],
    moved: set[str],
    judged_now: set[str],
    rows: dict[str, dict[str, Any]],
    judgements: Judgements,
    auto: float,
    *,
    extensions: guards.Extensions,
    one_company_rfc: bool,
    conn: Connection,
) -> tuple[Reclustered, neighbourhood.Neighbourhood, set[str]]:
    # Records this run placed, and of those the ones the store has never seen.
    placed_keys = {k for members in placed.new for k in members}
    placed_keys.update(k for keys in placed.joined.values() for k in keys)
    unseen = placed_keys - moved
    seeds = set(moved) | judged_now
    seeds.update(profiles.rep(n) for n in [*placed.joined, *profiles.rescore])
    for a, b, p, _, _ in scored:
        if p >= auto:
            seeds.update((a, b))
    touched = neighbourhood.entities_of(seeds - unseen, conn=conn)
    touched |= neighbourhood.held_apart_from(touched, clustering.NOT_FROM_NAME, conn=conn)
    hood = neighbourhood.gather(touched, conn=conn)
    nodes = set(hood.entity_of) | placed_keys

    # Identical features are one firm: every profile member hangs on its representative.
    edges: list[tuple[str, str, float]] = []
    numbers = set(profiles.rows_of(nodes - unseen).values()) | set(placed.joined)
    for number in sorted(numbers - profiles.dropped):
        rep = profiles.rep(number)
        edges.extend((rep, m, 1.0) for m in profiles.members(number) if m != rep and m in nodes)
    for members in placed.new:
        edges.extend((members[0], m, 1.0) for m in members[1:])
    stored_links = {pair: value for pair, value in hood.links.items() if not (set(pair) & moved)}
    edges.extend((a, b, p) for (a, b), (p, _, _) in stored_links.items())
    edges.extend((a, b, p) for a, b, p, _, _ in scored if a in nodes and b in nodes)
    # key -> (RFC held by, whether it cannot come from the name: `one_company_rfc` only)
    holding: dict[str, tuple[str, bool]] = {}
    for k, v in hood.rfc.items():
        misfit = v is not None and rfc_letters.contradicts(
            v, names.parse_name(hood.published[k][0]).norm
        )
        if found := rfc_letters.held(v, misfit, one_company_rfc=one_company_rfc):
            holding[k] = found
    for k in nodes:
        if k in rows:
            row = rows[k]
            misfit = row["rfc_misfit"] == "1"
            if found := rfc_letters.held(row["rfc"], misfit, one_company_rfc=one_company_rfc):
                holding[k] = found
    rfcs = {k: rfc for k, (rfc, _) in holding.items()}
    suspect = [k for k, (_, not_from_name) in holding.items() if not_from_name]
    latest = judgements.latest
    result = clustering.cluster(
        sorted(nodes),
        edges,
        threshold=auto,
        rfcs=rfcs,
        same=[p for p, d in latest.items() if d == "same" and p[0] in nodes and p[1] in nodes],
        different=[
            p for p, d in latest.items() if d == "different" and p[0] in nodes and p[1] in nodes
        ],
        # The full run's coherence: a chain through the new records must not join records
        # that are not one firm (before, an incremental run could, a full one not).
        coherence=_coherence(profiles, nodes, rows, extensions),
        suspect=suspect,
    )
    previous = {k: hood.entity_of[k] for k in nodes if k in hood.entity_of}
    ids = clustering.assign_ids(result.members, previous)
    clash = neighbourhood.taken_ids(set(ids) - touched, touched, conn=conn)
    if clash:
        ids = clustering.assign_ids(result.members, previous, reserved=clash)

    refused = {(a, b): reason for a, b, _, reason in result.refused}

    def status(a: str, b: str, p: float) -> tuple[str, str | None]:
        reason = refused.get((a, b)) or refused.get((b, a))
        if reason is not None:
            return "refused", reason
        return ("linked" if p >= auto else "review"), None

    links = []
    for a, b, p, mw, ev in scored:
        state_, reason = status(a, b, p)
        links.append((a, b, p, mw, ev, state_, reason))
    changes = []
    for (a, b), (p, old, old_reason) in stored_links.items():
        state_, reason = status(a, b, p)
        # The reason too: the alert scan reads a refusal for a suspect RFC as waiting.
        if (state_, reason) != (old, old_reason):
            changes.append((a, b, state_, reason))
    return (
        Reclustered(result.members, ids, strongest(result.accepted), links, changes),
        hood,
        touched,
    )


__all__ = ["SourceRecord", "run"]


def _guarded(
    pairs: list[Pair],
    profiles: Profiles,
    new_rows: list[dict[str, Any]],
    extensions: guards.Extensions,
) -> list[Pair]:
    """The scored pairs with the guards applied as a full run applies them: the rows of both
    sides, and the corpus's extensions (`_extensions`)."""
    rows = {str(r["unique_id"]): r for r in new_rows}
    wanted = {k for a, b, *_ in pairs for k in (a, b) if k not in rows}
    stored: dict[str, int] = {}
    for key, number in profiles.rows_of(wanted).items():
        if profiles.rep(number) != key:
            continue
        if number in profiles.edits:
            rows[key] = profiles.edits[number]
        else:
            stored[key] = number
    # One read of the stored rows, not a slice per pair.
    taken = profiles.table.take(list(stored.values())).to_pylist() if stored else []
    rows.update(zip(stored, taken, strict=True))
    return guards.guard_pairs(pairs, rows, extensions)


def _extensions(
    profiles: Profiles, new_rows: list[dict[str, Any]], words: pa.Table
) -> guards.Extensions:
    """Every profile's name (and postal code), for the extension counts, and the firms per
    word with the new records counted in (`words`), as a full run has."""
    names = pa.chunked_array(
        [*profiles.table["name"].chunks, pa.array([r["name"] for r in new_rows], pa.string())]
    )
    postal = pa.chunked_array(
        [
            *profiles.table["postal_code"].chunks,
            pa.array([r["postal_code"] for r in new_rows], pa.string()),
        ]
    )
    return guards.Extensions.of_columns(names, names, postal, link_state.counts_of(words))


def _coherence(
    profiles: Profiles,
    nodes: Collection[str],
    rows: dict[str, dict[str, Any]],
    extensions: guards.Extensions,
) -> guards.FirmCoherence:
    """The full run's coherence over the neighbourhood: each record's features, this run's or
    its stored profile's (a profile's members share them)."""
    found = {k: rows[k] for k in nodes if k in rows}
    numbers = profiles.rows_of(set(nodes) - set(found))
    stored = {}
    for key, number in numbers.items():
        if number in profiles.edits:
            found[key] = profiles.edits[number]
        else:
            stored[key] = number
    if stored:
        table = profiles.table.select(list(guards.READS)).take(list(stored.values()))
        found.update(zip(stored, table.to_pylist(), strict=True))
    return guards.FirmCoherence(found, extensions)
