"""The dates an officer is told about the data behind a check: when each sanctions file was
published (its own date, where it carries one) and when Testigo loaded it.

A file read today may be years old (the SAT 69-B list bundled for the demo is of 2021): the day
it was loaded says nothing about how current it is, so the publication date is shown first."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import Engine

from app.store import sanctions_sources
from app.store.engine import reading

# A date in a file's name, as the registries' downloads and our captures are named:
# sfp_directorio_sancionados_2026-06-11.json, sat_69b_listado_completo_2021-05-18.csv.
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def published_on(source_file: str, last_modified: str | None = None) -> date | None:
    """The file's own date: the last date in its name, else the server's Last-Modified."""
    name = source_file.rsplit("/", 1)[-1]
    for year, month, day in reversed(_DATE_IN_NAME.findall(name)):
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            continue
    if last_modified:
        try:
            return parsedate_to_datetime(last_modified).date()
        except (TypeError, ValueError):
            return None
    return None


def sanctions_as_of(engine: Engine) -> list[dict[str, Any]]:
    """Per registry, the file its sanctions now come from: the latest ingest that loaded."""
    with reading(engine) as conn:
        runs = sanctions_sources.latest_runs(conn=conn)
    return [
        {
            "registry": run.scope,
            "file": run.source_file.rsplit("/", 1)[-1],
            "published": _iso(published_on(run.source_file, run.last_modified)),
            "loaded": _iso(run.retrieved_at or run.finished_at),
        }
        for run in runs
    ]


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


__all__ = ["published_on", "sanctions_as_of"]
