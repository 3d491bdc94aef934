"""Finding the releases inside an OCDS file without loading it whole (a federal bulk file is
hundreds of MB).

Containers: a single release, a release package, a record package, a single record (the cdmx
and airport "records" files: compiledRelease + releases + versionedRelease, no package), a
JSON array of any of these, and JSON Lines (one release, record or package per line). Files may
be gzipped (detected by magic bytes, whatever the name says).

A JSON object's kind depends on which top-level keys it has, and keys may come in any order, so
pass 1 streams `ijson.parse` events and collects only the top-level keys, stopping as soon as
they settle the kind (package metadata usually precedes "releases", so pass 1 rarely reads the
releases), and pass 2 re-opens the file and streams the right items with `ijson.items`.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from enum import Enum
from itertools import filterfalse
from operator import itemgetter
from pathlib import Path

import ijson

from ingest.ocds_fields import raw_json
from ingest.ocds_records import Candidate, record_releases
from ingest.rows import RAW_LIMIT, Rejected, UnreadableSource

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_LINES_SUFFIXES = (".jsonl", ".ndjson")
# Sniffing JSON Lines reads the first line; a longer one is left to pass 1 to judge.
_FIRST_LINE_LIMIT = 16 * 1024 * 1024
# Keys that settle the kind of a top-level object on their own: pass 1 may stop there.
_DECISIVE_KEYS = frozenset({"records", "compiledRelease", "versionedRelease"})
# Package metadata that a record never has (unlike "publisher", which the cdmx and airport
# record files carry): with "releases" they settle a release package. Publishers usually
# write them before "releases", so pass 1 then ends without reading the releases.
_PACKAGE_ONLY_KEYS = frozenset(
    {"uri", "publishedDate", "extensions", "license", "publicationPolicy"}
)
# What reading a broken or unreadable file raises (gzip's BadGzipFile is an OSError).
_READ_ERRORS = (ijson.JSONError, UnicodeDecodeError, OSError, EOFError, zlib.error)


class Container(Enum):
    RELEASE = "single release"
    RELEASE_PACKAGE = "release package"
    RECORD_PACKAGE = "record package"
    RECORD = "single record"
    ARRAY = "JSON array"
    LINES = "JSON Lines file"


def candidates(path: Path) -> Iterator[Candidate | Rejected]:
    """(position, release) for every release in the file, and `Rejected` for what cannot be one.

    Raises `UnreadableSource` when the file as a whole is broken (truncated JSON, bad gzip)."""
    try:
        container = detect(path)
    except _READ_ERRORS as exc:
        raise UnreadableSource(f"{path.name}: cannot read it as JSON: {exc}") from exc
    last = "the start"
    try:
        for found in _STREAMERS[container](path):
            last = found.position if isinstance(found, Rejected) else found[0]
            yield found
    except _READ_ERRORS as exc:
        raise UnreadableSource(
            f"{path.name}: broken {container.value} after {last}: {exc}"
        ) from exc


@contextmanager
def open_ocds(path: Path) -> Iterator[io.BufferedIOBase]:
    """The file's bytes, gunzipped when it starts with the gzip magic, without a UTF-8 BOM."""
    with ExitStack() as stack:
        raw = stack.enter_context(path.open("rb"))
        stream: io.BufferedIOBase = raw
        if raw.read(2) == _GZIP_MAGIC:
            stream = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
        raw.seek(0)
        if stream.read(3) != _BOM:  # yajl rejects a BOM
            stream.seek(0)
        yield stream


def detect(path: Path) -> Container:
    if path.name.lower().removesuffix(".gz").endswith(_LINES_SUFFIXES):
        return Container.LINES
    with open_ocds(path) as stream:
        first = _first_byte(stream)
    if not first:
        raise UnreadableSource(f"{path.name}: the file is empty")
    if first == b"[":
        return Container.ARRAY
    if first != b"{":
        raise UnreadableSource(f"{path.name}: not JSON (it starts with {first!r})")
    if _looks_like_lines(path):
        return Container.LINES
    keys, several_values = _top_level_keys(path)
    return Container.LINES if several_values else kind_of(keys)


def kind_of(keys: Collection[str]) -> Container:
    """What an object is, by its keys. A record has compiledRelease/versionedRelease, or
    releases together with its ocid; a package has releases or records and no ocid."""
    if "records" in keys:
        return Container.RECORD_PACKAGE
    if "compiledRelease" in keys or "versionedRelease" in keys:
        return Container.RECORD
    if "releases" in keys:
        return Container.RECORD if "ocid" in keys else Container.RELEASE_PACKAGE
    return Container.RELEASE


