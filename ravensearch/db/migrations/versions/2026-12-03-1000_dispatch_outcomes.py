"""dispatch outcomes: rejected rows with their reason, the skip-if-in-another-campaign choice

Revision ID: 5c2e8a1f7d40
Revises: 9a4d2c7e5b13
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c2e8a1f7d40"
down_revision: str | None = "9a4d2c7e5b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_dispatches") as batch:
        batch.add_column(sa.Column("rejected_reason", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column(
                "skip_if_in_other_campaign",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
    with op.batch_alter_table("outreach_campaigns") as batch:
        batch.add_column(
            sa.Column(
                "skip_if_in_other_campaign",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("leads_rejected", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outreach_campaigns") as batch:
        batch.drop_column("leads_rejected")
        batch.drop_column("skip_if_in_other_campaign")
    with op.batch_alter_table("job_dispatches") as batch:
        batch.drop_column("skip_if_in_other_campaign")
        batch.drop_column("rejected_reason")
