"""Cluster scored record pairs into resolved firms, with constraints, and give them stable ids.

Pairwise links chain: fuzzy name links can join the records of two firms through records
that carry no RFC. The clustering therefore refuses a merge that would put two clearly
different valid RFCs in one firm, or a pair that a human judged different. Human "same"
judgements are applied first and may join different RFCs (a firm that changed RFC, a
mistyped RFC the near-test misses).

Pure Python, sized for a million records and a few million edges on one core: records are
integer indices, union-find keeps flat arrays, and per-cluster state (RFC sets, "different"
counterparts) lives in sparse dicts keyed by root, because most clusters have neither.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from rapidfuzz.distance import OSA

from matching.rfc import GENERIC_RFCS, parse

REASON_JUDGED_DIFFERENT = "judged different"
REASON_SAME_CONFLICT = "judged same, but that would join a pair judged different"
INCOHERENT = "would join records that are not one firm"
# After a `suspect` record's RFC in the clustering's RFC labels (and so in refusal reasons):
# equal to no RFC as published, it keeps the record apart from the firm that carries it.
NOT_FROM_NAME = " (not from its name)"
# Names of a cluster compared when it would merge (the first distinct ones): enough for the
# families chaining builds, bounded so that a big firm's merges stay cheap.
FACES = 12


class Coherence(Protocol):
    """What keeps a firm coherent: a record's face (what of it the firm's other records are
    compared with; records of one face are compared once), and why two records are not one
    firm."""

    def face(self, key: str) -> str | None: ...

    def conflict(self, a: str, b: str) -> str | None: ...

    def name_conflict(self, a: str, b: str) -> str | None:
        """`conflict` by what the two records say besides their RFCs."""
        ...

    def bridged(self, a: str, b: str, found: str, members: Sequence[str]) -> bool:
        """Whether one of `members` (the two clusters' faces) explains `found` between `a`
        and `b` away: two typos of one word are two edits apart, and the word is there."""
        ...


class Edge(NamedTuple):
    """A scored pair. A NamedTuple, not a dataclass, so that an Edge *is* a plain
    (a, b, probability) tuple: cluster() takes either without converting."""

    a: str
    b: str
    probability: float


@dataclass(slots=True)
class ClusterResult:
    # record key -> cluster index; every record, singletons too.
    cluster_of: dict[str, int]
    # cluster index -> sorted member keys; clusters ordered by their smallest key.
    members: list[list[str]]
    # (a, b, probability) with a <= b, in processing order: edges that merged two clusters
    # or already lay inside one.
    accepted: list[tuple[str, str, float]]
    # (a, b, probability, reason) with a <= b: edges at/above the threshold that were refused,
    # and `same` judgements refused for joining a `different` pair (probability 1.0).
    refused: list[tuple[str, str, float, str]]


# O/0 and I/1 are the usual swaps (about 9% of SFP RFCs fail the check digit from them).
_SWAPS = str.maketrans({"O": "0", "I": "1"})


def near_rfcs(x: str, y: str) -> bool:
    """True when two RFCs may be typos of one another: one slip apart (`_one_slip`), or two
    edits apart when one of them fails its check digit. The SAT issues every RFC with a valid
    check digit, so one that fails it was mistyped, and mistyped RFCs carry two typos often
    enough (a date digit and the homoclave); two RFCs that both pass it and differ in two
    places are two taxpayers (the 69-B list's shell companies registered on one day)."""
    if _one_slip(x, y):
        return True
    if len(x) != len(y) or OSA.distance(x, y) != 2:
        return False
    checks = (parse(x).check_ok, parse(y).check_ok)
    return None not in checks and False in checks  # both well formed, one mistyped


def _one_slip(x: str, y: str) -> bool:
    """True when two RFCs are one slip apart.

    Equal length and Damerau-Levenshtein distance <= 1 (one substitution or one swap of
    adjacent characters), or equal once O->0 and I->1 are mapped after the letter prefix.
    The mapping covers the homoclave as well as the date: the homoclave is alphanumeric, so
    swaps there keep the RFC well formed and are the ones that survive validation. The
    letter prefix is not mapped: O and I are real letters there.
    """
    # Cheap rejection first, since most calls compare unrelated RFCs: a one-character edit or
    # an adjacent swap at positions i, i+1 leaves x[:5] equal (i >= 5) or x[7:] equal (i <= 5),
    # and the O/0, I/1 mapping keeps the letters x[:3] equal.
    if len(x) != len(y) or (x[:3] != y[:3] and x[7:] != y[7:]):
        return False
    diffs = [i for i, (cx, cy) in enumerate(zip(x, y, strict=True)) if cx != cy]
    if len(diffs) <= 1:
        return True
    if len(diffs) == 2:
        i, j = diffs
        if j == i + 1 and x[i] == y[j] and x[j] == y[i]:
            return True
    if len(x) not in (12, 13):
        return False
    letters = len(x) - 9
    if x[:letters] != y[:letters]:
        return False
    return x[letters:].translate(_SWAPS) == y[letters:].translate(_SWAPS)


# Codes in _Clusters.code: a root's RFC as an index into _Clusters.names, or one of these.
_NO_RFC = -1
_MANY_RFCS = -2  # the codes are in _Clusters.many[root]


class _Clusters:
    """Union-find over record indices, with each root's RFCs and "different" counterparts.

    Most clusters hold no RFC or exactly one, so a flat list of codes answers the common
    case without a set; only clusters with several RFCs (near typos, `same` judgements) keep
    a set in a dict. Counterparts are sparse too: a dict of sets, kept symmetric.
    """

    def __init__(self, size: int, names: list[str], near: Callable[[str, str], bool]) -> None:
        # Machine integers, not lists of int objects: one memory access less per step, which
        # is a tenth of the hot loop at a million records.
        self.parent = array("q", range(size))
        self.size = array("q", [1]) * size
        self.code = [_NO_RFC] * size
        self.many: dict[int, set[int]] = {}
        self.apart: dict[int, set[int]] = {}
        self.names = names
        self.near = near

    def find(self, x: int) -> int:
        # Path halving: the one-pass form of path compression (every node on the path is
        # pointed at its grandparent). The hot loop in cluster() inlines this.
        parent = self.parent
        while (up := parent[x]) != x:
            parent[x] = x = parent[up]
        return x

    def rfcs(self, root: int) -> set[int]:
        code = self.code[root]
        if code == _MANY_RFCS:
            return self.many[root]
        return set() if code == _NO_RFC else {code}

    def rfc_conflict(self, ra: int, rb: int, weak: AbstractSet[int] = frozenset()) -> str | None:
        """The refusal reason when both roots hold RFCs, none shared and none near. When the
        conflict stands without the `weak` codes (suspect records' RFCs), only the others are
        named: the marker of a suspect RFC in a reason says the suspect is why."""
        a, b = self.rfcs(ra), self.rfcs(rb)
        if not self._apart(a, b):
            return None
        if weak and self._apart(strong_a := a - weak, strong_b := b - weak):
            a, b = strong_a, strong_b
        label_a = ", ".join(sorted(self.names[x] for x in a))
        label_b = ", ".join(sorted(self.names[y] for y in b))
        return f"different RFCs: {label_a} vs {label_b}"

    def _apart(self, a: set[int], b: set[int]) -> bool:
        names, near = self.names, self.near
        return (
            bool(a)
            and bool(b)
            and a.isdisjoint(b)
            and not any(near(names[x], names[y]) for x in a for y in b)
        )

    def merge(self, ra: int, rb: int) -> None:
        # Union by size; the loser's RFCs and counterparts move to the winner, smaller set
        # into larger.
        size = self.size
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        size[ra] += size[rb]
        code = self.code
        kept, moved = code[ra], code[rb]
        if moved == _NO_RFC or (moved == kept and kept >= 0):
            pass
        elif kept == _NO_RFC:
            code[ra] = moved
            if moved == _MANY_RFCS:
                self.many[ra] = self.many.pop(rb)
        else:
            union, other = self.rfcs(ra), self.rfcs(rb)
            self.many.pop(ra, None)
            self.many.pop(rb, None)
            if len(other) > len(union):
                union, other = other, union
            union |= other
            self.many[ra] = union
            code[ra] = _MANY_RFCS
        apart = self.apart
        counterparts = apart.pop(rb, None)
        if counterparts is not None:
            for c in counterparts:
                others = apart[c]
                others.discard(rb)
                others.add(ra)
            kept_apart = apart.get(ra)
            if kept_apart is None:
                apart[ra] = counterparts
            else:
                if len(counterparts) > len(kept_apart):
                    counterparts, kept_apart = kept_apart, counterparts
                    apart[ra] = kept_apart
                kept_apart |= counterparts

    def judged_apart(self, ra: int, rb: int) -> bool:
        counterparts = self.apart.get(ra)
        return counterparts is not None and rb in counterparts


def cluster(
    records: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    threshold: float,
    rfcs: Mapping[str, str],
    same: Iterable[tuple[str, str]] = (),
    different: Iterable[tuple[str, str]] = (),
    near: Callable[[str, str], bool] | None = None,
    coherence: Coherence | None = None,
    components: Mapping[str, str] | None = None,
    suspect: Collection[str] = (),
) -> ClusterResult:
    """Cluster `records` by the edges with probability >= threshold.

    `same` pairs are merged first; then edges merge in descending probability (ties by the
    sorted pair of keys, so the input order does not matter) unless the merged cluster would
    hold a `different` pair, or both clusters hold valid RFCs and no RFC of one equals or is
    `near` (default near_rfcs) an RFC of the other. Edges and judgements must name keys in
    `records` (ValueError otherwise); `rfcs` may hold other keys, which are ignored, and
    generic RFCs (XAXX010101000, XEXX010101000) are ignored because they identify nobody.
    A `same` judgement that would join a `different` pair is refused: keeping firms apart is
    the safe side of a contradiction between reviewers.
    With `coherence`, an edge that would join two clusters (one of several records) that no
    shared RFC holds together is refused when a record of one and a record of the other are
    not one firm (`Coherence.conflict`): a chain of name links through records without an RFC
    must not join PROVEEDORA ESPINOSA DE CONSTRUCCION to PROVEEDORA ESPINOSA INDUSTRIAL through
    PROVEEDORA ESPINOSA. Each record must fit the whole firm, not only its neighbour.
    With `components` (record -> its connected component, as Splink's connected components on
    Spark find them, `matching.model.connected_components`), one component at a time: the same
    clusters, accepted and refused edges (in another order); see `_components`.
    `suspect`: records whose RFC in `rfcs` cannot come from their name (another firm's, most
    likely), held by it all the same (`LinkOptions.one_company_rfc`); one judged `same` as a
    record holding that RFC by right, or linked to one at the threshold and one firm with it by
    the names alone (`Coherence.name_conflict`), is not suspect (`_still_suspect`). Such an RFC
    equals no other record's (it is labelled `NOT_FROM_NAME`), so the record joins neither a
    firm with another RFC nor the firm whose RFC it carries; its edges come after all others,
    so that it cannot take its name's records without an RFC away from the firm first; and
    agreeing on it proves nothing, so the coherence still asks of the two clusters.
    """
    # A set once, here: each component below asks it of every key it holds.
    suspect = frozenset(suspect)
    if components is not None:
        alone, parts = _components(records, edges, components, threshold, same, different)
        results = [
            cluster(
                keys,
                part.edges,
                threshold=threshold,
                rfcs={key: rfcs[key] for key in keys if key in rfcs},
                same=part.same,
                different=part.different,
                near=near,
                coherence=coherence,
                suspect=[key for key in keys if key in suspect],
            )
            for keys, part in parts
        ]
        return _joined(alone, results)
    # Negated probability sorts descending; equal probabilities fall back to the keys.
    # `p >= threshold` also drops NaN probabilities.
    work = [(-p, a, b) if a <= b else (-p, b, a) for a, b, p in edges if p >= threshold]
    same, different = list(same), list(different)
    if suspect:
        suspect = _still_suspect(suspect, work, rfcs, coherence, same, different)
    # Sorted keys make index order key order: clusters come out numbered by smallest key
    # with sorted members, without another sort.
    keys = sorted(set(records))
    index = {key: i for i, key in enumerate(keys)}

    def lookup(key: str) -> int:
        try:
            return index[key]
        except KeyError:
            raise ValueError(f"record {key!r} is not in records") from None

    names: list[str] = []
    codes: dict[str, int] = {}
    state = _Clusters(len(keys), names, near_rfcs if near is None else near)
    weak: set[int] = set()  # codes of suspect records' RFCs
    for key, rfc in rfcs.items():
        i = index.get(key)
        if i is not None and rfc and rfc not in GENERIC_RFCS:
            label = rfc + NOT_FROM_NAME if key in suspect else rfc
            known = codes.get(label)
            if known is None:
                known = codes[label] = len(names)
                names.append(label)
                if key in suspect:
                    weak.add(known)
            state.code[i] = known

    for a, b in different:
        x, y = lookup(a), lookup(b)
        if x == y:
            raise ValueError(f"record {a!r} judged different from itself")
        state.apart.setdefault(x, set()).add(y)
        state.apart.setdefault(y, set()).add(x)

    refused: list[tuple[str, str, float, str]] = []
    for a, b in sorted({(a, b) if a <= b else (b, a) for a, b in same}):
        ra, rb = state.find(lookup(a)), state.find(lookup(b))
        if ra == rb:
            continue
        if state.judged_apart(ra, rb):
            refused.append((a, b, 1.0, REASON_SAME_CONFLICT))
        else:
            state.merge(ra, rb)

    if suspect:
        late = [edge for edge in work if edge[1] in suspect or edge[2] in suspect]
        work = [edge for edge in work if edge[1] not in suspect and edge[2] not in suspect]
        work.sort()
        work.extend(sorted(late))
    else:
        work.sort()

    # The hot loop. Memory latency dominates at this size (every step lands on a random
    # record), so it reads flat arrays through local names and inlines find(); the RFC
    # check needs no set unless both clusters hold RFCs and they differ, and none for the
    # common one-RFC-each case.
    accepted: list[tuple[str, str, float]] = []
    parent, code, apart, is_near = state.parent, state.code, state.apart, state.near
    faces: dict[int, list[int]] = {}  # root -> records of distinct faces (several only)
    for negative, a, b in work:
        try:
            ra = index[a]
            rb = index[b]
        except KeyError:
            raise ValueError(f"edge ({a!r}, {b!r}) names a record not in records") from None
        while (up := parent[ra]) != ra:
            parent[ra] = ra = parent[up]
        while (up := parent[rb]) != rb:
            parent[rb] = rb = parent[up]
        if ra == rb:
            accepted.append((a, b, -negative))
            continue
        if apart and state.judged_apart(ra, rb):
            refused.append((a, b, -negative, REASON_JUDGED_DIFFERENT))
            continue
        ca = code[ra]
        rfcs_hold = False  # both clusters hold RFCs, and one of them agrees
        if ca != _NO_RFC:
            cb = code[rb]
            if ca >= 0 and cb >= 0:
                if ca != cb and not is_near(rfc_a := names[ca], rfc_b := names[cb]):
                    reason = f"different RFCs: {rfc_a} vs {rfc_b}"
                    refused.append((a, b, -negative, reason))
                    continue
                rfcs_hold = not weak or (ca not in weak and cb not in weak)
            elif cb != _NO_RFC:
                if (conflict := state.rfc_conflict(ra, rb, weak)) is not None:
                    refused.append((a, b, -negative, conflict))
                    continue
                rfcs_hold = not weak or not (state.rfcs(ra) | state.rfcs(rb)) & weak
        if (
            coherence is not None
            and not rfcs_hold
            and (found := _incoherent(faces, keys, ra, rb, coherence))
        ):
            refused.append((a, b, -negative, f"{INCOHERENT}: {found}"))
            continue
        state.merge(ra, rb)
        accepted.append((a, b, -negative))
        if coherence is not None:
            _merge_faces(faces, keys, ra, rb, state.find(ra), coherence)

    members: list[list[str]] = []
    number = [-1] * len(keys)  # root -> cluster index
    numbers = number[:]  # record index -> cluster index
    for i, key in enumerate(keys):
        root = i
        while (up := parent[root]) != root:
            parent[root] = root = parent[up]
        n = number[root]
        if n < 0:
            n = number[root] = len(members)
            members.append([key])
        else:
            members[n].append(key)
        numbers[i] = n
    return ClusterResult(dict(zip(keys, numbers, strict=True)), members, accepted, refused)


def _still_suspect(
    suspect: frozenset[str],
    work: Sequence[tuple[float, str, str]],
    rfcs: Mapping[str, str],
    coherence: Coherence | None,
    same: Iterable[tuple[str, str]],
    different: Iterable[tuple[str, str]],
) -> frozenset[str]:
    """The suspect records left once those whose RFC is their firm's own are cleared: judged
    `same` as a record carrying that RFC by right (a person said so), or linked at the
    threshold to one, directly or through records of that RFC (a profile's members hang on
    its representative), never across a pair judged `different`, and one firm with it by the
    names alone (EDA under TEDA's RFC, its first letter dropped). The link alone is not
    enough: agreeing on the RFC outweighs other words (URBANIZADORA YUCATECA under URBANIZADORA
    HINOJOSA's RFC) and spares the pair every guard, so the names are asked alone
    (`Coherence.name_conflict`), and of the record holding the RFC by right, not of the
    neighbour: a chain of likenesses drifts. Without a coherence, only judgements clear."""
    cleared: set[str] = set()
    for a, b in same:
        for s, other in ((a, b), (b, a)):
            if s in suspect and other not in suspect and rfcs.get(s) == rfcs.get(other):
                cleared.add(s)
    if coherence is None:
        return suspect - cleared
    apart = {frozenset(pair) for pair in different}
    beside: dict[str, list[str]] = {}  # links among records of one RFC, a suspect on a side
    for _, a, b in work:
        one_rfc = (rfc := rfcs.get(a)) is not None and rfc == rfcs.get(b)
        if one_rfc and (a in suspect or b in suspect) and frozenset((a, b)) not in apart:
            beside.setdefault(a, []).append(b)
            beside.setdefault(b, []).append(a)
    for root in sorted(key for key in beside if key not in suspect):
        pending, seen = [root], {root}
        while pending:
            for other in beside[pending.pop()]:
                if other in seen or other not in suspect:
                    continue
                seen.add(other)
                if other in cleared or coherence.name_conflict(root, other) is None:
                    cleared.add(other)
                    pending.append(other)
    return suspect - cleared


def _incoherent(
    faces: dict[int, list[int]], keys: Sequence[str], ra: int, rb: int, coherence: Coherence
) -> str | None:
    """Why the clusters of roots `ra` and `rb` are not one firm, or None. Two single records
    were judged by their own edge already."""
    left, right = faces.get(ra, [ra]), faces.get(rb, [rb])
    if len(left) == 1 and len(right) == 1:
        return None
    members: list[str] | None = None
    for x in left:
        for y in right:
            if (found := coherence.conflict(keys[x], keys[y])) is not None:
                members = members or [keys[i] for i in (*left, *right)]
                if not coherence.bridged(keys[x], keys[y], found, members):
                    return found
    return None


def _merge_faces(
    faces: dict[int, list[int]],
    keys: Sequence[str],
    ra: int,
    rb: int,
    root: int,
    coherence: Coherence,
) -> None:
    left, right = faces.pop(ra, [ra]), faces.pop(rb, [rb])
    seen = {coherence.face(keys[i]) for i in left}
    merged = list(left)
    for i in right:
        if len(merged) >= FACES:
            break
        face = coherence.face(keys[i])
        if face not in seen:
            seen.add(face)
            merged.append(i)
    faces[root] = merged


def previous_sizes(previous: Mapping[str, str]) -> dict[str, int]:
    """Entity id -> number of records it held."""
    return dict(Counter(previous.values()))


def _new_id(prefix: str, key: str, attempt: int) -> str:
    text = key if attempt == 0 else f"{key}\x00{attempt}"
    return prefix + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def assign_ids(
    members: Sequence[Sequence[str]],
    previous: Mapping[str, str],
    *,
    prefix: str = "tg_",
    reserved: Iterable[str] = (),
) -> list[str]:
    """One entity id per cluster, stable across runs.

    A cluster inherits an old id when it holds a strict majority of that old entity's
    records (counted among the records still present now, so records dropped from the
    sources do not cost a firm its id). Only the old entity's majority counts, not the new
    cluster's: "an entity keeps its id when most of its members stay". A majority of the old
    entity can lie in one cluster only, so an old id never goes to two clusters; when a
    cluster holds the majority of several old entities (a merge) it keeps the one with the
    largest overlap, ties broken by the smaller old id. An entity scattered with no majority
    piece gives its id to nobody: an id promises "the same firm as before".
    Other clusters get prefix + sha1(smallest member key)[:12], re-hashed with a counter
    when taken, so a brand-new cluster's id depends only on its members. `reserved` ids are
    taken already (entities an incremental run does not touch).
    """
    present: dict[str, str] = {}
    for cluster_members in members:
        for key in cluster_members:
            old = previous.get(key)
            if old is not None:
                present[key] = old
    sizes = previous_sizes(present)

    candidates: list[tuple[int, str, int]] = []  # (-overlap, old id, cluster)
    for n, cluster_members in enumerate(members):
        overlaps = Counter(previous[key] for key in cluster_members if key in previous)
        for old, overlap in overlaps.items():
            if 2 * overlap > sizes[old]:
                candidates.append((-overlap, old, n))
    candidates.sort()

    ids: list[str | None] = [None] * len(members)
    taken: set[str] = set(reserved)
    for _, old, n in candidates:
        if ids[n] is None and old not in taken:
            ids[n] = old
            taken.add(old)

    # Numbered in smallest-key order so that collisions resolve the same way every run.
    fresh: list[tuple[str, int]] = []
    for n, cluster_members in enumerate(members):
        if ids[n] is None:
            if not cluster_members:
                raise ValueError(f"cluster {n} has no members")
            fresh.append((min(cluster_members), n))
    fresh.sort()
    for smallest, n in fresh:
        attempt = 0
        while (new := _new_id(prefix, smallest, attempt)) in taken:
            attempt += 1
        ids[n] = new
        taken.add(new)
    return [entity_id for entity_id in ids if entity_id is not None]


@dataclass(slots=True)
class _Part:
    """What one connected component holds of the edges and judgements."""

    edges: list[tuple[str, str, float]] = field(default_factory=list)
    same: list[tuple[str, str]] = field(default_factory=list)
    different: list[tuple[str, str]] = field(default_factory=list)


def _components(
    records: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    component_of: Mapping[str, str],
    threshold: float,
    same: Iterable[tuple[str, str]],
    different: Iterable[tuple[str, str]],
) -> tuple[list[str], list[tuple[list[str], _Part]]]:
    """The records alone in their component, and each other component's records with its part.

    Clustering merges only along edges at or above `threshold` and `same` pairs, and each of
    its decisions reads the two clusters it would join, both inside one component, so
    components never see one another: a `different` pair across components can never be
    asked. Records missing from `component_of` are alone; an edge at or above the threshold
    across components is a ValueError (the components were not found over these edges)."""
    groups: dict[str, list[str]] = {}
    for key in records:
        groups.setdefault(component_of.get(key, "\x00" + key), []).append(key)
    of = {key: c for c, keys in groups.items() for key in keys}

    def component(a: str, b: str) -> str | None:
        try:
            ca, cb = of[a], of[b]
        except KeyError:
            raise ValueError(f"({a!r}, {b!r}) names a record not in records") from None
        return ca if ca == cb else None

    parts: dict[str, _Part] = {}
    for a, b, p in edges:
        if not p >= threshold:
            continue
        c = component(a, b)
        if c is None:
            raise ValueError(f"edge ({a!r}, {b!r}) joins two components")
        parts.setdefault(c, _Part()).edges.append((a, b, p))
    for a, b in same:
        c = component(a, b)
        if c is None:
            raise ValueError(f"judgement ({a!r}, {b!r}) joins two components")
        parts.setdefault(c, _Part()).same.append((a, b))
    for a, b in different:
        if (c := component(a, b)) is not None and c in parts:
            parts[c].different.append((a, b))
    alone = sorted({key for c, keys in groups.items() if c not in parts for key in keys})
    return alone, [(keys, parts[c]) for c, keys in groups.items() if c in parts]


def _joined(alone: list[str], parts: list[ClusterResult]) -> ClusterResult:
    """One result from the components' results, numbered as one pass would number it."""
    members = [[key] for key in alone]
    for part in parts:
        members.extend(part.members)
    members.sort(key=lambda m: m[0])
    cluster_of = {key: n for n, m in enumerate(members) for key in m}
    accepted = [edge for part in parts for edge in part.accepted]
    refused = [edge for part in parts for edge in part.refused]
    return ClusterResult(cluster_of, members, accepted, refused)
