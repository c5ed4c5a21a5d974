from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class NotificationKind(StrEnum):
    reply = "reply"
    bounce = "bounce"
    unsubscribe = "unsubscribe"
    account_error = "account_error"
    campaign_completed = "campaign_completed"
    interest = "interest"


class Notification(IDMixin, CreatedMixin, Base):
    """Something the admin should see: a reply, a bounce, an account error …"""

    __tablename__ = "notifications"

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="SET NULL")
    )
    target_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outreach_targets.id", ondelete="SET NULL")
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="SET NULL"), unique=True
    )
    read_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_notifications_read_created", "read_at", "created_at"),)
