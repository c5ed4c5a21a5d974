"""Trigram indexes for the Targets text search (PostgreSQL only)

Revision ID: 7c1e5a9d3b20
Revises: ddc7f23aaa57
Create Date: 2026-11-27 10:58:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c1e5a9d3b20"
down_revision: str | None = "ddc7f23aaa57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `ILIKE '%word%'` over 100k targets is a full scan (~220 ms); a GIN trigram index serves it.
# SQLite has no equivalent; its embedded installs are small. These indexes are not in the
# models (they are dialect-specific), so migrations/env.py leaves `*_trgm` out of autogenerate.
INDEXES = {
    "ix_outreach_targets_business_name_trgm": "business_name",
    "ix_outreach_targets_contact_trgm": "(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))",
    "ix_outreach_targets_email_trgm": "email",
    "ix_outreach_targets_city_trgm": "city",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON outreach_targets "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
