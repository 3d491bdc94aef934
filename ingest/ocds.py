"""Reader for OCDS files: every (compiled) release in a file becomes one `OcdsItem`, or a
`Rejected` row that says why it could not.

- `ingest.ocds_containers` finds the releases (containers, gzip, JSON Lines, record merging);
- `ingest.ocds_extract` turns one release into party and award rows (pure);
- `ingest.ocds_parties` / `ingest.ocds_fields` hold the RFC, role and field-reading rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.ocds_containers import candidates
from ingest.ocds_extract import extract_release
from ingest.ocds_fields import MalformedRelease, raw_json
from ingest.rows import OcdsItem, Rejected

__all__ = ["OCDS_SUFFIXES", "extract_release", "iter_ocds_files", "read_ocds", "to_item"]

OCDS_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


def iter_ocds_files(path: Path) -> Iterator[Path]:
    """The file itself, or every OCDS-looking file under a directory (recursively, sorted,
    hidden files and folders skipped)."""
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or directory: {path}")
    found = [
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(OCDS_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]
    yield from sorted(found)


def read_ocds(path: Path) -> Iterator[OcdsItem | Rejected]:
    """Stream one file (plain or gzip). Raises `UnreadableSource` when the file as a whole is
    broken; a broken JSON line or an unreadable release is yielded as `Rejected`."""
    for found in candidates(path):
        yield found if isinstance(found, Rejected) else to_item(*found)


def to_item(position: str, release: object) -> OcdsItem | Rejected:
    if not isinstance(release, dict):
        reason = f"release is a {type(release).__name__}, not an object"
        return Rejected(position, raw_json(release), reason)
    try:
        return extract_release(release, position=position)
    except MalformedRelease as exc:
        return Rejected(position, raw_json(release), str(exc))
    except (TypeError, AttributeError, KeyError, ValueError, ArithmeticError) as exc:
        # A shape the field helpers did not foresee: quarantine it rather than stop the file.
        reason = f"unreadable release ({exc.__class__.__name__}: {exc})"
        return Rejected(position, raw_json(release), reason)
