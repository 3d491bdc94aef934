"""Readers for supplier registers: who is registered to sell to government.

Both readers stream (the file is never held in memory) and yield `SupplierEntryRow` or
`Rejected`; a whole file that cannot be read raises `UnreadableSource`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import ijson

from ingest.rows import Address, Rejected, SupplierEntryRow, UnreadableSource
from matching.rfc import best, normalise

CDMX_SEFIN = "cdmx-sefin"
MAPPING_FIELDS = ("name", "rfc", "id", "street", "locality", "region", "postal_code")
_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 20


def _text(value: object) -> str | None:
    """Stripped, internal runs of whitespace collapsed (CDMX pads and glues fields)."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _stripped(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _postal_code(value: object) -> str | None:
    code = _text(value)
    # Spreadsheets drop the leading zero of Mexico City codes (01000-16999).
    if code is not None and code.isdigit() and len(code) == 4:
        return code.zfill(5)
    return code


class _Keys:
    """Makes source keys unique within one file, in file order ("key", "key#2", ...)."""

    def __init__(self, register: str) -> None:
        self.register = register
        self.seen: Counter[str] = Counter()

    def key(self, register_id: str | None, rfc_raw: str | None, name: str | None) -> str:
        rfc = best(rfc_raw)
        if register_id:
            key = f"{self.register}:{register_id}"
        elif rfc is not None and rfc.usable:
            # Only usable RFCs: a generic RFC is shared by unrelated suppliers.
            key = f"{self.register}:rfc:{rfc.value}"
        elif name:
            key = f"{self.register}:name:{' '.join(name.upper().split())}"
        else:
            key = f"{self.register}:rfc:{normalise(rfc_raw or '')}"
        self.seen[key] += 1
        count = self.seen[key]
        return key if count == 1 else f"{key}#{count}"


def _entry(
    keys: _Keys,
    fields: Mapping[str, object],
    name: str | None,
    rfc_raw: str | None,
    position: str,
) -> SupplierEntryRow:
    """An entry from its register id and address `fields` under our names (`id`, `street`,
    `locality`, `region`, `postal_code`, `country`): keyed and cleaned the same whatever the
    file's format."""
    register_id = _text(fields.get("id"))
    return SupplierEntryRow(
        register=keys.register,
        register_id=register_id,
        source_key=keys.key(register_id, rfc_raw, name),
        name=name,
        rfc_raw=rfc_raw,
        address=Address(
            street=_text(fields.get("street")),
            locality=_text(fields.get("locality")),
            region=_text(fields.get("region")),
            postal_code=_postal_code(fields.get("postal_code")),
            country=_text(fields.get("country")),
        ),
        position=position,
    )


# --- Mexico City SEFIN (JSON) -------------------------------------------------------------------


def read_cdmx_sefin(path: Path) -> Iterator[SupplierEntryRow | Rejected]:
    """The CDMX SEFIN supplier list: a JSON array of {"proveedor": {...}}."""
    keys = _Keys(CDMX_SEFIN)
    with path.open("rb") as stream:
        _skip_to_array(stream, path)
        index = -1
        try:
            for index, item in enumerate(ijson.items(stream, "item")):
                yield _cdmx_row(item, f"item {index}", keys)
        except ijson.JSONError as exc:
            raise UnreadableSource(f"{path}: broken JSON after item {index}: {exc}") from exc


def _skip_to_array(stream: io.BufferedReader, path: Path) -> None:
    # ijson.items(..., "item") silently yields nothing for an object: fail loudly instead.
    head = stream.read(_SNIFF_BYTES)
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if not head[start:].lstrip().startswith(b"["):
        raise UnreadableSource(f"{path}: expected a JSON array of suppliers")
    stream.seek(start)


# Our address fields, by the name the SEFIN JSON gives them.
_CDMX_ADDRESS = {
    "street": "streetAddress",
    "locality": "locality",
    "region": "region",
    "postal_code": "postalCode",
    "country": "countryName",
}


def _cdmx_row(item: Any, position: str, keys: _Keys) -> SupplierEntryRow | Rejected:
    supplier = item.get("proveedor") if isinstance(item, dict) else None
    if not isinstance(supplier, dict):
        return Rejected(position, _dump(item), "no 'proveedor' object")
    name = _text(supplier.get("razonSocial"))
    rfc_raw = _stripped(supplier.get("rfc"))
    if name is None and rfc_raw is None:
        return Rejected(position, _dump(item), "neither a name nor an RFC")
    address = supplier.get("address")
    address = address if isinstance(address, dict) else {}
    fields = {ours: address.get(theirs) for ours, theirs in _CDMX_ADDRESS.items()}
    return _entry(keys, {**fields, "id": supplier.get("id")}, name, rfc_raw, position)


def _dump(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)


# --- CSV registers ------------------------------------------------------------------------------


