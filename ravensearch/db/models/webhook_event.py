from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin
from ravensearch.kit.clock import utcnow


class EventState(StrEnum):
    pending = "pending"
    applied = "applied"
    unmatched = "unmatched"  # a linked campaign's lead not known yet; re-applied when it is
    # A campaign that is not linked here (made by hand in Instantly, or never linked): kept,
    # re-applied if it gets linked, pruned by age like applied ones.
    foreign = "foreign"
    ignored = "ignored"  # stored but nothing to apply (unknown type, custom label …)
    failed = "failed"


class WebhookEvent(IDMixin, Base):
    """A webhook delivery exactly as received, stored before we answer 2xx."""

    __tablename__ = "webhook_events"

    source: Mapped[str] = mapped_column(String(20), default="instantly")
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    instantly_campaign_id: Mapped[str | None] = mapped_column(String(64))
    lead_email: Mapped[str | None] = mapped_column(String(320))
    occurred_at: Mapped[datetime | None] = mapped_column()
    raw_body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default=EventState.pending)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column()
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="SET NULL")
    )
    dispatch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("job_dispatches.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_webhook_events_state_received", "state", "received_at"),
        Index("ix_webhook_events_instantly_campaign_state", "instantly_campaign_id", "state"),
    )
