"""Data extension (Reconciliation Service API 0.2; OpenRefine's "Add columns from reconciled
values"): for firms already reconciled, the columns an auditor adds to the spreadsheet: the
firm's RFCs, its verdict on a given day, its sanctions, how many awards it won, its page.

Values take the protocol's shapes ({"str": ...}, {"int": ...}, {} for none). Sanction days are
sent as strings (2026-06-10): the protocol's `date` is a date-time, and midnight in some zone
would invent an instant the registries never published. The five sanction columns are parallel
lists, one value per sanction in the same order and {} for an open end, so OpenRefine lays each
sanction on its own row of the firm's record. The page URL carries no key: a spreadsheet travels
further than a key should. Plain data in and out; HTTP lives in `app/routes/reconcile.py`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import Connection, Engine

from app.errors import BadRequest
from app.store import firms
from app.store.engine import reading
from matching.award_dates import award_keys
from matching.features import postal
from matching.firm_types import TYPES
from matching.protocol import Column, Extended, PropertyOut, Proposal
from matching.score import sanctions
from matching.verdict import SanctionFact, severity

MAX_IDS = 1000
ON = "on"  # the one property setting: the day the verdict is for


@dataclass(frozen=True, slots=True)
class Property:
    id: str
    name: str
    description: str


PROPERTIES = (
    Property("name", "Name", "The firm's name as most of its records publish it."),
    Property("rfc", "RFC (tax id)", "Every RFC the firm's records carry, one per row."),
    Property("postal_code", "Postal code", "Every postal code the firm's records give."),
    Property(
        "verdict",
        "Verdict",
        "barred, warning or clear on the day set in 'Verdict on' (today when empty), by the "
        "supplier check's rules.",
    ),
    Property("sanction_registry", "Sanction: registry", "sfp, sat-69b or pdn-s3, per sanction."),
    Property("sanction_kind", "Sanction: kind", "debarment, fine, efos_definitivo, ..."),
    Property("sanction_start", "Sanction: start", "Its first day, as 2026-06-10."),
    Property("sanction_end", "Sanction: end", "Its last day; empty while open-ended."),
    Property("sanction_status", "Sanction: status", "active, or withdrawn by its registry."),
    Property(
        "awards", "Number of awards", "Awards the firm won (an award and its contract are one)."
    ),
    Property("url", "Testigo page", "The firm's page in Testigo (signing in opens it)."),
)
_BY_ID = {p.id: p for p in PROPERTIES}
SETTINGS = (
    {
        "name": ON,
        "label": "Verdict on",
        "type": "text",
        "default": "",
        "help_text": "For the verdict: the award date it is for, as 2026-11-24; empty for today.",
    },
)


class ExtensionError(BadRequest, ValueError):
    """A data extension query that cannot be answered; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Wanted:
    id: str
    on: date | None = None  # the verdict's day


@dataclass(frozen=True, slots=True)
class Extension:
    ids: tuple[str, ...]
    properties: tuple[Wanted, ...]


def propose(type_id: str, limit: int | None = None) -> Proposal:
    """The properties to offer for firms of `type_id` (all of them for any of the service's
    types, or for no type), at most `limit` (`limit` stays None, and out of the answer, when
    none was asked)."""
    known = not type_id or type_id in {t["id"] for t in TYPES}
    found = [PropertyOut(id=p.id, name=p.name, description=p.description) for p in PROPERTIES]
    return Proposal(type=type_id, properties=found[:limit] if known else [], limit=limit)


def parse(query: Any, *, today: date) -> Extension:
    """An `extend` query ({"ids": [...], "properties": [{"id", "settings"}]}) as an Extension;
    raises ExtensionError naming what is wrong."""
    shape = 'extend must be a JSON object {"ids": [...], "properties": [{"id": ...}]}'
    if not isinstance(query, dict):
        raise ExtensionError(shape)
    ids, asked = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ExtensionError("extend: ids must be a list of firm ids (strings)")
    if len(ids) > MAX_IDS:
        raise ExtensionError(f"extend: {len(ids)} ids: send at most {MAX_IDS} per request")
    if not isinstance(asked, list) or not asked:
        raise ExtensionError(shape)
    wanted: list[Wanted] = []
    for item in asked:
        pid = item.get("id") if isinstance(item, dict) else None
        if pid not in _BY_ID:
            known = ", ".join(_BY_ID)
            raise ExtensionError(f"extend: unknown property {pid!r}; the properties are {known}")
        if any(w.id == pid for w in wanted):
            raise ExtensionError(f"extend: property {pid!r} is asked twice")
        settings = item.get("settings") or {}
        if not isinstance(settings, dict):
            raise ExtensionError(f"extend: the settings of {pid!r} must be an object")
        wanted.append(Wanted(pid, _day(settings.get(ON), today) if pid == "verdict" else None))
    return Extension(tuple(ids), tuple(wanted))


