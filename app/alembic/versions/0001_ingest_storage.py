"""ingest storage

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_runs_scope", ["kind", "scope", "status"], unique=False)

    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("ocid", sa.String(length=256), nullable=False),
        sa.Column("release_id", sa.String(length=256), nullable=True),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("award_id", sa.String(length=256), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("date_signed", sa.Date(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("value_amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("buyer_id", sa.String(length=256), nullable=True),
        sa.Column("buyer_name", sa.Text(), nullable=True),
        sa.Column("buyer_rfc", sa.String(length=13), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_ocid"), ["ocid"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_run_id"), ["run_id"], unique=False)

    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("ocid", sa.String(length=256), nullable=False),
        sa.Column("party_id", sa.String(length=256), nullable=False),
        sa.Column("release_id", sa.String(length=256), nullable=True),
        sa.Column("release_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("identifier_scheme", sa.String(length=64), nullable=True),
        sa.Column("identifier_id", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("rfc_raw", sa.Text(), nullable=True),
        sa.Column("rfc", sa.String(length=13), nullable=True),
        sa.Column("rfc_all", sa.Text(), nullable=True),
        sa.Column("rfc_kind", sa.String(length=16), nullable=True),
        sa.Column("rfc_check_ok", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_ocid"), ["ocid"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_rfc"), ["rfc"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_run_id"), ["run_id"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "position", name="uq_quarantine_run_position"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_run_id"), ["run_id"], unique=False)

    op.create_table(
        "record_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_history", schema=None) as batch_op:
        batch_op.create_index("ix_record_history_key", ["record_type", "source_key"], unique=False)

    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("registry", sa.String(length=16), nullable=False),
        sa.Column("case_number", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("person_kind", sa.String(length=8), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("authority", sa.Text(), nullable=True),
        sa.Column("raw_status", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("rfc_raw", sa.Text(), nullable=True),
        sa.Column("rfc", sa.String(length=13), nullable=True),
        sa.Column("rfc_all", sa.Text(), nullable=True),
        sa.Column("rfc_kind", sa.String(length=16), nullable=True),
        sa.Column("rfc_check_ok", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sanctions_registry"), ["registry"], unique=False)
        batch_op.create_index(batch_op.f("ix_sanctions_rfc"), ["rfc"], unique=False)
        batch_op.create_index(batch_op.f("ix_sanctions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "supplier_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("register", sa.String(length=64), nullable=False),
        sa.Column("register_id", sa.String(length=256), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("rfc_raw", sa.Text(), nullable=True),
        sa.Column("rfc", sa.String(length=13), nullable=True),
        sa.Column("rfc_all", sa.Text(), nullable=True),
        sa.Column("rfc_kind", sa.String(length=16), nullable=True),
        sa.Column("rfc_check_ok", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("supplier_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_entries_register"), ["register"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supplier_entries_rfc"), ["rfc"], unique=False)
        batch_op.create_index(batch_op.f("ix_supplier_entries_run_id"), ["run_id"], unique=False)

    op.create_table(
        "award_suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_pk", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(length=512), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("rfc_raw", sa.Text(), nullable=True),
        sa.Column("rfc", sa.String(length=13), nullable=True),
        sa.ForeignKeyConstraint(["award_pk"], ["awards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("award_suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_suppliers_award_pk"), ["award_pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_award_suppliers_party_key"), ["party_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_award_suppliers_rfc"), ["rfc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("award_suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_suppliers_rfc"))
        batch_op.drop_index(batch_op.f("ix_award_suppliers_party_key"))
        batch_op.drop_index(batch_op.f("ix_award_suppliers_award_pk"))

    op.drop_table("award_suppliers")
    with op.batch_alter_table("supplier_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_entries_run_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_entries_rfc"))
        batch_op.drop_index(batch_op.f("ix_supplier_entries_register"))

    op.drop_table("supplier_entries")
    with op.batch_alter_table("sanctions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanctions_run_id"))
        batch_op.drop_index(batch_op.f("ix_sanctions_rfc"))
        batch_op.drop_index(batch_op.f("ix_sanctions_registry"))

    op.drop_table("sanctions")
    with op.batch_alter_table("record_history", schema=None) as batch_op:
        batch_op.drop_index("ix_record_history_key")

    op.drop_table("record_history")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_run_id"))

    op.drop_table("quarantine")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_run_id"))
        batch_op.drop_index(batch_op.f("ix_parties_rfc"))
        batch_op.drop_index(batch_op.f("ix_parties_ocid"))

    op.drop_table("parties")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_run_id"))
        batch_op.drop_index(batch_op.f("ix_awards_ocid"))

    op.drop_table("awards")
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_runs_scope")

    op.drop_table("ingest_runs")
