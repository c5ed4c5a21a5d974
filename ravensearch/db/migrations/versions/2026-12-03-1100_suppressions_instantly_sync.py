"""suppressions: where each one stands on Instantly's block list (pushed, pulled, waiting, error);
dispatches: forget the bounce reason we used to make up

Revision ID: 5e8b1c4d7a26
Revises: 5c2e8a1f7d40
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e8b1c4d7a26"
down_revision: str | None = "5c2e8a1f7d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (all nullable or with a server default): no table rebuild on SQLite.
    op.add_column("suppressions", sa.Column("instantly_entry_id", sa.String(length=64)))
    op.add_column(
        "suppressions", sa.Column("instantly_synced_at", sa.DateTime(timezone=True))
    )
    op.add_column(
        "suppressions", sa.Column("instantly_attempted_at", sa.DateTime(timezone=True))
    )
    op.add_column(
        "suppressions",
        sa.Column("instantly_attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("suppressions", sa.Column("instantly_error", sa.Text()))
    op.create_index(
        "ix_suppressions_instantly_waiting",
        "suppressions",
        ["instantly_synced_at", "instantly_attempted_at"],
    )
    # Written when Instantly gave no reason; the page now says "no reason given" instead.
    op.execute(
        "UPDATE job_dispatches SET bounce_reason = NULL "
        "WHERE bounce_reason = 'Bounced (Instantly gave no reason)'"
    )


def downgrade() -> None:
    op.drop_index("ix_suppressions_instantly_waiting", table_name="suppressions")
    with op.batch_alter_table("suppressions") as batch:
        batch.drop_column("instantly_error")
        batch.drop_column("instantly_attempts")
        batch.drop_column("instantly_attempted_at")
        batch.drop_column("instantly_synced_at")
        batch.drop_column("instantly_entry_id")
