"""Stream resolved entities, one per line, as JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine

from app.store import exports
from app.store.engine import reading
from app.store.firms import AnyRow

BATCH = 20_000  # rows fetched at a time
CSV_COLUMNS = ("entity_id", "display_name", "rfcs", "size", "records")


def entities(engine: Engine, *, batch: int = BATCH) -> Iterator[dict[str, Any]]:
    """Entities in id order, each with its member records; never the whole table in memory.
    Reads on a connection of its own, open while the stream is."""
    with reading(engine) as conn:
        yield from grouped(exports.members(batch=batch, conn=conn))


def grouped(rows: Iterable[AnyRow]) -> Iterator[dict[str, Any]]:
    """`app.store.exports.members` rows, a firm's rows together, as one dict a firm."""
    current: dict[str, Any] | None = None
    for eid, display, rfcs, _, source, key, name, rfc_raw, p, record_type in rows:
        if current is None or current["entity_id"] != eid:
            if current is not None:
                yield current
            current = {
                "entity_id": eid,
                "display_name": display,
                "rfcs": rfcs.split() if rfcs else [],
                "records": [],
            }
        current["records"].append(
            {
                "source": source,
                "record_type": record_type,
                "source_key": key,
                "name": name,
                "rfc": rfc_raw,
                "probability": None if p is None else float(p),
            }
        )
    if current is not None:
        yield current


def jsonl(engine: Engine) -> Iterator[str]:
    for entity in entities(engine):
        yield json.dumps(entity, ensure_ascii=False) + "\n"


def csv_lines(engine: Engine) -> Iterator[str]:
    """One entity per line, like the JSON Lines export: its records as a JSON array cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for entity in entities(engine):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                entity["entity_id"],
                entity["display_name"],
                " ".join(entity["rfcs"]),
                len(entity["records"]),
                json.dumps(entity["records"], ensure_ascii=False),
            ]
        )
        yield buffer.getvalue()
