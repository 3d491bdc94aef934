"""Stream resolved entities, one per line, as JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select

from app.store.tables import Entity, EntityMember, LinkRecord

CSV_COLUMNS = ("entity_id", "display_name", "rfcs", "size", "records")


def entities(engine: Engine, *, batch: int = 20_000) -> Iterator[dict[str, Any]]:
    """Entities in id order, each with its member records; never the whole table in memory."""
    query = (
        select(
            Entity.id,
            Entity.display_name,
            Entity.rfcs,
            LinkRecord.source,
            LinkRecord.source_key,
            LinkRecord.name,
            LinkRecord.rfc_raw,
            EntityMember.probability,
            LinkRecord.record_type,
        )
        .join(EntityMember, EntityMember.entity_id == Entity.id)
        .join(LinkRecord, LinkRecord.record_key == EntityMember.record_key)
        .order_by(Entity.id, LinkRecord.record_key)
    )
    current: dict[str, Any] | None = None
    with engine.connect() as conn:
        for (
            eid,
            display,
            rfcs,
            source,
            key,
            name,
            rfc_raw,
            p,
            record_type,
        ) in conn.execution_options(yield_per=batch).execute(query):
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
