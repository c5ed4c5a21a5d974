"""targets: the listing's business status (temporarily closed, future opening) and its suite

Revision ID: 3b7f2d9e5a10
Revises: 8a3f5c1e2b90
Create Date: 2026-12-03 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7f2d9e5a10"
down_revision: str | None = "8a3f5c1e2b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outreach_targets") as batch:
        batch.add_column(sa.Column("business_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("address_suite", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outreach_targets") as batch:
        batch.drop_column("address_suite")
        batch.drop_column("business_status")
