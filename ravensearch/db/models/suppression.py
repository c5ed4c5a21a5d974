from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class SuppressionKind(StrEnum):
    email = "email"
    domain = "domain"


class Suppression(IDMixin, CreatedMixin, Base):
    """An email or a whole domain that must never be dispatched.

    The `instantly_*` columns track its copy on Instantly's block list: a row is "waiting"
    until `instantly_synced_at` is set (pushed, or pulled from there), so a failed or
    interrupted push is retried by the periodic sync instead of being lost.
    """

    __tablename__ = "suppressions"
    __table_args__ = (
        # The sync's "what is still waiting?" scan, cheap however long the list grows.
        Index("ix_suppressions_instantly_waiting", "instantly_synced_at", "instantly_attempted_at"),
    )

    value: Mapped[str] = mapped_column(String(320), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(30))
    instantly_entry_id: Mapped[str | None] = mapped_column(String(64))
    instantly_synced_at: Mapped[datetime | None]
    instantly_attempted_at: Mapped[datetime | None]
    instantly_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    instantly_error: Mapped[str | None] = mapped_column(Text)
