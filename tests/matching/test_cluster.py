from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.cluster import (
    NOT_FROM_NAME,
    REASON_JUDGED_DIFFERENT,
    REASON_SAME_CONFLICT,
    ClusterResult,
    Edge,
    assign_ids,
    cluster,
    near_rfcs,
    previous_sizes,
)

X = "GGA8306134F4"
Y = "INT980525K89"
Z = "CUN970721X31"


def groups(result: ClusterResult) -> set[frozenset[str]]:
    return {frozenset(m) for m in result.members}


def together(result: ClusterResult, a: str, b: str) -> bool:
    return result.cluster_of[a] == result.cluster_of[b]


def sha_id(key: str) -> str:
    return "tg_" + hashlib.sha1(key.encode()).hexdigest()[:12]


# --- chains and RFCs ---


def test_chain_through_a_record_without_rfc_is_cut_between_different_rfcs() -> None:
    result = cluster(
        ["A", "B", "C"],
        [("A", "B", 0.99), ("B", "C", 0.98)],
        threshold=0.5,
        rfcs={"A": X, "C": Y},
    )
    assert groups(result) == {frozenset({"A", "B"}), frozenset({"C"})}
    assert result.accepted == [("A", "B", 0.99)]
    [(a, b, p, reason)] = result.refused
    assert (a, b, p) == ("B", "C", 0.98)
    assert reason == f"different RFCs: {X} vs {Y}"


def test_chain_is_cut_whichever_side_comes_first() -> None:
    result = cluster(
        ["A", "B", "C"],
        [("A", "B", 0.98), ("B", "C", 0.99)],
        threshold=0.5,
        rfcs={"A": X, "C": Y},
    )
    assert groups(result) == {frozenset({"A"}), frozenset({"B", "C"})}
    assert X in result.refused[0][3] and Y in result.refused[0][3]


@pytest.mark.parametrize(
    "typo",
    [
        "GGA83O6134F4",  # O for 0 in the date
        "GGA83061B4F4",  # one substituted character
        "GGA830613F44",  # two adjacent characters swapped
        "GGA8306134FA",  # a mistyped check digit
    ],
)
def test_near_rfcs_do_not_block_a_merge(typo: str) -> None:
    result = cluster(
        ["A", "B", "C"],
        [("A", "B", 0.99), ("B", "C", 0.98)],
        threshold=0.5,
        rfcs={"A": X, "C": typo},
    )
    assert groups(result) == {frozenset({"A", "B", "C"})}
    assert result.refused == []


def test_a_cluster_with_near_rfcs_still_refuses_a_clearly_different_one() -> None:
    result = cluster(
        ["A", "B", "C"],
        [("A", "B", 0.99), ("B", "C", 0.98)],
        threshold=0.5,
        rfcs={"A": X, "B": "GGA83O6134F4", "C": Y},
    )
    assert groups(result) == {frozenset({"A", "B"}), frozenset({"C"})}
    assert result.refused[0][3] == f"different RFCs: {X}, GGA83O6134F4 vs {Y}"


def test_same_rfc_merges_and_generic_rfcs_are_ignored() -> None:
    result = cluster(
        ["A", "B", "C"],
        [("A", "B", 0.9), ("B", "C", 0.9)],
        threshold=0.5,
        rfcs={"A": X, "B": X, "C": "XAXX010101000", "elsewhere": Y},
    )
    assert groups(result) == {frozenset({"A", "B", "C"})}


@pytest.mark.parametrize(
    ("x", "y", "near"),
    [
        (X, X, True),
        (X, "GGA8306134F5", True),
        (X, "GGA83061344F", True),  # adjacent swap
        (X, "GGA83O6I34F4", True),  # two swaps mapped O->0, I->1
        ("ABC0101010O1", "ABC010101001", True),  # swap in the homoclave
        ("ABC0101010OI", "ABC010101001", True),  # two swaps in the homoclave
        (X, Y, False),
        (X, "GGA8306134F", False),  # lengths differ
        # Two edits: near only when one of the two fails its check digit (it was mistyped);
        # two RFCs that both pass it are two taxpayers.
        (X, "GGA8306135G4", True),  # two substitutions, the second RFC fails its check
        (X, "GAG8306134F5", True),  # a swap and a substitution, likewise
        (X, "GGA830613AF8", False),  # two substitutions, both RFCs valid
        (X, "GGA8306135GA", False),  # three edits
        ("OBC010101AB1", "0BC010101AB1", True),  # one substitution, even in the letters
        ("OIC010101AB1", "01C010101AB1", False),  # the letters are not mapped
        ("GODE561231GR8", "G0DE561231GR8", True),
        ("GODE561231GR8", "GODE56I23IGR8", True),
    ],
)
def test_near_rfcs(x: str, y: str, near: bool) -> None:
    assert near_rfcs(x, y) is near
    assert near_rfcs(y, x) is near


