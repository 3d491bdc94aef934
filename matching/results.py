"""What `matching` answers, as typed models: the supplier check and the match (`check.py`),
a resolved firm, the firm search and the review queue (`entities.py`), a judgement recorded
(`judgements.py`).

They are pydantic models, not dataclasses, because the API returns them as they are: each is
the route's `response_model`, so the OpenAPI document describes the very object the domain
built, and a field added here shows in the schema with no second copy to keep in step. The
pages and the CLI read the same objects (`model_dump()` where a template wants a mapping).
Fields mirror the JSON the API has always sent, key for key; nested values stored as JSON by
the link run (evidence) stay plain mappings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["barred", "warning", "review", "clear"]
RfcKind = Literal["company", "person", "without homoclave"]


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


class SanctionListing(BaseModel):
    """A sanction as its registry lists it: what a check and a firm page both show."""

    registry: str
    case_number: str | None
    kind: str
    authority: str | None
    start: str | None
    end: str | None


class SanctionOut(SanctionListing):
    entity_id: str
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
    kind: RfcKind
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
    """The supplier check's answer (`check.check`)."""

    verdict: Verdict = Field(
        description="barred: debarred on that day; warning: 69-B listing, recent debarment or "
        "fine; review: only an uncertain match would be barred or warned; clear: nothing found"
    )
    as_of: str
    query: CheckQuery
    rfc: RfcOut | None = Field(default=None, description="The RFC given; null without one")
    matches: list[MatchOut]
    sanctions: list[SanctionOut]
    # Filled by whoever answers (the API, the page): how current the data is lives in the
    # ingest runs, not in the index the check scores against.
    data_as_of: list[DataAsOf] = Field(
        default_factory=list,
        description="The sanctions data the verdict rests on, per registry, as of which date",
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


class MatchResult(BaseModel):
    """One record of a batch match, as sent, with its best candidates."""

    query: dict[str, Any]
    candidates: list[MatchOut]


class MatchResponse(BaseModel):
    results: list[MatchResult]


class MemberRecord(BaseModel):
    """A record that is part of a resolved firm, with how sure its membership is."""

    record_key: str
    source: str
    source_key: str
    name: str | None
    rfc: str | None
    probability: float | None


class LinkOut(BaseModel):
    """A scored link between two records, with the model's evidence as the link run stored it."""

    record_a: str
    record_b: str
    probability: float
    match_weight: float
    status: str = Field(description="linked, review or refused")
    reason: str | None
    evidence: list[dict[str, Any]] | None


class FirmSanction(SanctionListing):
    status: str | None = Field(description="As the registry published it")
    withdrawn: bool = Field(description="No longer in the registry's latest file")
    source_file: str
    position: str | None
    retrieved_at: str | None


class FirmAward(BaseModel):
    """An award or a contract the firm won."""

    ocid: str
    kind: str = Field(description="award or contract")
    id: str
    award_id: str | None
    title: str | None
    date: str | None
    date_signed: str | None
    period_start: str | None
    period_end: str | None
    value: float | None
    currency: str | None
    buyer: str | None
    supplier_name: str | None
    supplier_rfc: str | None
    url: str | None
    source_file: str | None


class EntityDetail(BaseModel):
    """One resolved firm (`entities.detail`)."""

    entity_id: str
    display_name: str | None
    rfcs: list[str]
    size: int
    records: list[MemberRecord]
    links: list[LinkOut]
    sanctions: list[FirmSanction]
    awards: list[FirmAward]


class EntitySummary(BaseModel):
    entity_id: str
    display_name: str | None
    rfcs: list[str]
    size: int


class EntityPage(BaseModel):
    """A page of the firm search (`entities.search`)."""

    total: int
    page: int
    per_page: int
    items: list[EntitySummary]


class FirmRef(BaseModel):
    """The firm a record is in now."""

    entity_id: str
    name: str | None
    rfcs: list[str]


class Judged(BaseModel):
    """The latest decision a person made on a pair (applied at the next link)."""

    decision: str
    author: str


class ReviewItem(BaseModel):
    record_a: str
    record_b: str
    status: str = Field(description="review (uncertain) or refused (different RFCs)")
    reason: str | None
    probability: float
    evidence: list[dict[str, Any]] | None
    a: RecordOut | None
    b: RecordOut | None
    judged: Judged | None
    firm_a: FirmRef | None
    firm_b: FirmRef | None


class ReviewPage(BaseModel):
    """A page of the review queue (`entities.review_queue`)."""

    total: int
    page: int
    per_page: int
    items: list[ReviewItem]


class JudgementOut(BaseModel):
    """A judgement as recorded (`judgements.record`)."""

    id: int
    record_a: str
    record_b: str
    decision: str
    author: str
    note: str | None
    created_at: str = Field(description="When it was recorded, ISO 8601 in UTC")
