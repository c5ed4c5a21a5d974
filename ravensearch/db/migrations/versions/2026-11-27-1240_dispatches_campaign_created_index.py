"""Index a campaign's dispatches by (created_at, id) for its newest-first, keyset pages

Revision ID: 3f6b9e2d41c7
Revises: 06b9b558011a
Create Date: 2026-11-27 12:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3f6b9e2d41c7"
down_revision: str | None = "06b9b558011a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_job_dispatches_campaign_created",
        "job_dispatches",
        ["campaign_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_job_dispatches_campaign_created", table_name="job_dispatches")