# --- human judgements ---


def test_different_judgement_prevents_a_merge_even_through_a_chain() -> None:
    result = cluster(
        ["A", "B", "C", "D"],
        [("A", "B", 0.9), ("C", "D", 0.8), ("B", "C", 0.7)],
        threshold=0.5,
        rfcs={},
        different=[("D", "A")],
    )
    assert groups(result) == {frozenset({"A", "B"}), frozenset({"C", "D"})}
    assert result.refused == [("B", "C", 0.7, REASON_JUDGED_DIFFERENT)]


def test_different_judgements_follow_clusters_as_they_grow() -> None:
    # E joins A's cluster first; the judgement on A must then block F via E's cluster.
    records = ["A", "B", "E", "F", "G"]
    edges = [("A", "E", 0.95), ("F", "G", 0.9), ("B", "F", 0.85), ("E", "G", 0.8)]
    result = cluster(records, edges, threshold=0.5, rfcs={}, different=[("A", "B")])
    assert groups(result) == {frozenset({"A", "E"}), frozenset({"B", "F", "G"})}


def test_same_judgement_merges_across_different_rfcs() -> None:
    result = cluster(
        ["A", "B", "C", "D"],
        [("B", "C", 0.9), ("C", "D", 0.8)],
        threshold=0.5,
        rfcs={"A": X, "B": Y, "C": X, "D": Z},
        same=[("A", "B")],
    )
    assert groups(result) == {frozenset({"A", "B", "C"}), frozenset({"D"})}
    assert result.refused == [("C", "D", 0.8, f"different RFCs: {X}, {Y} vs {Z}")]


def test_same_judgement_contradicting_a_different_one_is_refused() -> None:
    result = cluster(
        ["A", "B", "C"],
        [],
        threshold=0.5,
        rfcs={},
        same=[("A", "B"), ("C", "B")],
        different=[("A", "C")],
    )
    assert groups(result) == {frozenset({"A", "B"}), frozenset({"C"})}
    assert result.refused == [("B", "C", 1.0, REASON_SAME_CONFLICT)]


def test_bad_keys_are_errors() -> None:
    with pytest.raises(ValueError, match="not in records"):
        cluster(["A"], [("A", "B", 0.9)], threshold=0.5, rfcs={})
    with pytest.raises(ValueError, match="not in records"):
        cluster(["A"], [], threshold=0.5, rfcs={}, same=[("A", "B")])
    with pytest.raises(ValueError, match="itself"):
        cluster(["A"], [], threshold=0.5, rfcs={}, different=[("A", "A")])


# --- threshold, order, shape ---


def test_threshold_is_inclusive_and_lower_edges_are_ignored() -> None:
    result = cluster(
        ["A", "B", "C", "D"],
        [("A", "B", 0.8), ("C", "D", 0.7999), ("A", "D", float("nan"))],
        threshold=0.8,
        rfcs={},
    )
    assert groups(result) == {frozenset({"A", "B"}), frozenset({"C"}), frozenset({"D"})}
    assert result.accepted == [("A", "B", 0.8)]
    assert result.refused == []


def test_every_record_is_in_one_cluster_and_edges_inside_are_accepted() -> None:
    result = cluster(
        ["D", "C", "B", "A", "A"],
        [Edge("A", "B", 0.9), Edge("B", "C", 0.8), Edge("C", "A", 0.7), ("B", "B", 0.9)],
        threshold=0.5,
        rfcs={},
    )
    assert result.members == [["A", "B", "C"], ["D"]]
    assert result.cluster_of == {"A": 0, "B": 0, "C": 0, "D": 1}
    assert result.accepted == [("A", "B", 0.9), ("B", "B", 0.9), ("B", "C", 0.8), ("A", "C", 0.7)]


