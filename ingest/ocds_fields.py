"""Reading single OCDS fields defensively. Publishers put ints where strings belong, objects
where arrays belong, and "N/A" where numbers belong; these helpers turn a field into the type a
row needs, or raise `MalformedRelease` naming the field, so the caller quarantines the release
instead of crashing or silently storing nonsense."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from app.errors import BadData
from ingest.amounts import UnreadableAmount, amount_of
from ingest.rows import RAW_LIMIT, Address


class MalformedRelease(BadData, ValueError):
    """A release whose shape cannot be read; the message names the field."""


def raw_json(value: object) -> str:
    """The value as JSON for the quarantine table (Decimals from ijson become strings)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # circular or otherwise unserialisable: keep something
        text = repr(value)
    return text[:RAW_LIMIT]


def text(value: object, where: str) -> str | None:
    """A string field: numbers are stringified (INAI ids are ints), blank means absent.

    The text is kept as published (no stripping): normalisation happens later, and RFCs must
    reach matching/rfc.py exactly as the publisher wrote them."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise MalformedRelease(f"{where} is {_kind(value)}, expected text")


def text_at(value: object, where: str, field: str) -> str | None:
    """`text` for the slow cases, naming the field `where + field` only if it must complain.

    Hot paths test for the common case inline and call this for the rest:
    `v if v.__class__ is str and v.strip() else text_at(v, where, ".name")`."""
    if value is None:
        return None
    return text(value, where + field)


def obj(value: object, where: str) -> dict[str, Any] | None:
    """An object field; null means absent."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    raise MalformedRelease(f"{where} is {_kind(value)}, expected an object")


def objects(value: object, where: str) -> list[tuple[int, dict[str, Any]]]:
    """An array of objects with their indexes. Null is an empty array, null entries are skipped,
    and a lone object is read as a one-element array (INAI publishes additionalIdentifiers as
    an object): the meaning is clear in both cases. Anything else is malformed."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [(0, value)]
    if not isinstance(value, list):
        raise MalformedRelease(f"{where} is {_kind(value)}, expected an array of objects")
    found = []
    for index, entry in enumerate(value):
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise MalformedRelease(f"{where}[{index}] is {_kind(entry)}, expected an object")
        found.append((index, entry))
    return found


def amount(value: object, where: str) -> Decimal | None:
    """A monetary amount: numbers, or strings such as "1,234.50" and "$ 1 234" (the one rule of
    `ingest.amounts`)."""
    if value is not None and not isinstance(value, int | float | Decimal | str):
        raise MalformedRelease(f"{where} is {_kind(value)}, expected a number")
    try:
        return amount_of(value)
    except UnreadableAmount as error:
        shown = "a boolean" if isinstance(value, bool) else repr(value)
        raise MalformedRelease(f"{where} is {shown}, {error}") from None


def address(value: object, where: str) -> Address:
    found = obj(value, where)
    if found is None:
        return Address()
    # Inline fast path of `text` (most fields are plain strings): see text_at.
    get = found.get
    v = get("streetAddress")
    street = v if v.__class__ is str and v.strip() else text_at(v, where, ".streetAddress")
    v = get("locality")
    locality = v if v.__class__ is str and v.strip() else text_at(v, where, ".locality")
    v = get("region")
    region = v if v.__class__ is str and v.strip() else text_at(v, where, ".region")
    # INAI publishes postal codes as ints (4530 for 04530): kept as published, the
    # pipeline's normalisation decides about the lost leading zero.
    v = get("postalCode")
    postal_code = v if v.__class__ is str and v.strip() else text_at(v, where, ".postalCode")
    v = get("countryName")
    country = v if v.__class__ is str and v.strip() else text_at(v, where, ".countryName")
    return Address(street, locality, region, postal_code, country)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return f"a {type(value).__name__}"
