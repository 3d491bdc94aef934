"""Is each entity a coherent firm? Checks on the link output that need no pair counting.

* **Conflicting RFCs**: entities whose records carry two different valid RFCs (check digit
  right) that are not typos of one another (`matching.cluster.near_rfcs`: one edit, an adjacent
  swap, O/0 and I/1). A firm has one RFC; two mean two firms were joined, or that a record
  carrying a wrong RFC (another firm's, or nobody's) was joined to its own firm by its name:
  the truth tells which (`conflicting_impure`: records of several firms).
* **Held only by review-band links**: an entity whose records are not connected by `linked`
  links (at or above the auto threshold) and by identical features (one profile), but are once
  `review` links are added. Each record must be linked strongly to its firm, not just through
  a weak neighbour.
* **Chains**: how far apart (in `linked` links, a profile counted as one node) the two most
  distant records of an entity are. 1: every record is linked to every other; 3 or more: some
  records are joined only through others, where chaining joins firms. Impure entities (records
  of two or more firms, by the truth) are counted per distance.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.cluster import near_rfcs
from matching.rfc import parse

MAX_NODES_FOR_HOPS = 400  # larger entities are counted as "large", not walked
SAMPLES = 5


@dataclass(slots=True)
class EntityChecks:
    entities: int = 0
    multi_record: int = 0
    conflicting_rfcs: int = 0
    conflicting_company_rfcs: int = 0
    conflicting_impure: int = 0  # of `conflicting_rfcs`, entities holding records of several firms
    conflicting_company_impure: int = 0
    conflict_samples: list[list[str]] = field(default_factory=list)
    not_held_by_auto_links: int = 0
    held_only_by_review_links: int = 0
    hops: Counter[str] = field(default_factory=Counter)
    impure_by_hops: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entities": self.entities,
            "entities_of_two_or_more_records": self.multi_record,
            "with_two_valid_rfcs_not_typos": self.conflicting_rfcs,
            "with_two_valid_company_rfcs_not_typos": self.conflicting_company_rfcs,
            "with_two_valid_rfcs_not_typos_impure": self.conflicting_impure,
            "with_two_valid_company_rfcs_not_typos_impure": self.conflicting_company_impure,
            "conflict_samples": self.conflict_samples,
            "not_connected_by_auto_links": self.not_held_by_auto_links,
            "held_only_by_review_links": self.held_only_by_review_links,
            "max_hops": dict(sorted(self.hops.items())),
            "impure_by_max_hops": dict(sorted(self.impure_by_hops.items())),
        }


def _valid(rfc: str | None) -> str | None:
    if not rfc:
        return None
    parsed = parse(rfc)
    return parsed.value if parsed.check_ok else None


def conflicting(rfcs: Iterable[str]) -> bool:
    """Two of these valid RFCs are not typos of one another."""
    values = sorted(set(rfcs))
    return any(not near_rfcs(a, b) for i, a in enumerate(values) for b in values[i + 1 :])


class _Components:
    def __init__(self, nodes: Iterable[str]) -> None:
        self.parent = {n: n for n in nodes}

    def find(self, node: str) -> str:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def count(self) -> int:
        return len({self.find(n) for n in self.parent})


def _max_hops(nodes: list[str], adjacent: Mapping[str, list[str]]) -> int:
    """The longest shortest path between two nodes (the graph is connected)."""
    longest = 0
    for start in nodes:
        seen = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in adjacent.get(node, ()):
                if nxt not in seen:
                    seen[nxt] = seen[node] + 1
                    queue.append(nxt)
        longest = max(longest, *seen.values())
    return longest


def check_entities(
    entity_of: Mapping[str, str],
    rfc_of: Mapping[str, str | None],
    links: Iterable[tuple[str, str, str]],
    profile_of: Mapping[str, str],
    firm_of: Mapping[str, int],
) -> EntityChecks:
    """`links`: (record a, record b, status) of stored links inside one entity; `profile_of`:
    record -> its profile's representative (records absent are their own)."""
    members: dict[str, list[str]] = defaultdict(list)
    for key, entity in entity_of.items():
        members[entity].append(key)
    by_entity: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for a, b, status in links:
        if entity_of.get(a) is not None and entity_of.get(a) == entity_of.get(b):
            by_entity[entity_of[a]].append((a, b, status))

    out = EntityChecks(entities=len(members))
    for entity, keys in members.items():
        if len(keys) < 2:
            continue
        out.multi_record += 1
        valid = {v for k in keys if (v := _valid(rfc_of.get(k)))}
        impure = len({firm_of[k] for k in keys if k in firm_of}) > 1
        if len(valid) > 1 and conflicting(valid):
            out.conflicting_rfcs += 1
            out.conflicting_impure += impure
            if conflicting(v for v in valid if len(v) == 12):
                out.conflicting_company_rfcs += 1
                out.conflicting_company_impure += impure
            if len(out.conflict_samples) < SAMPLES:
                out.conflict_samples.append(sorted(valid))

        nodes = sorted({profile_of.get(k, k) for k in keys})
        strong = _Components(nodes)
        adjacent: dict[str, list[str]] = defaultdict(list)
        weak: list[tuple[str, str]] = []
        for a, b, status in by_entity.get(entity, ()):
            pa, pb = profile_of.get(a, a), profile_of.get(b, b)
            if pa == pb:
                continue
            if status == "linked":
                strong.union(pa, pb)
                adjacent[pa].append(pb)
                adjacent[pb].append(pa)
            elif status == "review":
                weak.append((pa, pb))
        if strong.count() > 1:
            out.not_held_by_auto_links += 1
            for pa, pb in weak:
                strong.union(pa, pb)
            if strong.count() == 1:
                out.held_only_by_review_links += 1
            bucket = "not connected"
        elif len(nodes) == 1:
            bucket = "0 (one profile)"
        elif len(nodes) > MAX_NODES_FOR_HOPS:
            bucket = f"large (> {MAX_NODES_FOR_HOPS} profiles)"
        else:
            hops = _max_hops(nodes, adjacent)
            bucket = str(hops) if hops < 3 else "3+"
        out.hops[bucket] += 1
        if impure:
            out.impure_by_hops[bucket] += 1
    return out
