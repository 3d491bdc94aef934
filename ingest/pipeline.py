"""read -> convert -> upsert in batches, with quarantine, counts and provenance.

One file is one transaction: a file that cannot be read at all leaves the data as it was (its
failed run is recorded on its own). Within a file, a bad row is quarantined and the rest loads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from app.collector import fewer_collections
from app.errors import first_line
from app.settings import Settings
from app.store import ingest_runs
from app.store.engine import larger_cache, transaction
from app.store.quarantine import add_rejected
from app.store.registries import (
    SANCTIONS,
    SUPPLIER_ENTRIES,
    Counts,
    upsert_registry_rows,
    withdraw_missing,
)
from app.store.releases import upsert_awards, upsert_parties
from ingest import prefetch
from ingest import source as sources
from ingest.convert import sanction_values, supplier_values
from ingest.release_batch import ReleaseBatch, ReleasePreparer
from ingest.rows import RAW_LIMIT, Rejected, SanctionRow, SupplierEntryRow, UnreadableSource

log = structlog.get_logger(__name__)

LOAD_CACHE_KIB = 65_536  # SQLite page cache while a file loads: see `app.store.engine.larger_cache`
# Kinds whose readers yield `OcdsItem`s, stored as parties and awards. Contracts (ComprasMX)
# are stored so, but a download is a whole table, so `ingest_runs.same_as_last` treats it as a
# registry.
RELEASE_KINDS = ("ocds", "contracts")
COUNTS = ("read", "loaded", "updated", "unchanged", "rejected", "withdrawn")


class Progress(Protocol):
    def start(self, description: str) -> None: ...
    def advance(self, rows: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, description: str) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(slots=True)
class FileResult:
    source_file: str
    origin: str
    run_id: int | None = None
    status: str = "ok"  # ok | skipped | failed
    sha256: str | None = None
    read: int = 0
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    error: str | None = None
    rejections: list[dict[str, str]] = field(default_factory=list)  # the first few, for the report

    def counts(self) -> dict[str, int]:
        """What became of the file's rows (COUNTS), as its run and its log line record them."""
        return {name: getattr(self, name) for name in COUNTS}


@dataclass(slots=True)
class IngestSummary:
    kind: str
    format: str
    files: list[FileResult] = field(default_factory=list)
    # Earlier runs found dead when this ingest started (see app/store/ingest_runs.py).
    interrupted: list[ingest_runs.InterruptedRun] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def failed(self) -> int:
        return sum(1 for f in self.files if f.status == "failed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.format,
            **{name: self.total(name) for name in COUNTS},
            "files": len(self.files),
            "skipped_files": sum(1 for f in self.files if f.status == "skipped"),
            "failed_files": self.failed,
            "details": [asdict(f) for f in self.files],
            "interrupted_runs": [asdict(r) for r in self.interrupted],
        }


@dataclass(slots=True)
class Job:
    """What one ingest reads and how it stores it."""

    kind: str  # ocds | contracts | sanctions | suppliers
    format: str
    scope: str  # registry / register name; snapshots replace records within a scope
    read: Callable[[Path], Iterator[Any]]
    snapshot: bool  # records missing from a new snapshot are marked withdrawn


def run_job(
    job: Job,
    locations: list[str],
    *,
    engine: Engine,
    settings: Settings,
    progress: Progress | None = None,
    force: bool = False,
) -> IngestSummary:
    """Ingest every location (path, directory or URL) for `job`. Never raises for one bad file."""
    progress = progress or NoProgress()
    summary = IngestSummary(kind=job.kind, format=job.format, interrupted=ingest_runs.sweep(engine))
    for location in locations:
        try:
            files = _resolve(location, job, engine=engine, settings=settings)
        except sources.SourceError as exc:
            summary.files.append(FileResult(location, location, status="failed", error=str(exc)))
            log.error("ingest.source_failed", origin=location, error=str(exc))
            continue
        except Exception as exc:  # a bug, not a bad source: still only this location fails
            log.exception("ingest.source_failed", origin=location)
            error = f"{location}: unexpected error {exc.__class__.__name__}: {first_line(exc)}"
            summary.files.append(FileResult(location, location, status="failed", error=error))
            continue
        for local in files:
            summary.files.append(
                _ingest_file(
                    job, local, engine=engine, settings=settings, progress=progress, force=force
                )
            )
    return summary


def _resolve(
    location: str, job: Job, *, engine: Engine, settings: Settings
) -> list[sources.LocalFile]:
    if sources.is_url(location):
        previous = _previous_validators(engine, job, location)
        return [
            sources.fetch(
                location,
                settings.cache_dir,
                previous=previous,
                timeout=settings.http_timeout,
                retries=settings.http_retries,
            )
        ]
    patterns = {"ocds": ["*.json", "*.jsonl", "*.ndjson", "*.gz"], "contracts": ["*.csv"]}
    return sources.local_files(location, patterns.get(job.kind))


def _previous_validators(engine: Engine, job: Job, origin: str) -> sources.Validators | None:
    with transaction(engine) as conn:
        found = ingest_runs.previous_validators(origin, job.kind, conn=conn)
    return sources.Validators(*found) if found else None


