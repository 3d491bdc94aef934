"""Error categories of labelled data, and the pairs that touch them, for bench/accuracy.py.

A category is a set of record keys. The independent generator tags its records with the
categories directly (`bench/independent`); the project generator (`bench/labelled.py`) has
quirks of its own, mapped here to the nearest category, and produces no coined confusers,
abbreviations, two-typo or wrong RFCs (those rows stay empty for it).

Per category, pairwise: the precision of predicted pairs (two records in one entity) that touch
the category (at least one of the two records is in it), and the recall of true pairs (two
records of one firm) that touch it. Pairs are counted per cluster, never enumerated.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING

from bench.independent.firms import CATEGORIES

if TYPE_CHECKING:
    from bench.labelled import Truth

GENERATORS = ("project", "independent")
# Finer tags of the independent generator shown under their category.
DETAILS = {
    "chaining": (),
    "truncation": ("prefix_shared", "prefix_unique"),
    "person_rotation": ("person_single", "person_permuted"),
    "coined": ("coined_confuser", "typo_coined"),
    "legal_form": ("form_sibling", "form_dropped", "form_abbreviated", "form_misspelt"),
    "typo": ("typo_first_word", "typo_generic_word"),
    "abbreviation": ("cut_before_form",),
    "rfc_wrong": ("rfc_wrong_unassigned", "rfc_wrong_other_firm"),
}
# The project generator's quirks nearest each category (its `typo` lands anywhere in a name).
PROJECT_QUIRKS = {
    "truncation": ("truncated",),
    "legal_form": ("no_legal_form", "cut_legal_form"),
    "typo": ("typo",),
    "rfc_missing": ("rfc_hidden", "rfc_generic", "rfc_suppressed"),
}


def categories_of(truth: Truth, generator: str) -> dict[str, set[str]]:
    """Category -> the keys of its records, in report order: each category, then its details
    (`truncation/prefix_shared`). For the project generator, `chaining` holds the records of
    firms named like another but for one word (`near_of`, both sides) and `person_rotation`
    every person's records; it has no details."""
    if generator == "independent":
        tagged: dict[str, set[str]] = {}
        for category in CATEGORIES:
            tagged[category] = set(truth.quirks.get(category, ()))
            for detail in DETAILS.get(category, ()):
                tagged[f"{category}/{detail}"] = set(truth.quirks.get(detail, ()))
        return tagged
    if generator != "project":
        raise ValueError(f"unknown generator {generator!r}: one of {GENERATORS}")
    out: dict[str, set[str]] = {c: set() for c in CATEGORIES}
    for category, quirks in PROJECT_QUIRKS.items():
        for quirk in quirks:
            out[category] |= truth.quirks.get(quirk, set())
    near = {f.near_of for f in truth.firms if f.near_of is not None}
    near |= {i for i, f in enumerate(truth.firms) if f.near_of is not None}
    persons = {i for i, f in enumerate(truth.firms) if f.kind == "person"}
    for key, firm in truth.firm_of.items():
        if firm in near:
            out["chaining"].add(key)
        if firm in persons:
            out["person_rotation"].add(key)
    return out


def _c2(n: int) -> int:
    return n * (n - 1) // 2


def _touching(groups: Iterable[list[int]]) -> int:
    """Pairs inside groups of [members, members outside the category] with at least one member
    inside: all pairs less the pairs of outsiders."""
    return sum(_c2(n) - _c2(outside) for n, outside in groups)


def touching_pairs(
    cluster_of: Mapping[str, Hashable], firm_of: Mapping[str, int], tagged: set[str]
) -> tuple[int, int, int]:
    """(predicted, true, correct) pairs that touch `tagged`, over the records in `firm_of`; a
    record missing from `cluster_of` is a singleton."""
    predicted: dict[Hashable, list[int]] = {}
    true: dict[Hashable, list[int]] = {}
    correct: dict[Hashable, list[int]] = {}
    for key, firm in firm_of.items():
        cluster = cluster_of.get(key, ("single", key))
        outside = key not in tagged
        for table, label in ((predicted, cluster), (true, firm), (correct, (cluster, firm))):
            entry = table.setdefault(label, [0, 0])
            entry[0] += 1
            entry[1] += outside
    return (
        _touching(predicted.values()),
        _touching(true.values()),
        _touching(correct.values()),
    )
