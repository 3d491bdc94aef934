"""Listing alerts and reviewing them: new -> confirmed | dismissed, with reviewer and note.

Dismissing an alert as "not the same firm" also records a `different` judgement between the
supplier and the sanctioned record, so the next link does not make that link again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from app.errors import BadRequest, NotFound
from app.store import alerts as stored
from app.store.engine import reading, transaction
from matching.judgements import record as judge
from matching.records import record_key

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}
DECISIONS = ("confirm", "dismiss")


def as_dict(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "severity": a.severity,
        "status": a.status,
        "ocid": a.ocid,
        "award_id": a.award_id,
        "award_kind": a.award_kind,
        "date": a.date.isoformat(),
        "date_basis": a.date_basis,
        "value": None if a.value_amount is None else float(a.value_amount),
        "currency": a.currency,
        "buyer": a.buyer_name,
        "supplier_name": a.supplier_name,
        "supplier_rfc": a.supplier_rfc,
        "supplier_key": a.supplier_key,
        "entity_id": a.entity_id,
        "sanction": a.sanction,
        "probability": None if a.probability is None else float(a.probability),
        "evidence": a.evidence,
        "sources": a.sources,
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "reviewer": a.reviewer,
        "review_note": a.review_note,
        "reviewed_at": a.reviewed_at.isoformat() if a.reviewed_at else None,
    }


def listing(
    engine: Engine,
    *,
    status: str | None = None,
    since: date | None = None,
    severity: str | None = None,
    buyer: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> Iterator[dict[str, Any]]:
    """Alerts, oldest first (or newest), filtered by status, creation day, minimum severity and
    words of the buyer's name (any case)."""
    allowed = None
    if severity:
        allowed = [s for s, rank in SEVERITY_RANK.items() if rank >= SEVERITY_RANK[severity]]
    with reading(engine) as conn:
        for row in stored.listing(
            conn=conn,
            status=status,
            since=since,
            severities=allowed,
            buyer=buyer,
            limit=limit,
            offset=offset,
            newest_first=newest_first,
        ):
            yield as_dict(row)


def review(
    engine: Engine,
    alert_id: int,
    *,
    decision: str,
    reviewer: str,
    note: str | None,
    not_same_firm: bool = False,
) -> dict[str, Any]:
    if decision not in DECISIONS:
        raise BadRequest(f"decision must be one of {', '.join(DECISIONS)}")
    if not_same_firm and decision != "dismiss":
        raise BadRequest("only a dismissal can say the supplier is not the sanctioned firm")
    with transaction(engine) as conn:
        alert = stored.get(conn=conn, alert_id=alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        stored.set_review(
            conn=conn,
            alert_id=alert_id,
            status="confirmed" if decision == "confirm" else "dismissed",
            reviewer=reviewer,
            note=note,
            at=datetime.now(UTC),
        )
        reviewed = stored.get(conn=conn, alert_id=alert_id)
    if not_same_firm:
        sanction_record = record_key("sanction", alert.sanction_key)
        judge(
            engine,
            "different",
            alert.supplier_key,
            sanction_record,
            author=reviewer,
            note=note or f"alert {alert_id} dismissed: not the same firm",
        )
    return as_dict(reviewed)
