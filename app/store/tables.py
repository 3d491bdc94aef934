"""Tables. Every stored record carries its provenance: ingest run, file, position in the file."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IngestRun(Base):
    """One file (or URL) read by one ingest: what, from where, which bytes, and what came of it."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ocds | sanctions | suppliers
    format: Mapped[str] = mapped_column(String(32))
    # What a snapshot replaces: the registry or register name ("sfp", "cdmx-sefin"), or "ocds".
    scope: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(Text)  # path or URL as given
    source_file: Mapped[str] = mapped_column(Text)  # the file actually read
    sha256: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    retrieved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # started -> ok | failed | interrupted (its process died: app/store/ingest_runs.py); skipped
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    read: Mapped[int] = mapped_column(Integer, default=0)
    loaded: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_ingest_runs_scope", "kind", "scope", "status"),)


class _Provenance:
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(32))


class _Rfc:
    rfc_raw: Mapped[str | None] = mapped_column(Text)  # as published
    rfc: Mapped[str | None] = mapped_column(String(13), index=True)  # normalised, first usable one
    rfc_all: Mapped[str | None] = mapped_column(
        Text
    )  # every RFC found in the field, space-separated
    rfc_kind: Mapped[str | None] = mapped_column(String(16))  # company|person|generic|invalid
    rfc_check_ok: Mapped[bool | None] = mapped_column(Boolean)


class Party(_Provenance, _Rfc, Base):
    """An OCDS party (or a supplier named only inside an award) within one contracting process."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(512), unique=True)  # "{ocid}/{party id}"
    ocid: Mapped[str] = mapped_column(String(256), index=True)
    party_id: Mapped[str] = mapped_column(String(256))
    release_id: Mapped[str | None] = mapped_column(String(256))
    release_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[str] = mapped_column(Text, default="")  # canonical English roles, space-separated
    identifier_scheme: Mapped[str | None] = mapped_column(String(64))
    identifier_id: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    locality: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(64))


class Award(_Provenance, Base):
    """An award or a contract (federal data has contracts and no awards)."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(512), unique=True)  # "{ocid}/{kind}/{id}"
    ocid: Mapped[str] = mapped_column(String(256), index=True)
    release_id: Mapped[str | None] = mapped_column(String(256))
    release_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(8))  # award | contract
    item_id: Mapped[str] = mapped_column(String(256))
    award_id: Mapped[str | None] = mapped_column(String(256))  # contracts: awardID
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(32))
    date: Mapped[dt.date | None] = mapped_column(Date)  # award date
    date_signed: Mapped[dt.date | None] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    buyer_id: Mapped[str | None] = mapped_column(String(256))
    buyer_name: Mapped[str | None] = mapped_column(Text)
    buyer_rfc: Mapped[str | None] = mapped_column(String(13))
    url: Mapped[str | None] = mapped_column(Text)  # the public notice (ComprasMX: its page)


class AwardSupplier(Base):
    """A supplier named by an award or contract, pointing at its party by source key."""

    __tablename__ = "award_suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_pk: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    party_key: Mapped[str | None] = mapped_column(String(512), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    rfc_raw: Mapped[str | None] = mapped_column(Text)
    rfc: Mapped[str | None] = mapped_column(String(13), index=True)


class Sanction(_Provenance, _Rfc, Base):
    """One listing in a sanctions registry (SFP, SAT 69-B, PDN System 3)."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(512), unique=True)  # "{registry}:{...}"
    # "registry" is reserved by SQLAlchemy's declarative base; the column keeps the domain name.
    registry_code: Mapped[str] = mapped_column(
        "registry", String(16), index=True
    )  # sfp|sat-69b|pdn-s3
    case_number: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    person_kind: Mapped[str | None] = mapped_column(String(8))  # company | person, when published
    kind: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(Text)
    raw_status: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | withdrawn
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SupplierEntry(_Provenance, _Rfc, Base):
    """One entry of a supplier register (Mexico City SEFIN, RUPC exports, state registers)."""

    __tablename__ = "supplier_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(512), unique=True)  # "{register}:{id}"
    register: Mapped[str] = mapped_column(String(64), index=True)
    register_id: Mapped[str | None] = mapped_column(String(256))
    name: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    locality: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecordHistory(Base):
    """Every version of a record: a 69-B firm moving from Presunto to Definitivo keeps both."""

    __tablename__ = "record_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))  # sanction | supplier
    source_key: Mapped[str] = mapped_column(String(512))
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change: Mapped[str] = mapped_column(String(16))  # created | updated | withdrawn | restored
    data: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (Index("ix_record_history_key", "record_type", "source_key"),)


class QuarantinedRow(Base):
    """A row that could not be loaded, kept with its reason and where it came from."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32))
    source_file: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(String(128))
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_quarantine_run_position"),)