def _day(value: Any, today: date) -> date:
    text = str(value).strip() if value is not None else ""
    if not text:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ExtensionError(
            f"extend: 'Verdict on' must be a date like 2026-11-24, not {text[:40]!r}"
        ) from exc


def extend(engine: Engine, wanted: Extension, *, base: str) -> Extended:
    """The data extension response: `meta` (a column per property) and `rows` (for each id
    asked, each property's values; none for an id that names no firm). `base` is the site's URL,
    for the page links."""
    asked = {w.id for w in wanted.properties}
    needs_sanctions = "verdict" in asked or any(a.startswith("sanction_") for a in asked)
    with reading(engine) as conn:
        known = firms.named(set(wanted.ids), conn=conn)
        listed = sanctions(known, conn=conn) if needs_sanctions and known else {}
        counted = award_counts(known, conn=conn) if "awards" in asked else {}
        codes = postal_codes(known, conn=conn) if "postal_code" in asked else {}
    rows: dict[str, dict[str, list[dict[str, str | int]]]] = {}
    for firm in wanted.ids:
        if firm not in known:
            rows[firm] = {w.id: [] for w in wanted.properties}
            continue
        name, rfcs = known[firm]
        facts = listed.get(firm, [])
        rows[firm] = {
            w.id: (
                [_text(v) for v in codes.get(firm, [])]
                if w.id == "postal_code"
                else _values(w, firm, name, rfcs, facts, counted.get(firm, 0), base)
            )
            for w in wanted.properties
        }
    meta = [
        Column(id=w.id, name=f"Verdict on {w.on.isoformat()}" if w.on else _BY_ID[w.id].name)
        for w in wanted.properties
    ]
    return Extended(meta=meta, rows=rows)


def _text(value: str | None) -> dict[str, str | int]:
    return {"str": value} if value else {}


def _values(
    wanted: Wanted,
    firm: str,
    name: str | None,
    rfcs: str | None,
    facts: Sequence[SanctionFact],
    awards: int,
    base: str,
) -> list[dict[str, str | int]]:
    match wanted.id:
        case "name":
            return [_text(name)] if name else []
        case "rfc":
            return [_text(v) for v in (rfcs or "").split()]
        case "verdict":
            assert wanted.on is not None  # parse() sets it
            return [_text(severity(facts, wanted.on))]
        case "sanction_registry":
            return [_text(f.registry) for f in facts]
        case "sanction_kind":
            return [_text(f.kind) for f in facts]
        case "sanction_start":
            return [_text(f.start.isoformat() if f.start else None) for f in facts]
        case "sanction_end":
            return [_text(f.end.isoformat() if f.end else None) for f in facts]
        case "sanction_status":
            return [_text(f.status) for f in facts]
        case "awards":
            return [{"int": awards}]
        case "url":
            return [_text(f"{base}/firms/{quote(firm, safe='')}")]
    raise AssertionError(f"no values for {wanted.id!r}")  # parse() admits known ids only


class _AwardRow(NamedTuple):
    ocid: str
    kind: str
    item_id: str
    award_id: str | None


def award_counts(entity_ids: Collection[str], *, conn: Connection) -> dict[str, int]:
    """How many awards each firm won, an award and its contract counted once."""
    processes: dict[tuple[str, str], list[_AwardRow]] = defaultdict(list)
    for entity, ocid, kind, item_id, award_id in firms.awards_of(entity_ids, conn=conn):
        processes[(entity, ocid)].append(_AwardRow(ocid, kind, item_id, award_id))
    keys: defaultdict[str, set[str]] = defaultdict(set)
    for (entity, _), rows in processes.items():
        keys[entity].update(key for _, key in award_keys(rows))
    return {entity: len(found) for entity, found in keys.items()}


def postal_codes(entity_ids: Collection[str], *, conn: Connection) -> dict[str, list[str]]:
    """The postal codes each firm's OCDS parties and register entries give, normalised as the
    model compares them, sorted."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for entity, raw in firms.postal_codes_of(entity_ids, conn=conn):
        code = postal(raw)
        if code:
            found[entity].add(code)
    return {entity: sorted(codes) for entity, codes in found.items()}
