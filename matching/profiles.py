"""Records with identical features collapse into one profile before scoring.

OCDS names the same supplier in every process it wins: thousands of identical party records.
Scoring them pairwise would waste the comparison budget and flood blocks; identical features
are one firm by construction (within a source when there is no RFC to say so across sources).
Records a person has judged stay alone, so their judgement can bite."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from matching.features import COLUMNS

_CORPUS_LEVEL = {
    "unique_id",
    "name_rare",
    "name_rare2",
    "name_rare_head",
    "name_rare_tail",
    "tf_name",
    "tf_name_core",
}
_KEY_COLUMNS = tuple(c for c in COLUMNS if c not in _CORPUS_LEVEL and c != "source")


@dataclass(slots=True)
class Profile:
    representative: int  # index of the member whose features stand for the profile
    members: list[int]


def features_hash(row: dict[str, Any]) -> str:
    data = [row[c] for c in COLUMNS if c not in _CORPUS_LEVEL]
    return hashlib.md5(json.dumps(data).encode(), usedforsecurity=False).hexdigest()


def bucket_key(row: dict[str, Any]) -> tuple[Any, ...] | None:
    """What records must share to be one profile; None for a record that stays alone for lack
    of a name and an RFC. Without an RFC, identical names are one firm only within a source."""
    if not row["name"] and not row["rfc"]:
        return None
    scope = None if row["rfc"] else row["source"]
    return (scope, *(row[c] for c in _KEY_COLUMNS))


def bucket_digest(key: tuple[Any, ...]) -> str:
    """`bucket_key` as a short stable string, to find a profile by it in a stored table."""
    return hashlib.md5(json.dumps(key).encode(), usedforsecurity=False).hexdigest()


def group(
    keys: Sequence[str], rows: Sequence[dict[str, Any]], *, alone: Collection[str] = ()
) -> list[Profile]:
    """Profiles in a deterministic order; the representative is the member with the smallest key."""
    buckets: dict[tuple[Any, ...], list[int]] = {}
    singles: list[list[int]] = []
    for index, row in enumerate(rows):
        key = bucket_key(row)
        if key is None or keys[index] in alone:
            singles.append([index])
            continue
        buckets.setdefault(key, []).append(index)
    profiles = []
    for members in [*buckets.values(), *singles]:
        members.sort(key=keys.__getitem__)
        profiles.append(Profile(members[0], members))
    profiles.sort(key=lambda p: keys[p.representative])
    return profiles