def _ingest_file(
    job: Job,
    local: sources.LocalFile,
    *,
    engine: Engine,
    settings: Settings,
    progress: Progress,
    force: bool,
) -> FileResult:
    started = datetime.now(UTC)
    source_file = str(local.path) if not sources.is_url(local.origin) else local.origin
    result = FileResult(source_file=source_file, origin=local.origin)
    run = {
        "kind": job.kind,
        "format": job.format,
        "scope": job.scope,
        "origin": local.origin,
        "source_file": source_file,
        "etag": local.etag,
        "last_modified": local.last_modified,
        "retrieved_at": local.retrieved_at or started,
        "started_at": started,
    }
    try:
        result.sha256 = local.sha256 or sources.sha256_of(local.path)
    except OSError as exc:
        return _record_failure(engine, run, result, f"{source_file}: cannot read: {exc}")
    run["sha256"] = result.sha256
    progress.start(Path(source_file).name)
    try:
        reason = _skip_reason(engine, job, local, result.sha256, force)
        if reason is not None:
            result.status, result.error = "skipped", reason
            with transaction(engine) as conn:
                result.run_id = ingest_runs.record(
                    {**run, "status": "skipped", "error": reason}, conn=conn
                )
            return result
        # The run is on record before its data (see app/store/ingest_runs.py): a killed process
        # leaves its run `started`, to be found `interrupted`, and none of its data.
        with ingest_runs.started(engine, run) as run_id:
            result.run_id = run_id
            error = _load_file(
                engine,
                result,
                lambda conn: _load(conn, job, local.path, source_file, result, settings, progress),
            )
            if error is not None:
                return _record_failure(engine, run, result, error)
    except SQLAlchemyError as exc:  # the run itself could not be read or recorded
        log.error("ingest.db_error", source=source_file, error=str(exc))
        message = first_line(getattr(exc, "orig", None) or exc)
        return _record_failure(
            engine, run, result, f"{source_file}: the database is unavailable: {message}"
        )
    finally:
        progress.finish()
    log.info("ingest.file_done", source=source_file, **result.counts())
    return result


def _skip_reason(
    engine: Engine, job: Job, local: sources.LocalFile, sha256: str, force: bool
) -> str | None:
    if force:
        return None
    if local.not_modified:
        return "not modified (HTTP 304)"
    with transaction(engine) as conn:
        previous = ingest_runs.same_as_last(job.kind, job.scope, sha256, conn=conn)
    return f"unchanged since run {previous}" if previous is not None else None


def _load_file(
    engine: Engine, result: FileResult, load: Callable[[Connection], None]
) -> str | None:
    """Run `load` and mark the file's run `ok`, in one transaction; the error if it failed."""
    assert result.run_id is not None
    source_file = result.source_file
    try:
        with transaction(engine) as conn:
            with fewer_collections(), larger_cache(conn, LOAD_CACHE_KIB):
                load(conn)
            ingest_runs.finish(result.run_id, result.counts(), conn=conn)
    except (UnreadableSource, UnicodeDecodeError, OSError, ValueError) as exc:
        # The transaction rolled back: nothing of this file stays but the record of its failure.
        return f"{source_file}: {exc}"
    except SQLAlchemyError as exc:
        log.error("ingest.db_error", source=source_file, error=str(exc))
        message = first_line(getattr(exc, "orig", None) or exc)
        return f"{source_file}: the database refused a batch: {message}"
    except Exception as exc:
        # A bug (a TypeError in a reader, say) must not take the other files down with it: the
        # transaction rolled back, the failure is recorded and the next file is read.
        # KeyboardInterrupt and SystemExit are not Exceptions: they still stop the ingest.
        log.exception("ingest.unexpected_error", source=source_file)
        return f"{source_file}: unexpected error {exc.__class__.__name__}: {first_line(exc)}"
    return None


def _record_failure(
    engine: Engine, run: dict[str, Any], result: FileResult, error: str
) -> FileResult:
    """The file failed: its run (started, or recorded now) says why; its counts are zero, as
    nothing of it was stored."""
    fresh = FileResult(
        source_file=result.source_file,
        origin=result.origin,
        run_id=result.run_id,
        status="failed",
        sha256=result.sha256,
        error=error,
    )
    try:
        # Its own transaction: the file's has rolled back (or never began).
        with transaction(engine) as conn:
            if fresh.run_id is not None:
                ingest_runs.fail(fresh.run_id, error, conn=conn)
            else:
                fresh.run_id = ingest_runs.record(
                    {**run, "status": "failed", "error": error}, conn=conn
                )
    except SQLAlchemyError as exc:  # the database itself is gone: report, do not crash
        fresh.error = f"{error} (and the failure could not be recorded: {first_line(exc)})"
    log.error("ingest.file_failed", source=result.source_file, error=fresh.error)
    return fresh