class LinkRecord(Base):
    """A record as the last link saw it: one party, sanction or register entry, with the hash of
    its features, so the next link can tell what is new or changed."""

    __tablename__ = "link_records"

    record_key: Mapped[str] = mapped_column(String(600), primary_key=True)  # "{type}:{source_key}"
    record_type: Mapped[str] = mapped_column(String(16))  # party | sanction | supplier
    record_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64), index=True)  # ocds | sfp | sat-69b | ...
    source_key: Mapped[str] = mapped_column(String(512))
    name: Mapped[str | None] = mapped_column(Text)  # as published
    rfc_raw: Mapped[str | None] = mapped_column(Text)  # as published
    content_hash: Mapped[str] = mapped_column(String(32))
    rfc: Mapped[str | None] = mapped_column(String(13), index=True)
    name_norm: Mapped[str | None] = mapped_column(Text)


class Entity(Base):
    """A resolved firm: the records that the model (and people) say are one."""

    __tablename__ = "entities"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    rfcs: Mapped[str | None] = mapped_column(Text)  # normalised, space-separated
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    link_run_id: Mapped[int | None] = mapped_column(Integer)


class EntityMember(Base):
    __tablename__ = "entity_members"

    record_key: Mapped[str] = mapped_column(String(600), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(32), index=True)
    # The strongest accepted link that holds this record in its entity (None: alone, or judged).
    probability: Mapped[float | None] = mapped_column(Double)


class Link(Base):
    """A scored pair at or above the review threshold, with its evidence per comparison."""

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # record_a < record_b. Looked up by record_a through the pair's unique index.
    record_a: Mapped[str] = mapped_column(String(600))
    record_b: Mapped[str] = mapped_column(String(600), index=True)
    probability: Mapped[float] = mapped_column(Double)
    match_weight: Mapped[float] = mapped_column(Double)
    evidence: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # linked | review | refused
    reason: Mapped[str | None] = mapped_column(Text)
    link_run_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("record_a", "record_b", name="uq_links_pair"),)


class Judgement(Base):
    """A person's decision that two records are (or are not) the same firm. Never deleted; the
    latest decision on a pair overrides the model on every later run."""

    __tablename__ = "judgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[str] = mapped_column(String(600), index=True)
    record_b: Mapped[str] = mapped_column(String(600), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # same | different
    author: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkRun(Base):
    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # full | incremental
    model_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, object] | None] = mapped_column(JSON)


class ApiKey(Base):
    """An API key, stored as its SHA-256: the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # who holds it
    role: Mapped[str] = mapped_column(String(16))  # officer | auditor | admin
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell keys apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppSecret(Base):
    """A secret of the deployment, made by a migration (the browser sessions' signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class ClosedSession(Base):
    """A browser session ended at sign-out, by its token's SHA-256, until it would expire."""

    __tablename__ = "closed_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Every check and match: who asked, when, what, and what Testigo answered."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int | None] = mapped_column(Integer, index=True)
    key_name: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(16))  # check | match
    query: Mapped[dict[str, object]] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(64))


class Alert(Base):
    """A barred (or listed) firm that won an award: one per (award, sanction), never deleted."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_key: Mapped[str] = mapped_column(String(600))  # "{ocid}/{award or contract id}"
    sanction_key: Mapped[str] = mapped_column(String(512))  # sanctions.source_key
    severity: Mapped[str] = mapped_column(String(8), index=True)  # high | medium | low
    status: Mapped[str] = mapped_column(String(16), index=True)  # new | confirmed | dismissed
    entity_id: Mapped[str | None] = mapped_column(String(32), index=True)
    probability: Mapped[float | None] = mapped_column(Double)
    evidence: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    ocid: Mapped[str] = mapped_column(String(256))
    award_id: Mapped[str] = mapped_column(String(256))  # award id, or the contract's id
    award_kind: Mapped[str] = mapped_column(String(8))  # award | contract
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    date_basis: Mapped[str] = mapped_column(String(16))  # award date | date signed | period start
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    buyer_name: Mapped[str | None] = mapped_column(Text, index=True)
    supplier_name: Mapped[str | None] = mapped_column(Text)
    supplier_rfc: Mapped[str | None] = mapped_column(Text)
    supplier_key: Mapped[str] = mapped_column(String(600))  # the party's record key
    sanction: Mapped[dict[str, object]] = mapped_column(JSON)  # registry, case, kind, dates...
    sources: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # files and retrieval dates
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewer: Mapped[str | None] = mapped_column(Text)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("award_key", "sanction_key", name="uq_alerts_pair"),)


class Subscription(Base):
    """Who receives the digest, and of which alerts (all, some buyers, a minimum severity)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    buyers: Mapped[list[str]] = mapped_column(JSON)  # empty: every buyer
    min_severity: Mapped[str] = mapped_column(String(8))  # low | medium | high
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_alert_id: Mapped[int] = mapped_column(Integer, default=0)  # digests cover alerts after
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    """A digest waiting to be sent, or sent: kept so a failed send is retried, never dropped,
    and never sent twice."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer, index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    alert_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
