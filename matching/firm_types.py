"""The types of the reconciliation service: every resolved firm is a `firm`; one whose RFC is a
company's (persona moral, 12 characters) is also a `company`, one whose RFC is a person's
(persona física, 13 characters) also a `person`. The SAT's RFC says which a taxpayer is, so the
type is read from the firm's RFCs (`rfc.parse`), never guessed from a name; a firm with no RFC
is a `firm` only. A firm with both kinds of RFC (a person and their company, merged) is both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matching import rfc

FIRM = {"id": "firm", "name": "Resolved firm"}
COMPANY = {"id": "company", "name": "Company (persona moral)"}
PERSON = {"id": "person", "name": "Individual (persona física)"}
TYPES = (FIRM, COMPANY, PERSON)
_OF_KIND = {rfc.RfcKind.COMPANY: COMPANY, rfc.RfcKind.PERSON: PERSON}
STRICTNESS = ("any", "all", "should")


def described(kind: dict[str, str]) -> dict[str, Any]:
    """A type as the type suggest lists it: the narrower types name `firm` as broader."""
    return {**kind, "broader": [dict(FIRM)]} if kind is not FIRM else dict(kind)


def types_of(rfcs: str | None) -> list[dict[str, str]]:
    """The types of a firm whose normalised RFCs are `rfcs` (space-separated)."""
    found = [dict(FIRM)]
    for kind in (COMPANY, PERSON):
        if any(_OF_KIND.get(rfc.parse(v).kind) is kind for v in (rfcs or "").split()):
            found.append(dict(kind))
    return found


def passes(types: Sequence[dict[str, str]], wanted: Sequence[str], strict: str) -> bool:
    """Whether a firm of `types` answers a query for the `wanted` type ids: all of them for
    type_strict "all", else any of them. The protocol leaves "should" to the service; it filters
    here as "any" does, because OpenRefine sends "should" with every typed query, and a user who
    picked *Company* wants companies."""
    if not wanted:
        return True
    have = {t["id"] for t in types}
    if strict == "all":
        return set(wanted) <= have
    return bool(have & set(wanted))
