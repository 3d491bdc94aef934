"""Request and response models: they validate input and become the OpenAPI documentation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The domain's answers are the API's response models too (see matching/results.py).
from matching.results import CheckOut, DataAsOf, MatchResponse

__all__ = ["CheckOut", "DataAsOf", "MatchResponse"]


class ErrorOut(BaseModel):
    """Every error answer: what went wrong and what to do next."""

    detail: str = Field(description="What went wrong, and what to send instead")


class InvalidOut(ErrorOut):
    """An invalid request (422): the message, and each invalid field."""

    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="Each invalid field: where it is and what is wrong"
    )


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error answers a route can give."""
    described = {
        400: "The body could not be read (not JSON, or not UTF-8)",
        401: "No API key, or an unknown or revoked one",
        403: "The key's role may not do this",
        404: "Nothing by that id",
        413: "Too many records in one request",
        422: "Invalid input: the message says which field and why",
        429: "Too many failed API key attempts from this address: wait `Retry-After` seconds",
        503: "Not ready (no linked index yet) or the database is unavailable",
    }
    # Wherever a key is checked, a client with too many failed keys is refused first.
    if 401 in statuses and 429 not in statuses:
        statuses = (*statuses, 429)
    return {
        status: {
            "model": InvalidOut if status == 422 else ErrorOut,
            "description": described[status],
        }
        for status in statuses
    }


# The longest supplier name and RFC a check or match takes, over the API and on the check page
# alike: nothing longer is a name, and it would only bloat the audit log that records it.
MAX_NAME = 500
MAX_RFC = 100


class MatchRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=MAX_NAME)
    rfc: str | None = Field(default=None, max_length=MAX_RFC)
    postal_code: str | None = Field(default=None, max_length=20)
    street: str | None = Field(default=None, max_length=500)
    locality: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=200)


class MatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "records": [{"name": "Garza Gas S.A. de C.V."}, {"rfc": "GGA8306134F4"}],
                    "limit": 5,
                    "threshold": 0.5,
                }
            ]
        },
    )

    records: list[MatchRecordIn] = Field(description="Up to 1,000 records to match")
    limit: int = Field(default=5, ge=1, le=50)
    threshold: float = Field(default=0.5, ge=0, le=1)


class JudgementIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "different",
                    "record_a": "sanction:sfp:...",
                    "record_b": "party:ocds-.../...",
                    "note": "different RFC",
                }
            ]
        },
    )

    decision: Literal["same", "different"]
    record_a: str = Field(min_length=1, max_length=600)
    record_b: str = Field(min_length=1, max_length=600)
    note: str | None = Field(default=None, max_length=5000)


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Ready: the model and the index of the last link run are loaded."""

    status: Literal["ready"]
    model_version: str
    profiles: int = Field(description="Firm profiles in the real-time index")


class StatsOut(BaseModel):
    """What a deployment holds, and how fresh it is."""

    parties: int
    suppliers_in_awards: int
    awards: int
    contracts: int
    sanctions: int = Field(description="Active sanctions")
    sanctions_withdrawn: int
    sanctions_by_registry_and_kind: dict[str, int] = Field(description='e.g. "sfp:debarment"')
    supplier_entries: dict[str, int] = Field(description="Active entries per supplier register")
    quarantined_rows: int
    ingest_runs: dict[str, int] = Field(description='Runs per "kind:status"')
    last_ingest_finished_at: str | None


class AuditEntryOut(BaseModel):
    id: int
    key_id: int | None
    key_name: str | None
    at: str
    action: str
    query: dict[str, Any]
    verdict: str | None
    model_version: str | None


class AuditPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[AuditEntryOut]


class AlertOut(BaseModel):
    """An award won by a sanctioned firm: the award, the supplier, the sanction, the evidence
    that the supplier is that firm, and the review."""

    id: int
    severity: Literal["high", "medium", "low"]
    status: Literal["new", "confirmed", "dismissed"]
    ocid: str
    award_id: str
    award_kind: str = Field(description="award or contract")
    date: str
    date_basis: str = Field(description="award date, date signed or period start")
    value: float | None
    currency: str | None
    buyer: str | None
    supplier_name: str | None
    supplier_rfc: str | None
    supplier_key: str
    entity_id: str | None
    sanction: dict[str, Any] = Field(description="registry, case, kind, dates...")
    probability: float | None
    evidence: list[dict[str, Any]] | None
    sources: list[dict[str, Any]] = Field(description="The files and their retrieval dates")
    created_at: str
    updated_at: str
    reviewer: str | None
    review_note: str | None
    reviewed_at: str | None


class AlertPage(BaseModel):
    page: int
    per_page: int
    items: list[AlertOut]