def test_ties_are_broken_by_keys_whatever_the_input_order() -> None:
    # Equal probabilities: (A, B) sorts before (B, C), so A and B merge and C is refused.
    records = ["A", "B", "C"]
    rfcs = {"A": X, "C": Y}
    for edges in ([("A", "B", 0.9), ("B", "C", 0.9)], [("C", "B", 0.9), ("B", "A", 0.9)]):
        result = cluster(records, edges, threshold=0.5, rfcs=rfcs)
        assert groups(result) == {frozenset({"A", "B"}), frozenset({"C"})}
        assert result.refused[0][:2] == ("B", "C")


def test_shuffled_edges_give_identical_clusters_and_ids() -> None:
    rng = random.Random(7)
    records = [f"r{i:03d}" for i in range(200)]
    rfcs = {key: rng.choice([X, Y, Z, "GGA83O6134F4"]) for key in rng.sample(records, 60)}
    edges = [
        (rng.choice(records), rng.choice(records), rng.choice([0.6, 0.7, 0.8, 0.9]))
        for _ in range(400)
    ]
    different = [(rng.choice(records), rng.choice(records)) for _ in range(20)]
    different = [(a, b) for a, b in different if a != b]
    first = cluster(records, edges, threshold=0.65, rfcs=rfcs, different=different)
    for _ in range(5):
        shuffled = [(b, a, p) if rng.random() < 0.5 else (a, b, p) for a, b, p in edges]
        rng.shuffle(shuffled)
        again = cluster(
            list(reversed(records)), shuffled, threshold=0.65, rfcs=rfcs, different=different
        )
        assert again == first
        assert assign_ids(again.members, {}) == assign_ids(first.members, {})


# --- stable ids ---


def previous_of(members: Sequence[Sequence[str]], ids: Sequence[str]) -> dict[str, str]:
    return {key: entity for group, entity in zip(members, ids, strict=True) for key in group}


def keys(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(n)]


def test_identical_input_gives_identical_ids() -> None:
    members = [keys("a", 3), keys("b", 1), keys("c", 5)]
    first = assign_ids(members, {})
    assert len(set(first)) == 3
    assert assign_ids(members, {}) == first
    assert assign_ids(members, previous_of(members, first)) == first


def test_adding_a_record_keeps_the_id() -> None:
    members = [keys("a", 3), keys("b", 2)]
    ids = assign_ids(members, {})
    grown = [[*keys("a", 3), "new"], keys("b", 2)]
    assert assign_ids(grown, previous_of(members, ids)) == ids


def test_a_split_keeps_the_id_on_the_majority() -> None:
    previous = dict.fromkeys(keys("a", 10), "tg_old")
    seven, three = keys("a", 10)[:7], keys("a", 10)[7:]
    assert assign_ids([three, seven], previous) == [sha_id("a07"), "tg_old"]


def test_a_split_whose_minority_would_hash_to_the_kept_id_gets_another() -> None:
    # The 10-member entity was new once, so its id is the hash of its smallest key a00. a00
    # now sits in the 3-member piece, whose fresh id would collide: it is re-hashed.
    members = [keys("a", 10)]
    [old] = assign_ids(members, {})
    assert old == sha_id("a00")
    three, seven = keys("a", 10)[:3], keys("a", 10)[3:]
    ids = assign_ids([three, seven], previous_of(members, [old]))
    assert ids[1] == old
    assert ids[0] != old and ids[0].startswith("tg_") and len(ids[0]) == len(old)
    assert assign_ids([three, seven], previous_of(members, [old])) == ids


def test_a_merge_keeps_the_larger_entitys_id() -> None:
    members = [keys("a", 4), keys("b", 6)]
    small, large = assign_ids(members, {})
    [merged] = assign_ids([keys("a", 4) + keys("b", 6)], previous_of(members, [small, large]))
    assert merged == large


def test_an_even_merge_is_decided_by_the_old_ids_not_the_input_order() -> None:
    previous = {**dict.fromkeys(keys("a", 3), "tg_b"), **dict.fromkeys(keys("b", 3), "tg_a")}
    assert assign_ids([keys("a", 3) + keys("b", 3)], previous) == ["tg_a"]
    assert assign_ids([keys("b", 3) + keys("a", 3)], previous) == ["tg_a"]


