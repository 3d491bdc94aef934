"""What the last link run knew, kept beside the model so that the next run and the real-time
index need not recompute it: every profile with its features exactly as the model saw them, its
members and bucket, the firm counts behind the term frequencies, and which ingest runs and
judgements it covered.

Files under `<data dir>/link/`: Parquet tables, and `state.json`, the manifest that names them,
replaced atomically once the tables are written. A manifest that does not name the latest link
run in the database is stale (a crash between the two, a restored database); so is one of
another format, or one made under other rules (thresholds, `LinkOptions.rules`): the next link
is then a full one. Tables are written once and shared by later
manifests while unchanged; a table no manifest names is deleted, except the previous
manifest's, which a reader may still be opening.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import structlog

from matching.corpus import Corpus
from matching.features import COLUMNS

log = structlog.get_logger(__name__)

# Bump when stored features would no longer equal what `features()` computes (a change to
# names, RFC or feature rules): a state of another format is ignored and the next link is full.
STATE_FORMAT = 4
MANIFEST = "state.json"
TABLES = ("profiles", "names", "cores", "tokens")

PROFILE_SCHEMA = pa.schema(
    [(c, pa.float64() if c.startswith("tf_") else pa.string()) for c in COLUMNS]
    + [
        ("tokens", pa.list_(pa.string())),  # the name's words, for rare-word keys
        ("members", pa.list_(pa.string())),  # record keys; unique_id is the representative
        ("bucket", pa.string()),  # profiles.bucket_digest; null: nobody may join (judged, empty)
    ]
)
COUNT_SCHEMA = pa.schema([("value", pa.string()), ("firms", pa.int64())])


@dataclass(slots=True)
class LinkState:
    link_run_id: int
    model_version: str
    ingest_runs: list[int]  # the ingest runs whose records this state holds
    judgement_id: int  # judgements up to this id are applied
    firms: int  # the corpus's firm count
    profiles: pa.Table  # PROFILE_SCHEMA
    names: pa.Table  # COUNT_SCHEMA: firms per name
    cores: pa.Table  # firms per core name
    tokens: pa.Table  # firms per word
    files: dict[str, str] = field(default_factory=dict)  # table -> file, when read from disk
    # The clustering's rules the entities were made under (`LinkOptions.rules`): an incremental
    # run under other rules would leave the entities it does not reach under the old ones.
    rules: dict[str, Any] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return int(pc.sum(pc.list_value_length(self.profiles["members"])).as_py() or 0)


def counts_table(counts: Mapping[str, int]) -> pa.Table:
    return pa.table(
        {"value": pa.array(list(counts), pa.string()), "firms": pa.array(list(counts.values()))},
        schema=COUNT_SCHEMA,
    )


def counts_of(table: pa.Table) -> Counter[str]:
    return Counter(dict(zip(table["value"].to_pylist(), table["firms"].to_pylist(), strict=True)))


def corpus_of(state: LinkState) -> Corpus:
    """The whole stored corpus as Python counters (the real-time index keeps it in memory)."""
    return Corpus(
        counts_of(state.names), counts_of(state.cores), counts_of(state.tokens), state.firms
    )


def save(state: LinkState, directory: Path, *, unchanged: frozenset[str] = frozenset()) -> None:
    """Write the tables not in `unchanged` (those keep the files they were read from), then the
    manifest, then remove tables that neither it nor the previous manifest names."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = _manifest(directory)
    files: dict[str, str] = {}
    for name in TABLES:
        if name in unchanged and name in state.files:
            files[name] = state.files[name]
            continue
        files[name] = f"{name}-{state.link_run_id}.parquet"
        temporary = directory / f".{files[name]}.tmp"
        pq.write_table(getattr(state, name), temporary)
        os.replace(temporary, directory / files[name])
    manifest = {
        "format": STATE_FORMAT,
        "link_run_id": state.link_run_id,
        "model_version": state.model_version,
        "ingest_runs": sorted(state.ingest_runs),
        "judgement_id": state.judgement_id,
        "firms": state.firms,
        "files": files,
        "rules": state.rules,
    }
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest), encoding="utf-8")
    os.replace(temporary, directory / MANIFEST)
    state.files = files
    keep = set(files.values()) | set((previous or {}).get("files", {}).values())
    for path in directory.glob("*.parquet"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def model_version_of(directory: Path) -> str | None:
    """The model the stored state was scored with, from its manifest; None as for `stamp`."""
    manifest = _manifest(directory)
    if manifest is None or manifest.get("format") != STATE_FORMAT:
        return None
    return str(manifest["model_version"])


def stamp(directory: Path) -> int | None:
    """The link run the stored state belongs to, read from its manifest alone (cheap enough to
    ask often); None when there is no usable manifest."""
    manifest = _manifest(directory)
    if manifest is None or manifest.get("format") != STATE_FORMAT:
        return None
    return int(manifest["link_run_id"])


def _manifest(directory: Path) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found


def load(directory: Path) -> LinkState | None:
    """The stored state, or None when there is none usable (missing, another format, a table
    that cannot be read): the caller then links in full."""
    manifest = _manifest(directory)
    if manifest is None or manifest.get("format") != STATE_FORMAT:
        return None
    files: dict[str, str] = manifest["files"]
    try:
        tables = {name: pq.read_table(directory / files[name]) for name in TABLES}
    except (OSError, KeyError, pa.ArrowException) as exc:
        log.warning("link_state.unreadable", directory=str(directory), error=str(exc))
        return None
    if tables["profiles"].schema != PROFILE_SCHEMA:
        return None
    return LinkState(
        link_run_id=int(manifest["link_run_id"]),
        model_version=str(manifest["model_version"]),
        ingest_runs=[int(r) for r in manifest["ingest_runs"]],
        judgement_id=int(manifest["judgement_id"]),
        firms=int(manifest["firms"]),
        files=files,
        rules=dict(manifest.get("rules", {})),
        **tables,
    )
