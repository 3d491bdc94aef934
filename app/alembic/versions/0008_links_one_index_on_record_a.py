"""links: no second index on record_a

The pair's unique constraint (record_a, record_b) is already an index that every lookup by
record_a uses (SQLite and PostgreSQL read an index by its leading column). The separate index
on record_a only cost time: a full link rewrites every link, and at 857,000 links SQLite took
15.8 s to insert them with it and 10.4 s without (bench/README, stop 34).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_links_record_a", table_name="links")


def downgrade() -> None:
    op.create_index("ix_links_record_a", "links", ["record_a"], unique=False)