def _load(
    conn: Connection,
    job: Job,
    path: Path,
    source_file: str,
    result: FileResult,
    settings: Settings,
    progress: Progress,
) -> None:
    assert result.run_id is not None
    run_id = result.run_id
    now = datetime.now(UTC)
    seen: set[str] = set()
    prepare: Callable[[list[Any]], Any] = (
        ReleasePreparer(source_file) if job.kind in RELEASE_KINDS else _as_read
    )
    for batch in _batches(job, path, settings, prepare):
        read = result.read
        _load_batch(conn, job, batch, source_file, run_id, now, seen, result)
        progress.advance(result.read - read)
        log.debug("ingest.batch_stored", run_id=run_id, rows=result.read)
    if job.snapshot and job.kind not in RELEASE_KINDS:
        table, record_type, column = (
            (SANCTIONS, "sanction", "registry")
            if job.kind == "sanctions"
            else (SUPPLIER_ENTRIES, "supplier", "register")
        )
        result.withdrawn = withdraw_missing(
            table, record_type, column, job.scope, seen, conn=conn, run_id=run_id, now=now
        )


def _as_read(items: list[Any]) -> list[Any]:
    return items


def _batches(
    job: Job, path: Path, settings: Settings, prepare: Callable[[list[Any]], Any]
) -> Iterator[Any]:
    """The file's items in batches, each passed through `prepare`: read and prepared ahead in a
    child process when the file is large (the reader and the writer then overlap), else here."""
    if prefetch.worth_it(job.read, path, settings.prefetch_min_mb):
        yield from prefetch.prefetched(job.read, path, batch=settings.batch_size, prepare=prepare)
        return
    stream = job.read(path)
    while batch := list(islice(stream, settings.batch_size)):
        yield prepare(batch)


def _load_batch(
    conn: Connection,
    job: Job,
    batch: ReleaseBatch | list[Any],
    source_file: str,
    run_id: int,
    now: datetime,
    seen: set[str],
    result: FileResult,
) -> None:
    if isinstance(batch, ReleaseBatch):
        result.read += batch.read
        if batch.rejected:
            _quarantine(conn, job, source_file, run_id, batch.rejected, result, now)
        counts = _store_releases(conn, batch, run_id)
    else:
        good = [item for item in batch if not isinstance(item, Rejected)]
        bad = [item for item in batch if isinstance(item, Rejected)]
        result.read += len(batch)
        if bad:
            _quarantine(conn, job, source_file, run_id, bad, result, now)
        counts = _store(conn, job, good, source_file, run_id, now, seen)
    counts.add_to(result)


def _store(
    conn: Connection,
    job: Job,
    items: list[Any],
    source_file: str,
    run_id: int,
    now: datetime,
    seen: set[str],
) -> Counts:
    """Registry rows (sanctions, supplier registers); releases go to `_store_releases`."""
    counts = Counts()
    if job.kind == "sanctions":
        rows = [sanction_values(i, source_file) for i in items if isinstance(i, SanctionRow)]
        table, record_type = SANCTIONS, "sanction"
    else:
        rows = [supplier_values(i, source_file) for i in items if isinstance(i, SupplierEntryRow)]
        table, record_type = SUPPLIER_ENTRIES, "supplier"
    seen.update(r["source_key"] for r in rows)
    counts.add(upsert_registry_rows(table, record_type, rows, conn=conn, run_id=run_id, now=now))
    # Duplicate keys inside one batch collapse to one stored row; count them as unchanged reads.
    counts.unchanged += len(rows) - (counts.loaded + counts.updated + counts.unchanged)
    return counts


def _store_releases(conn: Connection, batch: ReleaseBatch, run_id: int) -> Counts:
    """OCDS counts are per release: loaded when it brought a new party or award, updated when it
    changed one, unchanged otherwise."""
    for party in batch.parties:
        party["run_id"] = run_id
    for award, _ in batch.awards:
        award["run_id"] = run_id
    party_changes = upsert_parties(batch.parties, conn=conn)
    award_changes = upsert_awards(batch.awards, conn=conn)
    inserted = party_changes.inserted | award_changes.inserted
    updated = party_changes.updated | award_changes.updated
    counts = Counts()
    for keys in batch.keys_per_release:
        if any(k in inserted for k in keys):
            counts.loaded += 1
        elif any(k in updated for k in keys):
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def _quarantine(
    conn: Connection,
    job: Job,
    source_file: str,
    run_id: int,
    bad: list[Rejected],
    result: FileResult,
    now: datetime,
) -> None:
    result.rejected += len(bad)
    for item in bad[: max(0, 5 - len(result.rejections))]:
        result.rejections.append({"position": item.position, "reason": item.reason})
    add_rejected(
        [
            {
                "run_id": run_id,
                "kind": job.kind,
                "format": job.format,
                "source_file": source_file,
                "position": item.position,
                "raw": item.raw[:RAW_LIMIT],
                "reason": item.reason,
                "created_at": now,
            }
            for item in bad
        ],
        conn=conn,
    )


def dumps(summary: IngestSummary) -> str:
    return json.dumps(summary.as_dict(), default=str, ensure_ascii=False)