def parse_mapping(text: str) -> dict[str, str]:
    """ "name=Proveedor o contratista,rfc=RFC" -> {"name": ..., "rfc": ...}."""
    mapping: dict[str, str] = {}
    for entry in text.split(","):
        if not entry.strip():
            continue
        field, equals, column = (part.strip() for part in entry.partition("="))
        if not equals or not field or not column:
            raise ValueError(f"bad mapping entry {entry.strip()!r}: expected field=Column header")
        if field in mapping:
            raise ValueError(f"field {field!r} is mapped twice")
        mapping[field] = column
    _check_mapping(mapping)
    return mapping


def _check_mapping(mapping: Mapping[str, str]) -> None:
    unknown = sorted(set(mapping) - set(MAPPING_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {unknown} in mapping; known: {list(MAPPING_FIELDS)}")
    if not mapping.get("name"):
        raise ValueError("the mapping must name the column holding the supplier name (name=...)")


def read_csv_register(
    path: Path, mapping: dict[str, str], *, register: str, encoding: str | None = None
) -> Iterator[SupplierEntryRow | Rejected]:
    """A supplier register as CSV; `mapping` maps MAPPING_FIELDS to the file's column headers."""
    _check_mapping(mapping)  # a bad mapping is the caller's error: raise now, not on first row
    return _read_csv(path, dict(mapping), register, encoding)


def _read_csv(
    path: Path, mapping: dict[str, str], register: str, encoding: str | None
) -> Iterator[SupplierEntryRow | Rejected]:
    encoding = encoding or _detect_encoding(path)
    keys = _Keys(register)
    try:
        # newline="" lets csv handle quoted line breaks and count physical lines.
        with path.open(encoding=encoding, newline="") as stream:
            delimiter = _sniff_delimiter(stream.read(_SNIFF_BYTES))
            stream.seek(0)
            reader = csv.reader(stream, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise UnreadableSource(f"{path}: empty file, no header")
            columns = _resolve_columns(header, mapping, path)
            absent = _absent(mapping)
            last_line = reader.line_num
            for row in reader:
                position, last_line = f"line {last_line + 1}", reader.line_num
                if any(cell.strip() for cell in row):  # Excel leaves rows of bare delimiters
                    entry = _csv_row(row, len(header), columns, delimiter, position, keys)
                    if absent and isinstance(entry, SupplierEntryRow):
                        entry.absent = absent
                    yield entry
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"{path}: not valid {encoding}: {exc}") from exc
    except csv.Error as exc:
        raise UnreadableSource(f"{path}: broken CSV: {exc}") from exc


# A mapping field the file does not have, as the SupplierEntryRow field the store must keep.
_ROW_FIELD = {
    "rfc": "rfc_raw",
    "id": "register_id",
    **{part: f"address.{part}" for part in ("street", "locality", "region", "postal_code")},
}


def _absent(mapping: dict[str, str]) -> frozenset[str]:
    """What a register file with this mapping does not publish: a later file that lacks the
    RFC or address columns must not erase what an earlier one said (name is always mapped)."""
    return frozenset(field for source, field in _ROW_FIELD.items() if source not in mapping)


def _csv_row(
    row: list[str],
    width: int,
    columns: dict[str, int],
    delimiter: str,
    position: str,
    keys: _Keys,
) -> SupplierEntryRow | Rejected:
    if len(row) != width:
        return Rejected(position, _join(row, delimiter), f"{len(row)} columns, header has {width}")
    values = {field: row[index] for field, index in columns.items()}
    name = _text(values.get("name"))
    if name is None:
        return Rejected(position, _join(row, delimiter), "empty name")
    return _entry(keys, values, name, _stripped(values.get("rfc")), position)


def _join(row: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return out.getvalue()


def _detect_encoding(path: Path) -> str:
    # Decode the whole file before yielding anything: a cp1252 byte can sit on the last line.
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableSource(f"{path}: neither UTF-8 nor cp1252 text")


def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:20]
    header = lines[0] if lines else ""
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if not delimiter or delimiter not in header:
        # The header line is the cleanest evidence: column names rarely hold delimiters.
        delimiter = max(_DELIMITERS, key=header.count)
    return delimiter


def _header_key(column: str) -> str:
    return " ".join(unicodedata.normalize("NFC", column.replace("\ufeff", "")).split()).casefold()


def _resolve_columns(header: list[str], mapping: dict[str, str], path: Path) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, column in enumerate(header):
        positions.setdefault(_header_key(column), index)
    missing = [
        f"{field}={column!r}"
        for field, column in mapping.items()
        if _header_key(column) not in positions
    ]
    if missing:
        available = ", ".join(repr(column) for column in header)
        raise UnreadableSource(
            f"{path}: mapped column(s) not in the header: {', '.join(missing)}; "
            f"available columns: {available}"
        )
    return {field: positions[_header_key(column)] for field, column in mapping.items()}