def _first_byte(stream: io.BufferedIOBase) -> bytes:
    while chunk := stream.read(64 * 1024):
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            return stripped[:1]
    return b""


def _looks_like_lines(path: Path) -> bool:
    """The first line is a whole JSON value and the next non-blank line opens another object."""
    with open_ocds(path) as stream:
        first = stream.readline(_FIRST_LINE_LIMIT)
        if not first.endswith(b"\n"):
            return False
        try:
            json.loads(first)
        except ValueError:
            return False
        while (byte := stream.read(1)) and byte in _WHITESPACE:
            pass
        return byte == b"{"


def _top_level_keys(path: Path) -> tuple[frozenset[str], bool]:
    """Pass 1: the top-level object's keys (until they settle its kind), and whether another
    JSON value follows it."""
    keys: set[str] = set()
    ended = False
    with open_ocds(path) as stream:
        # Only top-level events matter (their prefix is ""); filtering in C halves the time.
        events = filterfalse(itemgetter(0), ijson.parse(stream, multiple_values=True))
        for _, event, value in events:
            if ended:
                return frozenset(keys), True
            if event == "map_key":
                keys.add(value)
                if _settled(keys):
                    break
            elif event == "end_map":
                ended = True
    return frozenset(keys), False


def _settled(keys: set[str]) -> bool:
    if not keys.isdisjoint(_DECISIVE_KEYS):
        return True
    return "releases" in keys and ("ocid" in keys or not keys.isdisjoint(_PACKAGE_ONLY_KEYS))


def _single_release(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for release in ijson.items(stream, ""):  # a single release is small by nature
            yield "release", release


def _release_package(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for index, release in enumerate(ijson.items(stream, "releases.item")):
            yield f"releases[{index}]", release


def _record_package(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for index, record in enumerate(ijson.items(stream, "records.item")):
            yield from record_releases(record, f"records[{index}]")


def _single_record(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for record in ijson.items(stream, ""):  # one contracting process: small by nature
            yield from record_releases(record, "record")


def _array(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for index, value in enumerate(ijson.items(stream, "item")):
            yield from _dispatch(value, f"[{index}]")


# Decimals, as ijson gives. One decoder for all lines: json.loads(..., parse_float=...) would
# build a new one per line.
_DECODER = json.JSONDecoder(parse_float=Decimal)


def _loads(line: bytes) -> object:
    """json.loads(line, parse_float=Decimal), reusing one decoder."""
    return _DECODER.decode(line.decode(json.detect_encoding(line), "surrogatepass"))


def _lines(path: Path) -> Iterator[Candidate | Rejected]:
    with open_ocds(path) as stream:
        for number, line in enumerate(stream, 1):
            if not line or line.isspace():  # blank: without copying the line as strip() would
                continue
            try:
                value = _loads(line)
            except ValueError as exc:  # also UnicodeDecodeError
                raw = line.decode("utf-8", "replace")[:RAW_LIMIT]
                yield Rejected(f"line {number}", raw, f"invalid JSON on this line: {exc}")
                continue
            yield from _dispatch(value, f"line {number}")


_STREAMERS: dict[Container, Callable[[Path], Iterator[Candidate | Rejected]]] = {
    Container.RELEASE: _single_release,
    Container.RELEASE_PACKAGE: _release_package,
    Container.RECORD_PACKAGE: _record_package,
    Container.RECORD: _single_record,
    Container.ARRAY: _array,
    Container.LINES: _lines,
}


def _dispatch(value: object, base: str) -> Iterator[Candidate | Rejected]:
    """A value already in memory (an array element, a JSON line): release, record or package."""
    if not isinstance(value, dict):
        reason = f"expected an OCDS release, record or package object, found {type(value).__name__}"
        yield Rejected(base, raw_json(value), reason)
        return
    kind = kind_of(value.keys())
    if kind is Container.RECORD:
        yield from record_releases(value, base)
        return
    if kind is Container.RELEASE:
        yield base, value
        return
    key = "records" if kind is Container.RECORD_PACKAGE else "releases"
    entries = value[key]
    if not isinstance(entries, list):
        yield Rejected(base, raw_json(value), f"the package's {key} is not an array")
        return
    for index, entry in enumerate(entries):
        if kind is Container.RECORD_PACKAGE:
            yield from record_releases(entry, f"{base}.records[{index}]")
        else:
            yield f"{base}.releases[{index}]", entry
