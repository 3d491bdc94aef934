"""`testigo nightly`: refresh the sources, link incrementally, scan for alerts, send the digest.

A lock file stops two runs from overlapping. A failing source is reported and the others still
run; the exit code and a one-line summary say what happened."""

from __future__ import annotations

import fcntl
import os
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.errors import CannotStart
from app.settings import Settings

KINDS = ("ocds", "contracts", "sanctions", "suppliers")


class NightlyError(CannotStart):
    """A run that cannot start (bad sources file, another run holding the lock)."""


@dataclass(frozen=True, slots=True)
class Source:
    kind: str
    format: str
    location: str
    map: dict[str, str] | None = None
    register: str | None = None


@dataclass(slots=True)
class NightlyReport:
    sources_ok: int = 0
    sources_unchanged: int = 0
    sources_failed: list[str] = field(default_factory=list)
    # Earlier ingest runs found dead (killed mid-file), by run id and file: nothing of them stayed.
    interrupted: list[str] = field(default_factory=list)
    link: dict[str, Any] | None = None
    scan: dict[str, Any] | None = None
    digest: dict[str, Any] | None = None
    # A step (link, scan, digest) that failed, as one line each; the steps after it still ran.
    steps_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        failed_mail = bool(self.digest and self.digest.get("failed"))
        return 1 if self.sources_failed or self.steps_failed or failed_mail else 0

    def line(self) -> str:
        parts = [
            f"sources {self.sources_ok} loaded, {self.sources_unchanged} unchanged, "
            f"{len(self.sources_failed)} failed"
        ]
        if self.sources_failed:
            parts[0] += f" ({'; '.join(self.sources_failed)})"
        if self.interrupted:
            parts.append(
                f"{len(self.interrupted)} earlier ingest run(s) found interrupted, to load again "
                f"({'; '.join(self.interrupted)})"
            )
        if self.link:
            parts.append(
                f"link {self.link['mode']}: {self.link['new_or_changed']} new or "
                f"changed, {self.link['entities']} entities"
            )
        if self.scan:
            parts.append(f"alerts {self.scan['alerts_new']} new")
        if self.digest:
            parts.append(f"mail {self.digest['sent']} sent, {self.digest['queued_left']} queued")
        parts.extend(f"failed {step}" for step in self.steps_failed)
        return "nightly: " + "; ".join(parts) + f" ({self.seconds:.0f} s)"


def read_sources(path: Path) -> list[Source]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NightlyError(f"cannot read the sources file {path}: {exc}") from exc
    out = []
    for number, entry in enumerate(data.get("sources", []), start=1):
        kind, location = entry.get("kind"), entry.get("location")
        fmt = entry.get("format", "ocds" if kind == "ocds" else None)
        if kind not in KINDS or not location or not fmt:
            raise NightlyError(
                f"{path}: [[sources]] #{number} needs kind ({' | '.join(KINDS)}), format and "
                "location"
            )
        mapping = entry.get("map")
        if isinstance(mapping, str):
            from ingest.suppliers import parse_mapping

            mapping = parse_mapping(mapping)
        out.append(Source(kind, fmt, str(location), mapping, entry.get("register")))
    return out


@contextmanager
def lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise NightlyError(f"another nightly run holds {path}; not starting a second") from exc
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _job(source: Source) -> Any:
    from ingest.jobs import contracts_job, ocds_job, sanctions_job, suppliers_job

    if source.kind == "ocds":
        return ocds_job()
    if source.kind == "contracts":
        return contracts_job(source.format)
    if source.kind == "sanctions":
        return sanctions_job(source.format)
    return suppliers_job(
        source.format,
        mapping=source.map,
        register=source.register or (source.format if source.format != "csv" else None),
    )


def run(engine: Engine, settings: Settings, *, send_mail: bool = True) -> NightlyReport:
    from dataclasses import asdict

    from app.alerts.detect import scan
    from app.errors import first_line
    from app.linking import failure, link_options
    from app.store.ingest_runs import sweep
    from ingest.pipeline import run_job
    from matching.link import link

    if settings.sources is None:
        raise NightlyError("set TESTIGO_SOURCES to a TOML file of [[sources]] tables")
    sources = read_sources(settings.sources)
    started = time.perf_counter()
    report = NightlyReport()
    with lock(settings.data_dir / "nightly.lock"):
        report.interrupted = [f"run {r.id} {r.source_file}" for r in sweep(engine)]
        for source in sources:
            try:
                summary = run_job(_job(source), [source.location], engine=engine, settings=settings)
            except Exception as exc:  # one bad source never stops the others
                report.sources_failed.append(f"{source.location}: {exc}")
                continue
            if summary.failed:
                report.sources_failed.extend(
                    f.error or f.source_file for f in summary.files if f.status == "failed"
                )
            elif all(f.status == "skipped" for f in summary.files):
                report.sources_unchanged += 1
            else:
                report.sources_ok += 1
        # Each step is tried whatever the one before did: a link that cannot run (say, no two
        # records share an RFC to train on) still leaves the earlier entities to scan and the
        # queued mail to send, and the summary line says which step failed.
        try:
            report.link = link(engine, link_options(settings)).as_dict()
        except Exception as exc:
            report.steps_failed.append(failure(exc))
        try:
            report.scan = asdict(scan(engine))
        except Exception as exc:
            report.steps_failed.append(f"alert scan: {first_line(exc)}")
        if send_mail:
            from app.alerts.digest import run_digest

            try:
                report.digest = run_digest(engine, settings)
            except Exception as exc:
                report.steps_failed.append(f"digest: {first_line(exc)}")
    report.seconds = time.perf_counter() - started
    return report
