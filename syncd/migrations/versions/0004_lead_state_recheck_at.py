"""lead_state.recheck_at: the next deadline of each lead, indexed (rechecks by due time)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import syncd.mirror.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recheck_at", syncd.mirror.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_lead_state_recheck_at"), ["recheck_at"], unique=False)
    # Rows from before this column: due at once, so the next cycle computes their deadline.
    op.execute("UPDATE lead_state SET recheck_at = evaluated_at WHERE stage IN "
               "('mql', 'sal', 'sql', 'could_not_reach')")


def downgrade() -> None:
    with op.batch_alter_table("lead_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_state_recheck_at"))
        batch_op.drop_column("recheck_at")
