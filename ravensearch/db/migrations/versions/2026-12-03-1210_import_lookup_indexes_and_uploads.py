"""import: lower(email) and lower(business_name) indexes; uploads kept for import jobs

Revision ID: 6d40cc111bd0
Revises: 7e1b3d9c4a52
Create Date: 2026-12-03 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d40cc111bd0"
down_revision: str | None = "7e1b3d9c4a52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An import looks stored targets up by `lower(email) IN (…)` (and keyless rows by
# `lower(business_name) IN (…)`); an index on the bare column cannot serve either, so every
# chunk of an import scanned the table. Both dialects index expressions.
EXPRESSION_INDEXES = {
    "ix_outreach_targets_email_lower": "email",
    "ix_outreach_targets_business_name_lower": "business_name",
}


def upgrade() -> None:
    for name, column in EXPRESSION_INDEXES.items():
        op.create_index(name, "outreach_targets", [sa.text(f"lower({column})")])
    op.create_table(
        "uploads",
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("rows_estimate", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_table(
        "upload_parts",
        sa.Column("upload_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["uploads.id"],
            name=op.f("fk_upload_parts_upload_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "seq", name=op.f("pk_upload_parts")),
    )


def downgrade() -> None:
    op.drop_table("upload_parts")
    op.drop_table("uploads")
    for name in EXPRESSION_INDEXES:
        op.drop_index(name, table_name="outreach_targets")
