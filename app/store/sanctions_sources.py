"""Where each registry's sanctions now come from: the latest ingest of it that loaded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, func, select

from app.store.tables import IngestRun


def latest_runs(
    *, conn: Connection
) -> Sequence[Row[str, str, str | None, datetime | None, datetime | None]]:
    """Per registry (`scope`), its latest successful sanctions run: scope, source_file,
    last_modified, retrieved_at, finished_at; by registry."""
    latest = (
        select(IngestRun.scope, func.max(IngestRun.id).label("id"))
        .where(IngestRun.kind == "sanctions", IngestRun.status == "ok")
        .group_by(IngestRun.scope)
        .subquery()
    )
    return conn.execute(
        select(
            IngestRun.scope,
            IngestRun.source_file,
            IngestRun.last_modified,
            IngestRun.retrieved_at,
            IngestRun.finished_at,
        )
        .join(latest, latest.c.id == IngestRun.id)
        .order_by(IngestRun.scope)
    ).all()
