"""webhook_events: events of campaigns that are not linked move from `unmatched` to `foreign`

No schema change (`state` is a plain string); this re-files the rows that piled up as
`unmatched` only because their Instantly campaign is not linked here, so pruning can
delete them by age. Linking the campaign later requeues them like unmatched ones.

Revision ID: 5c2e8f1a7d34
Revises: 5e8b1c4d7a26
Create Date: 2026-12-03 09:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c2e8f1a7d34"
down_revision: str | None = "5e8b1c4d7a26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE webhook_events SET state = 'foreign' "
        "WHERE state = 'unmatched' AND instantly_campaign_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM outreach_campaigns c "
        "WHERE c.instantly_campaign_id = webhook_events.instantly_campaign_id)"
    )


def downgrade() -> None:
    op.execute("UPDATE webhook_events SET state = 'unmatched' WHERE state = 'foreign'")
