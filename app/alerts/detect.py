"""`testigo alerts scan`: awards won by firms that were sanctioned on the award's date.

The supplier of every award or contract resolves (through its party record) to a firm; the
firm's sanctions are checked against the award date, else the contract's signature date, else
the start of its period. One alert per (award, sanction), however many scans run; a relink that
moves records updates open alerts in place; alerts are never deleted."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any

import structlog
from sqlalchemy import Connection, Engine

from app.store import alert_scan, link_history
from app.store import alerts as stored
from app.store.engine import transaction
from matching import guards, sanction_facts
from matching.award_dates import award_keys, day_of
from matching.cluster import NOT_FROM_NAME
from matching.records import record_key
from matching.verdict import ALERTING_KINDS, HIGH, LOW, MEDIUM, SanctionFact, alert_level

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class ScanSummary:
    awards_checked: int = 0
    candidates: int = 0
    alerts_new: int = 0
    alerts_updated: int = 0
    alerts_unchanged: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _sanctions_by_entity(conn: Connection) -> dict[str, list[SanctionFact]]:
    """The sanctions that can raise an alert (`verdict.ALERTING_KINDS`), by firm."""
    rows = alert_scan.sanctions_with_firms(
        conn=conn, columns=sanction_facts.COLUMNS, kinds=ALERTING_KINDS
    )
    return sanction_facts.by_entity(rows)


def _review_links(conn: Connection) -> dict[str, list[tuple[str, float, Any]]]:
    """Party record -> (entity of the other side, probability, evidence) for the links waiting
    for a person, but those a person judged `different`: the review is done, and it said no.
    Waiting are the review-band links and those refused only because a record's RFC cannot
    come from its name (one company RFC per firm): an award filed under a wrong RFC, kept out
    of the debarred firm its name matches, must not slip past the scan."""
    other_entity = alert_scan.firm_of_records(conn=conn)
    latest = link_history.judgements(conn=conn).latest
    different = {pair for pair, decision in latest.items() if decision == "different"}
    out: dict[str, list[tuple[str, float, Any]]] = defaultdict(list)
    waiting = chain(
        alert_scan.links(conn=conn, status="review"),
        alert_scan.held_for_a_person(conn=conn, marker=NOT_FROM_NAME),
    )
    for a, b, p, evidence in waiting:
        if ((a, b) if a < b else (b, a)) in different:
            continue
        for party, other in ((a, b), (b, a)):
            if party.startswith("party:") and other in other_entity:
                out[party].append((other_entity[other], float(p), evidence))
    return dict(out)


def _strongest_evidence(conn: Connection, keys: set[str]) -> dict[str, Any]:
    best: dict[str, tuple[float, Any]] = {}
    keys_list = sorted(keys)
    for start in range(0, len(keys_list), 2000):
        chunk = keys_list[start : start + 2000]
        for a, b, p, evidence in alert_scan.linked_touching(conn=conn, keys=chunk):
            for key in (a, b):
                if key in keys and float(p) > best.get(key, (-1.0, None))[0]:
                    best[key] = (float(p), evidence)
    return {k: v[1] for k, v in best.items()}


@dataclass(slots=True)
class _Row:
    award_pk: int
    ocid: str
    kind: str
    item_id: str
    award_id: str | None
    date: dt.date | None
    date_signed: dt.date | None
    period_start: dt.date | None
    value: Any
    currency: str | None
    buyer: str | None
    source_file: str
    retrieved_at: datetime | None
    party_key: str
    supplier_name: str | None
    supplier_rfc: str | None
    entity_id: str | None
    probability: float | None


def _award_rows(conn: Connection, wanted_parties: set[str] | None) -> Iterator[_Row]:
    for row in alert_scan.award_suppliers(conn=conn):
        yield _Row(*row)


def scan(engine: Engine, *, now: datetime | None = None) -> ScanSummary:
    started = time.perf_counter()
    summary = ScanSummary()
    now = now or datetime.now(UTC)
    with transaction(engine) as conn:
        sanctioned = _sanctions_by_entity(conn)
        review = _review_links(conn)
        by_process: dict[tuple[str, str], list[_Row]] = defaultdict(list)
        for row in _award_rows(conn, None):
            summary.awards_checked += 1
            key = record_key("party", row.party_key)
            if (row.entity_id in sanctioned) or key in review:
                by_process[(row.ocid, key)].append(row)
        groups: dict[tuple[str, str], list[_Row]] = defaultdict(list)
        for (_, key), rows_of_process in by_process.items():
            for row, award_key in award_keys(rows_of_process):
                groups[(award_key, key)].append(row)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        parties = {party for _, party in groups}
        evidence_of = _strongest_evidence(conn, parties)
        for (award_key, party), rows in groups.items():
            chosen = day_of(rows)
            if chosen is None:
                continue
            on, basis, row = chosen
            options: list[tuple[str | None, float | None, Any, bool]] = []
            if row.entity_id in sanctioned:
                options.append((row.entity_id, row.probability, evidence_of.get(party), True))
            # A review link held only because one company RFC sits beside unrelated names
            # still names one taxpayer: its sanctions alert as a linked firm's would (a 69-B
            # shell firm reappearing under a new name keeps its RFC).
            options.extend(
                (entity, p, ev, guards.identifies_by_rfc(ev or []))
                for entity, p, ev in review.get(party, [])
            )
            for entity, p, ev, linked in options:
                for sanction in sanctioned.get(entity or "", []):
                    level = alert_level(sanction, on, linked=linked)
                    if level is None:
                        continue
                    summary.candidates += 1
                    pair = (award_key, sanction.source_key)
                    current = found.get(pair)
                    rank = {HIGH: 3, MEDIUM: 2, LOW: 1}[level]
                    if current is not None and current["_rank"] >= rank:
                        continue
                    found[pair] = _alert_values(
                        award_key, sanction, level, rank, entity, p, ev, on, basis, row, now
                    )
        _store(conn, found, summary, now)
    summary.seconds = round(time.perf_counter() - started, 2)
    log.info("alerts.scan", **asdict(summary))
    return summary


def _alert_values(
    award_key: str,
    sanction: SanctionFact,
    level: str,
    rank: int,
    entity: str | None,
    probability: float | None,
    evidence: Any,
    on: date,
    basis: str,
    row: _Row,
    now: datetime,
) -> dict[str, Any]:
    return {
        "_rank": rank,
        "award_key": award_key,
        "sanction_key": sanction.source_key,
        "severity": level,
        "entity_id": entity,
        "probability": probability if probability is not None else 1.0,
        "evidence": evidence or [],
        "ocid": row.ocid,
        "award_id": row.item_id,
        "award_kind": row.kind,
        "date": on,
        "date_basis": basis,
        "value_amount": row.value,
        "currency": row.currency,
        "buyer_name": row.buyer,
        "supplier_name": row.supplier_name,
        "supplier_rfc": row.supplier_rfc,
        "supplier_key": record_key("party", row.party_key),
        "sanction": sanction.as_dict(),
        "sources": [
            {
                "what": "award",
                "file": row.source_file,
                "retrieved_at": row.retrieved_at.isoformat() if row.retrieved_at else None,
            },
            {
                "what": "sanction",
                "file": sanction.source_file,
                "retrieved_at": sanction.retrieved_at.isoformat()
                if sanction.retrieved_at
                else None,
            },
        ],
    }


_COMPARED = ("severity", "entity_id", "probability", "date", "date_basis", "supplier_key")


def _store(
    conn: Connection,
    found: dict[tuple[str, str], dict[str, Any]],
    summary: ScanSummary,
    now: datetime,
) -> None:
    existing = {
        (r.award_key, r.sanction_key): r for r in stored.existing(conn=conn, compared=_COMPARED)
    }
    inserts = []
    for pair, values in found.items():
        values.pop("_rank")
        summary.by_severity[values["severity"]] = summary.by_severity.get(values["severity"], 0) + 1
        old = existing.get(pair)
        if old is None:
            inserts.append({**values, "status": "new", "created_at": now, "updated_at": now})
            continue
        same = all(
            getattr(old, c) == values[c]
            or (
                c == "probability"
                and old.probability is not None
                and abs(float(old.probability) - values[c]) < 1e-9
            )
            for c in _COMPARED
        )
        if same or old.status != "new":
            # Reviewed alerts keep what the reviewer saw; only open ones follow a relink.
            summary.alerts_unchanged += 1
            continue
        stored.update_open(conn=conn, alert_id=old.id, values={**values, "updated_at": now})
        summary.alerts_updated += 1
    stored.add(conn=conn, rows=inserts)
    summary.alerts_new = len(inserts)
