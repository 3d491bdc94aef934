"""Reader for PDN System 3, "particulares sancionados" (v1 and v2 APIs).

Three containers occur: an API response page (v1 `{"pagination", "results": [...]}`, v2
`{"data": [...], "meta"}`), a bare array of records (a dump), and JSON Lines (one record per
line, what a harvester writes page after page). The first significant byte tells an array
from an object; an object is then either the envelope or the first JSON Lines record, which a
short streaming scan of its top-level keys decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ijson

from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions._common import key_part, open_json, raw_json
from ingest.sanctions._pdn_records import Record, from_v1, from_v2, is_v2

REGISTRY = "pdn-s3"
_ENVELOPE_KEYS = ("results", "data")  # v1, v2


class _BadLine:
    """A JSON Lines line that is not JSON: rejected, and the next line still read."""

    __slots__ = ("error", "text")

    def __init__(self, text: str, error: str) -> None:
        self.text, self.error = text, error


def read_pdn_s3(path: Path) -> Iterator[SanctionRow | Rejected]:
    """One `SanctionRow` per sanction of each record (a debarment and a fine are two rows)."""
    for position, record in _records(path):
        if isinstance(record, _BadLine):
            yield Rejected(position, record.text, f"not JSON: {record.error}")
        else:
            yield from _rows(record, position)


def _records(path: Path) -> Iterator[tuple[str, object]]:
    stream, first = open_json(path)
    with stream:
        if first == b"[":
            items, label = ijson.items(stream, "item", use_float=False), "item {}"
        elif first == b"{":
            envelope = _envelope_key(path)
            if envelope is None:
                _json_lines_or_fail(path)
                yield from _json_lines(path)
                return
            items = ijson.items(stream, f"{envelope}.item", use_float=False)
            label = envelope + "[{}]"
        else:
            raise UnreadableSource(f"{path.name}: expected a JSON object, array or JSON Lines")
        try:
            for index, record in enumerate(items):
                yield label.format(index), record
        except ijson.JSONError as exc:
            raise UnreadableSource(f"{path.name}: broken JSON: {exc}") from exc


def _envelope_key(path: Path) -> str | None:
    """The envelope's records key ("results", "data"); None when the first object is a record."""
    stream, _ = open_json(path)
    with stream:
        try:
            for prefix, event, _value in ijson.parse(stream, multiple_values=True):
                if prefix in _ENVELOPE_KEYS and event == "start_array":
                    return str(prefix)
                if prefix == "" and event == "end_map":
                    return None  # the first object closed without a records array
        except ijson.JSONError as exc:
            raise UnreadableSource(f"{path.name}: broken JSON at the start: {exc}") from exc
    return None


def _json_lines_or_fail(path: Path) -> None:
    """An object file without a records array is JSON Lines, unless the whole file is one
    pretty-printed JSON document: that is no S3 response (an OpenAPI description downloaded
    beside the data, say), and gets one clear error for the file rather than every line of it
    quarantined as "not JSON"."""
    with path.open(encoding="utf-8-sig") as lines:
        first = next((line for line in lines if line.strip()), "")
    try:
        json.loads(first)
        return
    except json.JSONDecodeError:
        pass
    try:
        with path.open(encoding="utf-8-sig") as whole:
            document = json.load(whole)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return  # JSON Lines whose first line is broken: quarantined line by line
    keys = sorted(document) if isinstance(document, dict) else []
    what = (
        "an OpenAPI description, not data"
        if {"openapi", "swagger"} & set(keys)
        else f"one JSON object with keys {', '.join(keys[:8])}"
    )
    raise UnreadableSource(
        f"{path.name}: {what}; PDN System 3 data is an API response (a `results` or `data` "
        "array), an array of records, or JSON Lines"
    )


def _json_lines(path: Path) -> Iterator[tuple[str, object]]:
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                # parse_float=Decimal: the same exact amounts the ijson paths give.
                yield f"line {number}", json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                yield f"line {number}", _BadLine(line.rstrip("\r\n"), str(exc))


def _rows(record: object, position: str) -> Iterator[SanctionRow | Rejected]:
    if not isinstance(record, dict):
        yield Rejected(position, raw_json(record), "record is not a JSON object")
        return
    try:
        parsed = from_v2(record) if is_v2(record) else from_v1(record)
    except ValueError as exc:
        yield Rejected(position, raw_json(record), str(exc))
        return
    if not parsed.name and not parsed.rfc:
        yield Rejected(position, raw_json(record), "record names no sanctioned party (name or RFC)")
        return
    identity = _identity(parsed)
    seen: dict[str, int] = {}
    for sanction in parsed.sanctions:
        # Two sanctions of one kind in one record (v2 lets tipoSancion repeat) get "#2", in
        # the record's own order, which does not depend on where the record sits in the file.
        seen[sanction.kind] = seen.get(sanction.kind, 0) + 1
        suffix = f"#{seen[sanction.kind]}" if seen[sanction.kind] > 1 else ""
        yield SanctionRow(
            registry=REGISTRY,
            source_key=f"{REGISTRY}:{identity}:{sanction.kind}{suffix}",
            case_number=parsed.case_number,
            name=parsed.name,
            rfc_raw=parsed.rfc,
            person_kind=parsed.person_kind,
            kind=sanction.kind,
            start_date=sanction.start,
            end_date=sanction.end,
            authority=parsed.authority,
            raw_status=sanction.raw_status,
            amount=sanction.amount,
            currency=sanction.currency,
            details={**parsed.details, "id": parsed.record_id, **sanction.details},
            position=position,
        )


def _identity(record: Record) -> str:
    # The record id is the spec's unique identifier; without one, the file number and the
    # party's RFC (or name) are what stays put between harvests.
    if record.record_id:
        return record.record_id
    who = key_part(record.rfc) or key_part(record.name)
    return f"{key_part(record.case_number)}:{who}"
