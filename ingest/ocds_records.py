"""An OCDS record -> its compiled release: the published `compiledRelease`, else the record's
embedded releases merged by ocdsmerge under the bundled OCDS 1.1.5 merge rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import ocdsmerge
from ocdsmerge.exceptions import OCDSMergeError

from ingest.ocds_fields import raw_json
from ingest.rows import Rejected

# ocdsmerge would fetch the schema from the web; the sandbox and production may be offline.
SCHEMA = Path(__file__).resolve().parent / "schema" / "release-schema-1.1.5.json"

Candidate = tuple[str, Any]  # (position, what should be a release object)


def record_releases(record: object, base: str) -> Iterator[Candidate | Rejected]:
    """A record's compiled release: the published one, else its embedded releases merged."""
    if not isinstance(record, dict):
        reason = f"record is a {type(record).__name__}, not an object"
        yield Rejected(base, raw_json(record), reason)
        return
    ocid = record.get("ocid")
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        if compiled.get("ocid") is None and ocid is not None:
            compiled = {**compiled, "ocid": ocid}
        yield f"{base}.compiledRelease", compiled
        return
    releases = record.get("releases")
    problem = _unmergeable(releases)
    if problem is not None:
        yield Rejected(base, raw_json(record), problem)
        return
    try:
        merged: dict[str, Any] = merger().create_compiled_release(releases)
    except (OCDSMergeError, TypeError, ValueError, KeyError, AttributeError) as exc:
        reason = f"cannot merge the record's releases: {exc.__class__.__name__}: {exc}"
        yield Rejected(base, raw_json(record), reason)
        return
    if merged.get("ocid") is None and ocid is not None:
        merged["ocid"] = ocid
    yield f"{base}.releases(merged)", merged


def _unmergeable(releases: object) -> str | None:
    if not isinstance(releases, list) or not releases:
        return "record has no compiledRelease and no releases to merge"
    for entry in releases:
        # A linked release is a URL, or {url, date, tag} without the release's content.
        linked = isinstance(entry, dict) and "url" in entry and "ocid" not in entry
        if isinstance(entry, str) or linked:
            return (
                "record has no compiledRelease and its releases are only linked by URL; "
                "fetch the linked releases to merge them"
            )
        if not isinstance(entry, dict):
            kind = type(entry).__name__
            return f"record has no compiledRelease and one of its releases is a {kind}"
    return None


@cache
def merger() -> Any:
    """One ocdsmerge.Merger for the process: building merge rules dereferences the schema."""
    with SCHEMA.open(encoding="utf-8") as handle:
        schema = json.load(handle)  # the bundled schema, not an OCDS data file
    return ocdsmerge.Merger(schema=schema)
