"""Listing alerts and reviewing them: new -> confirmed | dismissed, with reviewer and note.

Dismissing an alert as "not the same firm" also records a `different` judgement between the
supplier and the sanctioned record, so the next link does not make that link again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from app.errors import BadRequest, NotFound
from app.store.tables import Alert
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
    query = select(Alert).order_by(Alert.id.desc() if newest_first else Alert.id)
    if status:
        query = query.where(Alert.status == status)
    if since:
        query = query.where(
            Alert.created_at >= datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        )
    if severity:
        allowed = [s for s, rank in SEVERITY_RANK.items() if rank >= SEVERITY_RANK[severity]]
        query = query.where(Alert.severity.in_(allowed))
    if buyer and buyer.strip():
        query = query.where(
            func.lower(Alert.buyer_name).contains(buyer.strip().lower(), autoescape=True)
        )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=5000).execute(query):
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
    with engine.begin() as conn:
        alert = conn.execute(select(Alert).where(Alert.id == alert_id)).first()
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        conn.execute(
            update(Alert)
            .where(Alert.id == alert_id)
            .values(
                status="confirmed" if decision == "confirm" else "dismissed",
                reviewer=reviewer,
                review_note=note,
                reviewed_at=datetime.now(UTC),
            )
        )
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
    with engine.connect() as conn:
        return as_dict(conn.execute(select(Alert).where(Alert.id == alert_id)).one())
