"""Request and response models: they validate input and become the OpenAPI documentation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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


class Evidence(BaseModel):
    comparison: str = Field(
        description="rfc, name, legal_form, kind or postal_code; `rule` for a rule of the "
        "check about the RFC given (see `MatchOut.rule`)"
    )
    level: str = Field(description="Which level of the comparison held, e.g. 'exact'")
    match_weight: float = Field(description="log2 Bayes factor: + for a match, - against")
    detail: str | None = Field(
        default=None, description="For a rule: which RFCs it compared and why it applies"
    )


class RecordOut(BaseModel):
    source: str
    source_key: str
    name: str | None
    rfc: str | None


class MatchOut(BaseModel):
    entity_id: str
    probability: float = Field(ge=0, le=1)
    model_probability: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="What the model alone scored; `probability` differs when a rule applied",
    )
    match_weight: float
    status: Literal["linked", "review"]
    rule: Literal["rfc_identity", "rfc_neighbour", "rfc_stem"] | None = Field(
        default=None,
        description="rfc_identity: the RFC given is this firm's and its check digit holds, "
        "which identifies the taxpayer (probability at least 0.999); rfc_neighbour: the RFC "
        "given is one typo from this sanctioned firm's; rfc_stem: the RFC given without "
        "homoclave starts like this sanctioned firm's (or the reverse). A suspect firm is "
        "shown whatever its probability, and makes a clear answer `review`",
    )
    evidence: list[Evidence]
    records: list[RecordOut]


class SanctionOut(BaseModel):
    entity_id: str
    registry: str
    case_number: str | None
    kind: str
    authority: str | None
    start: str | None
    end: str | None
    status: str | None
    source_file: str
    retrieved_at: str | None


class DataAsOf(BaseModel):
    """The sanctions file a registry's data now comes from, and how current it is."""

    registry: str
    file: str
    published: str | None = Field(
        description="The file's own date (in its name, or the server's Last-Modified); null "
        "when the source states none"
    )
    loaded: str | None = Field(description="When Testigo read the file")


class CheckQuery(BaseModel):
    name: str | None
    rfc: str | None
    on: str


class RfcOut(BaseModel):
    """The RFC given, as Testigo read it."""

    value: str = Field(description="Normalised: upper case, without separators or prefixes")
    kind: Literal["company", "person", "without homoclave"]
    check_digit_ok: bool | None = Field(
        description="Whether the last character agrees with the rest (false: probably "
        "mistyped); null without homoclave"
    )
    corrected_from: str | None = Field(
        default=None,
        description="As given, when an O stood for a 0 or an I for a 1 (or the reverse) where "
        "only the other can; `value` is the RFC read with them corrected",
    )
    note: str | None = Field(
        description="What to do about a failed check digit or a missing "
        "homoclave; null for a sound RFC"
    )


class CheckOut(BaseModel):
    verdict: Literal["barred", "warning", "review", "clear"] = Field(
        description="barred: debarred on that day; warning: 69-B listing, recent debarment or "
        "fine; review: only an uncertain match would be barred or warned; clear: nothing found"
    )
    as_of: str
    query: CheckQuery
    rfc: RfcOut | None = Field(default=None, description="The RFC given; null without one")
    matches: list[MatchOut]
    sanctions: list[SanctionOut]
    data_as_of: list[DataAsOf] = Field(
        description="The sanctions data the verdict rests on, per registry, as of which date"
    )
    model_version: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "verdict": "barred",
                    "as_of": "2026-11-24",
                    "query": {"name": "GARZA GAS SA DE CV", "rfc": None, "on": "2026-11-24"},
                    "matches": [
                        {
                            "entity_id": "tg_3f2a9c1d7e4b",
                            "probability": 0.9991,
                            "match_weight": 10.1,
                            "status": "linked",
                            "evidence": [
                                {"comparison": "name", "level": "exact", "match_weight": 26.2}
                            ],
                            "records": [
                                {
                                    "source": "sfp",
                                    "source_key": "sfp:PA-0001/2026:0003/2022:...",
                                    "name": "GARZA GAS, S.A. DE C.V.",
                                    "rfc": "GGA8306134F4",
                                }
                            ],
                        }
                    ],
                    "sanctions": [],
                    "data_as_of": [
                        {
                            "registry": "sfp",
                            "file": "sfp_directorio_sancionados_2026-06-11.json",
                            "published": "2026-06-11",
                            "loaded": "2026-11-20",
                        }
                    ],
                    "model_version": "ea85777ffa9e",
                }
            ]
        }
    )


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


class MatchResult(BaseModel):
    query: dict[str, Any]
    candidates: list[MatchOut]


class MatchResponse(BaseModel):
    results: list[MatchResult]


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


class JudgementOut(BaseModel):
    id: int
    record_a: str
    record_b: str
    decision: str
    author: str
    note: str | None
    created_at: str
