"""Content hashes: a fingerprint of what a stored record says (not where it came from), so an
ingest can tell a changed record from a re-read one without comparing columns."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table

PROVENANCE = frozenset({"run_id", "source_file", "position", "content_hash"})
# Key of a registry row (from `ingest.convert`) naming the columns its source does not publish:
# table columns, or "details.<key>[.<key>...]" for a part of a JSON column. Never stored.
ABSENT = "_absent"
_NOT_CONTENT = PROVENANCE | {ABSENT}


# Per dict shape (its keys in order, which of them hold JSON, which are left out): the content
# keys in a fixed (sorted) order, a getter for their values, the positions of the JSON ones, and
# the names' repr, which goes into the hash so that a renamed field counts.
_Shape = tuple[Callable[[dict[str, Any]], Any], tuple[int, ...], bytes]
_SHAPES: dict[tuple[tuple[str, ...], frozenset[str], frozenset[str]], _Shape] = {}
NOTHING: frozenset[str] = frozenset()


def _shape(keys: tuple[str, ...], json_keys: frozenset[str], skip: frozenset[str]) -> _Shape:
    found = _SHAPES.get((keys, json_keys, skip))
    if found is None:
        names = tuple(sorted(k for k in keys if k not in _NOT_CONTENT and k not in skip))
        getter: Callable[[dict[str, Any]], Any] = (
            itemgetter(*names) if len(names) > 1 else (lambda d: tuple(d[k] for k in names))
        )
        nested = tuple(i for i, name in enumerate(names) if name in json_keys)
        if len(_SHAPES) > 256:  # shapes are a handful per table; never let this grow
            _SHAPES.clear()
        found = _SHAPES[(keys, json_keys, skip)] = (getter, nested, repr(names).encode())
    return found


def content_hash(
    values: dict[str, Any],
    json_keys: frozenset[str] = NOTHING,
    skip: frozenset[str] = NOTHING,
) -> str:
    """A fingerprint of what a record says (not where it came from), to spot real changes.

    md5 of the repr of the content values in sorted-key order: deterministic across processes
    (no `hash()`, whose strings are salted per process) and several times cheaper than JSON.
    The values of `json_keys` (JSON columns, whose objects come in the publisher's key order)
    are hashed as sorted-key JSON, so that reordered keys are not a change. `skip` names keys
    that are not content either (an OCDS row's release date: see `app.store.releases`)."""
    getter, nested, names = _shape(tuple(values), json_keys, skip)
    content = getter(values)
    if nested:
        content = list(content)
        for i in nested:
            content[i] = json.dumps(content[i], sort_keys=True, default=str)
    digest = hashlib.md5(names, usedforsecurity=False)
    digest.update(repr(content).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


def json_keys(table: Table) -> frozenset[str]:
    """The keys of `table`'s JSON columns (for `content_hash`)."""
    return frozenset(c.key for c in table.columns if isinstance(c.type, JSON))


def legacy_content_hash(values: dict[str, Any]) -> str:
    """The fingerprint earlier versions stored (sorted-key JSON). Only consulted when a stored
    hash differs from `content_hash`, so that a database loaded before the change does not see
    every record as changed on its next ingest."""
    data = {k: v for k, v in values.items() if k not in PROVENANCE}
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def changed(stored: str, row: dict[str, Any], extra: dict[str, Any] | None = None) -> bool:
    """Whether the hash stored for a record says that `row` (with `extra`, hashed alongside)
    says something else. A hash in the legacy form is recomputed that way to compare."""
    if stored == row["content_hash"]:
        return False
    return stored != legacy_content_hash({**row, **extra} if extra else row)
