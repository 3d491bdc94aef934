"""The real-time index as files in the link-state directory, written once per link run and
memory-mapped by every API worker, so N workers (or N processes on one machine) share one copy
in the page cache instead of building N copies of a million-profile index on their heaps.

`index<FORMAT>-<link run>/` holds the profiles as the model saw them with each one's entity
(`profiles.arrow`, Arrow IPC, uncompressed), one `hashed.Postings` per lookup key and for the
rare words, the corpus counts (`hashed.Counts`) and the corpus's distinct names, sorted
(`names.arrow`, and by postal code `located.arrow`, for the guards' extension counts). The link
run writes it after its state; a worker that finds a state without one (written before this
format, or the link run died first) writes it. Either way under an exclusive lock on
`index.lock`, into a temporary directory renamed into place when complete: a directory is never
rewritten, and a reader sees all of it or none. Directories of older runs are removed; a worker
still mapping one keeps reading it (the files live on, unlinked, until it unmaps them)."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import structlog
from sqlalchemy import Engine

from app.store import firms
from app.store.engine import reading
from matching import guards, hashed
from matching import state as link_state
from matching.features import COLUMNS, MAX_RARE_TOKEN_FIRMS

log = structlog.get_logger(__name__)

FORMAT = 2  # 2: located.arrow, the names by postal code
META = "index.json"
LOCK = "index.lock"
COUNTS = ("names", "cores", "tokens")
TOKENS = "tokens"  # the rare-word postings
# An index replaced less than this long ago is kept: a worker (on this machine or another that
# shares the directory, where a removed file cannot stay mapped) reloads within seconds.
GRACE_SECONDS = 600.0

# Single-column keys, and keys made of several columns (all must agree), as in batch blocking.
KEY_COLUMNS = (
    "rfc",
    "rfc_stem",
    "rfc_conf",
    "name",
    "name_sorted",
    "name_core",
    "name_prefix",
    "name_rare_head",
    "name_rare_tail",
)
COMPOUND_KEYS = (("name_skel", "legal_form"),)
# Keys looked up under another column's postings, as a blocking rule joins two columns: a name
# that may be cut finds every name that starts as it does, and a whole name the cut ones.
# (the row's column, the postings it is looked up in)
CROSS_KEYS = (("name_cut_head", "name_head"), ("name_head", "name_cut_head"))
SEPARATOR = "\x1f"  # joins a compound key's parts into one hashed value


def key_names() -> list[str]:
    """Every postings file's name: the same-column keys, compound ones, then the cross keys'."""
    return [
        *KEY_COLUMNS,
        *("+".join(k) for k in COMPOUND_KEYS),
        *(posted for _, posted in CROSS_KEYS),
    ]


def key_columns(name: str) -> tuple[str, ...]:
    return tuple(name.split("+"))


def keys_of(row: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(postings name, value) for every postings file the row is written in; a compound value is
    its parts joined. The files compute the same keys column-wise (`_key_values`; a test holds
    them equal)."""
    yield from _own_keys(row)
    yield from _cross_keys(row, asked=False)


