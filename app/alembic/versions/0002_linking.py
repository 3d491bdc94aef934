"""linking: link records, entities, members, links, judgements, link runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("rfcs", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "entity_members",
        sa.Column("record_key", sa.String(length=600), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("probability", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("record_key"),
    )
    with op.batch_alter_table("entity_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entity_members_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.String(length=600), nullable=False),
        sa.Column("record_b", sa.String(length=600), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("judgements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judgements_record_a"), ["record_a"], unique=False)
        batch_op.create_index(batch_op.f("ix_judgements_record_b"), ["record_b"], unique=False)

    op.create_table(
        "link_records",
        sa.Column("record_key", sa.String(length=600), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("rfc_raw", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("rfc", sa.String(length=13), nullable=True),
        sa.Column("name_norm", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("record_key"),
    )
    with op.batch_alter_table("link_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_records_rfc"), ["rfc"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_records_source"), ["source"], unique=False)

    op.create_table(
        "link_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a", sa.String(length=600), nullable=False),
        sa.Column("record_b", sa.String(length=600), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("match_weight", sa.Double(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("link_run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_a", "record_b", name="uq_links_pair"),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_record_a"), ["record_a"], unique=False)
        batch_op.create_index(batch_op.f("ix_links_record_b"), ["record_b"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_links_record_b"))
        batch_op.drop_index(batch_op.f("ix_links_record_a"))

    op.drop_table("links")
    op.drop_table("link_runs")
    with op.batch_alter_table("link_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_records_source"))
        batch_op.drop_index(batch_op.f("ix_link_records_rfc"))

    op.drop_table("link_records")
    with op.batch_alter_table("judgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judgements_record_b"))
        batch_op.drop_index(batch_op.f("ix_judgements_record_a"))

    op.drop_table("judgements")
    with op.batch_alter_table("entity_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_members_entity_id"))

    op.drop_table("entity_members")
    op.drop_table("entities")
