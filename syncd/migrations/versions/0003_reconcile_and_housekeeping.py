"""reconcile_seen (the nightly Id comparison) and run_events by age (housekeeping)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import syncd.mirror.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconcile_seen",
        sa.Column("sobject", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=18), nullable=False),
        sa.Column("system_modstamp", syncd.mirror.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sobject", "id", name=op.f("pk_reconcile_seen")),
    )
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_events_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_events_at"))
    op.drop_table("reconcile_seen")