def lookups_of(row: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(postings name, value) for every lookup a query row makes: its own keys in their own
    postings, and each cross key's value in the other column's postings."""
    yield from _own_keys(row)
    yield from _cross_keys(row, asked=True)


def _cross_keys(row: Mapping[str, Any], *, asked: bool) -> Iterator[tuple[str, str]]:
    """Each cross key's postings with the row's value: of the column it is looked up by when
    the row is `asked`, else of the postings' own column (the row as written)."""
    for column, posted in CROSS_KEYS:
        value = row.get(column if asked else posted)
        if value:
            yield posted, value


def _own_keys(row: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for column in KEY_COLUMNS:
        value = row.get(column)
        if value:
            yield column, value
    for parts in COMPOUND_KEYS:
        values = [row.get(c) for c in parts]
        if all(values):
            yield "+".join(parts), SEPARATOR.join(values)  # type: ignore[arg-type]


def usable_token(token: str, token_firms: Mapping[str, int]) -> bool:
    """Whether a word of a name is rare enough to look candidates up by (column-wise for the
    files: `_rare_words`)."""
    return len(token) >= 3 and token_firms.get(token, 0) <= MAX_RARE_TOKEN_FIRMS


def directory_of(state_dir: Path, link_run_id: int) -> Path:
    return state_dir / f"index{FORMAT}-{link_run_id}"


def ensure(engine: Engine, state_dir: Path, link_run_id: int) -> Path | None:
    """The index directory of link run `link_run_id`, written first if there is none (from the
    stored state, with each profile's entity from the store). None when the stored state is
    not that run's (a newer run replaced it meanwhile, or none is readable)."""
    found = directory_of(state_dir, link_run_id)
    if (found / META).exists():
        return found if _current(found) else None
    with _locked(state_dir):
        if (found / META).exists():  # another process wrote it while this one waited
            return found if _current(found) else None
        state = link_state.load(state_dir)
        if state is None or state.link_run_id != link_run_id:
            return None
        write(engine, state, state_dir)
    return found


def write(engine: Engine, state: link_state.LinkState, state_dir: Path) -> None:
    """Write the index of `state` (the caller holds the lock), then remove old ones."""
    final = directory_of(state_dir, state.link_run_id)
    temporary = state_dir / f".{final.name}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    with reading(engine) as conn:
        keys, entity_ids = firms.entity_of_records(conn=conn)
    profiles = state.profiles.select(list(COLUMNS))
    at = pc.index_in(profiles["unique_id"], value_set=pa.array(keys, pa.string()))
    entities = pa.array(entity_ids, pa.string()).take(at)  # null: a profile in no firm yet
    hashed.write_table(temporary / "profiles.arrow", profiles.append_column("entity", entities))
    for name in COUNTS:
        hashed.Counts.write(temporary, f"count-{name}", getattr(state, name))
    numbers = pa.array(np.arange(len(profiles), dtype=np.int32))
    for name in key_names():
        values = _key_values(profiles, key_columns(name))
        posted = pc.is_valid(values)
        hashed.Postings.write(
            temporary, f"key-{name}", pc.filter(values, posted), pc.filter(numbers, posted)
        )
    words, word_numbers = _rare_words(profiles["name"], numbers, state.tokens)
    hashed.Postings.write(temporary, TOKENS, words, word_numbers)
    # Typed columns (`extension_columns`): a corpus without postal codes gives no located
    # names, and an untyped empty column would be Arrow's null type, which a mapped reader
    # cannot take from.
    names, located = guards.extension_columns(
        profiles["name"], profiles["name"], profiles["postal_code"]
    )
    for file, column in (("names", names), ("located", located)):
        hashed.write_table(temporary / f"{file}.arrow", pa.table({"name": column}))
    meta = {
        "format": FORMAT,
        "link_run_id": state.link_run_id,
        "model_version": state.model_version,
        "firms": state.firms,
        "profiles": len(profiles),
        "columns": list(COLUMNS),
        # The thresholds the firms were made under: a live answer gives a pair the status
        # the link run gave it (`score.Index.auto`).
        "rules": state.rules,
    }
    (temporary / META).write_text(json.dumps(meta), encoding="utf-8")
    os.replace(temporary, final)
    log.info("index.written", link_run=state.link_run_id, profiles=len(profiles))
    _prune(state_dir)


def _current(directory: Path) -> bool:
    """Whether an index holds the features this code computes (a state of other features is
    unusable too, and the next link is a full one)."""
    return bool(meta_of(directory).get("columns") == list(COLUMNS))


def _key_values(profiles: pa.Table, columns: tuple[str, ...]) -> pa.ChunkedArray:
    """Each profile's value of one lookup key as `keys_of` gives it, null where it gives none
    (a part missing or empty)."""
    parts = [profiles[c] for c in columns]
    present = functools.reduce(pc.and_, [pc.not_equal(p, "") for p in parts])  # null: missing
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, SEPARATOR)
    return pc.if_else(present, joined, pa.scalar(None, pa.string()))


def _rare_words(
    names: pa.ChunkedArray, numbers: pa.Array, counts: pa.Table
) -> tuple[pa.Array, pa.Array]:
    """(word, profile number) for every word of every name rare enough to be looked up by
    (`usable_token`): the word postings."""
    words = pc.split_pattern(names.combine_chunks(), " ")  # names.normalise_text: one space
    parents = pc.list_parent_indices(words)
    flat = pc.list_flatten(words)
    firms = pc.fill_null(counts["firms"].take(pc.index_in(flat, value_set=counts["value"])), 0)
    usable = pc.and_(
        pc.greater_equal(pc.utf8_length(flat), 3), pc.less_equal(firms, MAX_RARE_TOKEN_FIRMS)
    )
    return pc.filter(flat, usable), pc.filter(numbers.take(parents), usable)


def _prune(state_dir: Path) -> None:
    """Remove the index directories that a newer one replaced more than GRACE_SECONDS ago."""
    found = sorted(
        (int(p.name.rsplit("-", 1)[1]), p)
        for p in state_dir.glob("index*-*")
        if p.is_dir() and p.name.rsplit("-", 1)[1].isdigit()
    )
    now = time.time()
    for (_, old), (_, successor) in itertools.pairwise(found):
        with contextlib.suppress(OSError):
            if now - successor.stat().st_mtime > GRACE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """An exclusive lock over the index directories of `state_dir`, released however the
    process ends (flock)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def locked_write(engine: Engine, state: link_state.LinkState, state_dir: Path) -> None:
    """Write the index of `state` under the lock, unless a worker was quicker."""
    with _locked(state_dir):
        if not (directory_of(state_dir, state.link_run_id) / META).exists():
            write(engine, state, state_dir)


def meta_of(directory: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((directory / META).read_text(encoding="utf-8"))
    return found
