"""pipeline_moves event_id index

Revision ID: 06b9b558011a
Revises: 7c1e5a9d3b20
Create Date: 2026-11-27 12:24:47.868646
"""

from collections.abc import Sequence

from alembic import op

revision: str = "06b9b558011a"
down_revision: str | None = "7c1e5a9d3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Pruning webhook events sets `pipeline_moves.event_id` to NULL (ON DELETE SET NULL): without
# an index PostgreSQL scans the whole table once per deleted event.


def upgrade() -> None:
    with op.batch_alter_table("pipeline_moves", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_moves_event_id", ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pipeline_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_moves_event_id")