def test_a_scattered_entity_gives_its_id_to_nobody() -> None:
    previous = dict.fromkeys(keys("a", 10), "tg_old")
    parts = [keys("a", 10)[:4], keys("a", 10)[4:7], keys("a", 10)[7:]]
    ids = assign_ids(parts, previous)
    assert "tg_old" not in ids
    assert ids == [sha_id("a00"), sha_id("a04"), sha_id("a07")]


def test_records_dropped_from_the_sources_do_not_cost_the_id() -> None:
    previous = dict.fromkeys(keys("a", 10), "tg_old")
    assert assign_ids([keys("a", 10)[:4]], previous) == ["tg_old"]
    assert previous_sizes(previous) == {"tg_old": 10}


def test_a_new_clusters_id_depends_only_on_its_members() -> None:
    new = ["n2", "n1", "n3"]
    alone = assign_ids([new], {})
    crowded = assign_ids([keys("a", 3), new, keys("b", 2)], dict.fromkeys(keys("a", 3), "tg_other"))
    assert alone == [sha_id("n1")] == [crowded[1]]
    assert assign_ids([new], {}, prefix="x_")[0] == "x_" + sha_id("n1")[3:]


def test_an_empty_cluster_is_an_error() -> None:
    with pytest.raises(ValueError, match="no members"):
        assign_ids([[]], {})


def test_cluster_then_ids_across_two_runs() -> None:
    records = ["A", "B", "C", "D"]
    run1 = cluster(records, [("A", "B", 0.9), ("C", "D", 0.9)], threshold=0.5, rfcs={})
    ids1 = assign_ids(run1.members, {})
    # New data: E joins A's firm.
    run2 = cluster(
        [*records, "E"],
        [("A", "B", 0.9), ("C", "D", 0.9), ("E", "B", 0.95)],
        threshold=0.5,
        rfcs={},
    )
    ids2 = assign_ids(run2.members, previous_of(run1.members, ids1))
    assert ids2 == ids1


# --- properties ---

RFC_POOL = [X, "GGA83O6134F4", "GGA8306134F5", Y, "INT980525K8A", Z, "GODE561231GR8"]


Pairs = list[tuple[str, str]]
Problem = tuple[list[str], list[tuple[str, str, float]], dict[str, str], Pairs, Pairs]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 12))
    records = [f"r{i:02d}" for i in range(n)]
    record = st.sampled_from(records)
    rfcs = draw(st.dictionaries(record, st.sampled_from(RFC_POOL), max_size=n))
    edges = draw(
        st.lists(st.tuples(record, record, st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0])), max_size=30)
    )
    same = draw(st.lists(st.tuples(record, record), max_size=3))
    different = draw(st.lists(st.tuples(record, record).filter(lambda p: p[0] != p[1]), max_size=4))
    return records, edges, rfcs, same, different


def linked(rfcs_a: set[str], rfcs_b: set[str], near: Callable[[str, str], bool]) -> bool:
    return any(x == y or near(x, y) for x in rfcs_a for y in rfcs_b)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_properties(
    problem: Problem,
) -> None:
    records, edges, rfcs, same, different = problem
    result = cluster(records, edges, threshold=0.5, rfcs=rfcs, same=same, different=different)

    # Every record in exactly one cluster, members sorted, clusters numbered by smallest key.
    flat = [key for group in result.members for key in group]
    assert sorted(flat) == sorted(set(records))
    assert all(group == sorted(group) for group in result.members)
    assert [group[0] for group in result.members] == sorted(group[0] for group in result.members)
    assert all(result.cluster_of[k] == n for n, g in enumerate(result.members) for k in g)

    # No pair judged different ends up together.
    assert not any(together(result, a, b) for a, b in different)

    # RFCs in one cluster are linked (equal or near) unless a `same` judgement joined them:
    # the parts of a cluster joined by `same` judgements, taken as units, must form one
    # connected graph under "some RFC equal or near" among the units that hold RFCs.
    for group in result.members:
        unit = {key: key for key in group}

        def root(key: str, unit: dict[str, str] = unit) -> str:
            while unit[key] != key:
                key = unit[key]
            return key

        for a, b in same:
            if a in unit and b in unit:
                unit[root(a)] = root(b)
        units: dict[str, set[str]] = {}
        for key in group:
            if key in rfcs:
                units.setdefault(root(key), set()).add(rfcs[key])
        sets = list(units.values())
        reached = [0] if sets else []
        for i in reached:
            for j in range(len(sets)):
                if j not in reached and linked(sets[i], sets[j], near_rfcs):
                    reached.append(j)
        assert len(reached) == len(sets)

    # Each edge at/above the threshold is accepted or refused once; accepted ones lie inside.
    kept = sorted((min(a, b), max(a, b), p) for a, b, p in edges if p >= 0.5)
    assert (
        sorted([*result.accepted, *(r[:3] for r in result.refused if r[3] != REASON_SAME_CONFLICT)])
        == kept
    )
    assert all(together(result, a, b) for a, b, _ in result.accepted)

    # Input order does not matter.
    again = cluster(
        list(reversed(records)),
        [(b, a, p) for a, b, p in reversed(edges)],
        threshold=0.5,
        rfcs=rfcs,
        same=[(b, a) for a, b in reversed(same)],
        different=list(reversed(different)),
    )
    assert again == result


@settings(max_examples=200, deadline=None)
@given(problems())
def test_without_near_or_same_a_cluster_holds_at_most_one_rfc(
    problem: Problem,
) -> None:
    records, edges, rfcs, _, different = problem
    result = cluster(
        records, edges, threshold=0.5, rfcs=rfcs, different=different, near=lambda x, y: False
    )
    for group in result.members:
        assert len({rfcs[key] for key in group if key in rfcs}) <= 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(keys("k", 15)), min_size=1), max_size=6),
    st.dictionaries(st.sampled_from(keys("k", 15)), st.sampled_from(["tg_a", "tg_b", "tg_c"])),
)
def test_ids_are_unique_and_rerunning_keeps_them(
    raw: list[list[str]], previous: dict[str, str]
) -> None:
    # Disjoint clusters: each key kept in the first cluster that names it.
    seen: set[str] = set()
    members = []
    for drawn in raw:
        group = sorted(set(drawn) - seen)
        seen.update(group)
        if group:
            members.append(group)
    ids = assign_ids(members, previous)
    assert len(set(ids)) == len(ids) == len(members)
    assert assign_ids(members, previous_of(members, ids)) == ids
    assert assign_ids(list(reversed(members)), previous) == list(reversed(ids))


def components(records: Sequence[str], pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Connected components as Splink finds them (record -> smallest key of its component)."""
    parent = {key: key for key in records}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {key: root(key) for key in records}


# --- records held by an RFC that cannot come from their name (one_company_rfc) ---


def test_a_suspect_record_joins_neither_its_names_firm_nor_its_rfcs_firm() -> None:
    """k0 is the firm's name filed under another firm's RFC (Y, k4's); k1 the firm (X); k2 and
    k3 its name without an RFC, linked as strongly to k0 as to k1; k5 a record of k4's firm
    without an RFC that k0 is linked to (k0 and k4 themselves only in the review band: the
    guards hold one RFC on unrelated names). Held by its RFC plainly, k0 takes k2 and k3 (its
    key sorts first) and then k4's firm; suspect, it waits alone, and the firm keeps its
    records."""
    records = ["k0", "k1", "k2", "k3", "k4", "k5"]
    edges = [
        ("k0", "k2", 0.99), ("k0", "k3", 0.99), ("k1", "k2", 0.99), ("k1", "k3", 0.99),
        ("k0", "k1", 0.99), ("k4", "k5", 0.99), ("k0", "k5", 0.95), ("k0", "k4", 0.75),
    ]  # fmt: skip
    rfcs = {"k0": Y, "k1": X, "k4": Y}
    plain = cluster(records, edges, threshold=0.9, rfcs=rfcs)
    assert groups(plain) == {frozenset({"k0", "k2", "k3", "k4", "k5"}), frozenset({"k1"})}
    held = cluster(records, edges, threshold=0.9, rfcs=rfcs, suspect=["k0"])
    assert groups(held) == {
        frozenset({"k1", "k2", "k3"}),
        frozenset({"k0"}),
        frozenset({"k4", "k5"}),
    }
    reasons = {(a, b): reason for a, b, _, reason in held.refused}
    assert reasons[("k0", "k5")] == f"different RFCs: {Y}{NOT_FROM_NAME} vs {Y}"
    assert reasons[("k0", "k2")].startswith("different RFCs: ")


def test_a_suspect_linked_to_a_record_holding_its_rfc_by_right_is_of_that_firm() -> None:
    """t0 is TEDA's name with its first letter dropped (EDA) under TEDA's RFC (X), which its
    letters then miss; linked at the threshold to t1, TEDA under X by right, and one firm with
    it by the coherence, X is its firm's own, and so for t3, EDA again, linked only to t0. t4
    carries X under a name linked to the firm's records only in the review band (t4-t1) or
    through one without an RFC (t4-t2): it stays suspect, alone. u5 carries X under a name
    linked to t1 at the threshold (the RFC outweighs the name) but not one firm with it: it
    stays suspect too."""
    records = ["t0", "t1", "t2", "t3", "t4", "u5"]
    edges = [
        ("t0", "t1", 0.99), ("t1", "t2", 0.99), ("t0", "t3", 0.99), ("t4", "t1", 0.75),
        ("t4", "t2", 0.95), ("u5", "t1", 0.95),
    ]  # fmt: skip
    rfcs = {"t0": X, "t1": X, "t3": X, "t4": X, "u5": X}
    coherence = FirstLetterCoherence()
    suspect = ["t0", "t3", "t4", "u5"]
    result = cluster(records, edges, threshold=0.9, rfcs=rfcs, suspect=suspect, coherence=coherence)
    assert groups(result) == {
        frozenset({"t0", "t1", "t2", "t3"}),
        frozenset({"t4"}),
        frozenset({"u5"}),
    }
    # Without a coherence to tell one firm, nobody is cleared: the firm keeps t1 and t2.
    bare = cluster(records, edges, threshold=0.9, rfcs=rfcs, suspect=suspect)
    assert groups(bare) == {
        frozenset({"t0", "t3"}),
        frozenset({"t1", "t2"}),
        frozenset({"t4"}),
        frozenset({"u5"}),
    }
    # No record holds X by right: none is cleared, and records under one suspect RFC still
    # join one another by their links (t4 by t2, u5 by t1).
    none = cluster(records, edges, threshold=0.9, rfcs=rfcs, suspect=[*suspect, "t1"])
    assert groups(none) == {frozenset(records)}


class FirstLetterCoherence:
    """A toy firm rule: records whose keys start with other letters are not one firm."""

    def face(self, key: str) -> str | None:
        return key

    def conflict(self, a: str, b: str) -> str | None:
        return "other letter" if a[0] != b[0] else None

    def name_conflict(self, a: str, b: str) -> str | None:
        return self.conflict(a, b)

    def bridged(self, a: str, b: str, found: str, members: Sequence[str]) -> bool:
        return False


def test_agreeing_on_a_suspect_rfc_proves_nothing() -> None:
    """A buyer files one wrong RFC on two firms' records (a1, b1): agreeing on it must not spare
    the merge of the two firms the coherence test, as an RFC both carry by right does."""
    records = ["a1", "a2", "b1", "b2"]
    edges = [("a1", "a2", 0.99), ("b1", "b2", 0.99), ("a1", "b1", 0.95)]
    rfcs = {"a1": Y, "b1": Y}
    coherence = FirstLetterCoherence()
    plain = cluster(records, edges, threshold=0.9, rfcs=rfcs, coherence=coherence)
    assert groups(plain) == {frozenset(records)}
    held = cluster(
        records, edges, threshold=0.9, rfcs=rfcs, coherence=coherence, suspect=["a1", "b1"]
    )
    assert groups(held) == {frozenset({"a1", "a2"}), frozenset({"b1", "b2"})}


class ParityCoherence:
    """A toy firm rule: records whose numbers differ in parity are not one firm."""

    def face(self, key: str) -> str | None:
        return key[-1]

    def conflict(self, a: str, b: str) -> str | None:
        return "other parity" if int(a[-1]) % 2 != int(b[-1]) % 2 else None

    def name_conflict(self, a: str, b: str) -> str | None:
        return self.conflict(a, b)

    def bridged(self, a: str, b: str, found: str, members: Sequence[str]) -> bool:
        return False


@settings(max_examples=300, deadline=None)
@given(problems(), st.booleans(), st.booleans())
def test_clustering_one_component_at_a_time_is_clustering_all_at_once(
    problem: Problem, with_coherence: bool, with_suspect: bool
) -> None:
    """The Spark path clusters each connected component apart (issue 15): same clusters, same
    accepted and refused edges as one pass over everything, with judgements and RFCs, and
    records held by an RFC not from their name."""
    records, edges, rfcs, same, different = problem
    coherence = ParityCoherence() if with_coherence else None
    clustered = partial(
        cluster,
        records,
        edges,
        threshold=0.5,
        rfcs=rfcs,
        same=same,
        different=different,
        coherence=coherence,
        suspect=sorted(rfcs)[::2] if with_suspect else (),
    )
    whole = clustered()
    joined = [(a, b) for a, b, p in edges if p >= 0.5] + list(same)
    parts = clustered(components=components(records, joined))
    assert parts.members == whole.members
    assert parts.cluster_of == whole.cluster_of
    assert sorted(parts.accepted) == sorted(whole.accepted)
    assert sorted(parts.refused) == sorted(whole.refused)


def test_components_that_do_not_cover_the_edges_are_an_error() -> None:
    with pytest.raises(ValueError, match="joins two components"):
        cluster(
            ["A", "B"],
            [("A", "B", 0.9)],
            threshold=0.5,
            rfcs={},
            components={"A": "A", "B": "B"},
        )


class PairCoherence:
    """A toy firm rule: the listed pairs are not one firm, by their names or at all."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = {frozenset(pair) for pair in pairs}

    def face(self, key: str) -> str | None:
        return key

    def conflict(self, a: str, b: str) -> str | None:
        return "listed" if frozenset((a, b)) in self.pairs else None

    def name_conflict(self, a: str, b: str) -> str | None:
        return self.conflict(a, b)

    def bridged(self, a: str, b: str, found: str, members: Sequence[str]) -> bool:
        return False


def test_a_suspect_is_cleared_by_judgements_and_by_its_rfcs_holder_not_by_a_neighbour() -> None:
    """h holds X by right. s1 is linked to it and one firm with it: cleared. s2 is linked only
    to s1, one firm with s1 but not with h: a chain of likenesses drifts, so s2 stays suspect.
    s3 is linked to h but a person judged them different: it stays suspect. s4 has no link to
    h at all, but a person judged it the same: cleared, even without a coherence."""
    records = ["h", "s1", "s2", "s3", "s4"]
    edges = [("h", "s1", 0.99), ("s1", "s2", 0.99), ("h", "s3", 0.99)]
    rfcs = dict.fromkeys(records, X)
    suspect = ["s1", "s2", "s3", "s4"]
    judged = {"same": [("s4", "h")], "different": [("s3", "h")]}
    result = cluster(
        records, edges, threshold=0.9, rfcs=rfcs, suspect=suspect,
        coherence=PairCoherence(("h", "s2")), **judged,
    )  # fmt: skip
    assert groups(result) == {frozenset({"h", "s1", "s4"}), frozenset({"s2"}), frozenset({"s3"})}
    bare = cluster(records, edges, threshold=0.9, rfcs=rfcs, suspect=suspect, **judged)
    assert frozenset({"h", "s4"}) in groups(bare)


def test_a_conflict_that_stands_without_a_suspect_rfc_does_not_name_it() -> None:
    """A person judged s, filed under Y by mistake, the same as the firm holding X; a record
    under Z then meets that firm. The refusal stands on X against Z alone: the suspect's
    marker, which the alert scan reads as "waiting for a person", must not be in it."""
    records = ["x", "s", "z"]
    result = cluster(
        records,
        [("x", "z", 0.95)],
        threshold=0.9,
        rfcs={"x": X, "s": Y, "z": Z},
        suspect=["s"],
        same=[("x", "s")],
    )
    ((_, _, _, reason),) = result.refused
    assert reason == f"different RFCs: {X} vs {Z}"
    # Without the judgement s stands alone, and a refusal against it names its marker.
    alone = cluster(
        records, [("s", "z", 0.95)], threshold=0.9, rfcs={"s": Y, "z": Z}, suspect=["s"]
    )
    ((_, _, _, why),) = alone.refused
    assert NOT_FROM_NAME in why
