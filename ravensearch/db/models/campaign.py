from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class CampaignStatus(StrEnum):
    """The design's four statuses plus the other states Instantly reports."""

    draft = "draft"
    active = "active"
    paused = "paused"
    completed = "completed"
    running_subsequences = "running_subsequences"
    accounts_unhealthy = "accounts_unhealthy"
    bounce_protect = "bounce_protect"
    suspended = "suspended"


class Campaign(IDMixin, TimestampMixin, Base):
    """A Ravensearch campaign: linked to one Instantly campaign (channel `instantly`), or a
    sequence Ravensearch sends itself through SendGrid (channel `sendgrid`, its `steps`)."""

    __tablename__ = "outreach_campaigns"

    name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(
        String(20), default="instantly", server_default="instantly"
    )
    # Set for channel `instantly` only (NULLs do not collide under the unique constraint).
    instantly_campaign_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    trade_filter: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(30), default=CampaignStatus.draft)
    total_targets: Mapped[int] = mapped_column(default=0)
    emails_sent: Mapped[int] = mapped_column(default=0)
    emails_opened: Mapped[int] = mapped_column(default=0)
    emails_clicked: Mapped[int] = mapped_column(default=0)
    replies_received: Mapped[int] = mapped_column(default=0)
    emails_bounced: Mapped[int] = mapped_column(default=0)
    unsubscribed: Mapped[int] = mapped_column(default=0)
    leads_rejected: Mapped[int] = mapped_column(default=0, server_default="0")
    # Default for dispatches: skip technicians Instantly holds in any other campaign.
    skip_if_in_other_campaign: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SendGrid's own counters (channel `sendgrid`): delivery reports Instantly does not give.
    emails_delivered: Mapped[int] = mapped_column(default=0, server_default="0")
    emails_dropped: Mapped[int] = mapped_column(default=0, server_default="0")
    spam_reports: Mapped[int] = mapped_column(default=0, server_default="0")
    # --- channel `sendgrid`: who sends, when, how much ---
    from_email: Mapped[str | None] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    # Hours [start, end) in the technician's local time zone; weekdays only when set.
    window_start_hour: Mapped[int] = mapped_column(default=9, server_default="9")
    window_end_hour: Mapped[int] = mapped_column(default=17, server_default="17")
    weekdays_only: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Most first-or-later step emails sent per UTC day; None is no cap.
    daily_cap: Mapped[int | None] = mapped_column()
    # Instantly's own analytics as last pulled, kept to show drift against our counters.
    instantly_stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_synced_at: Mapped[datetime | None] = mapped_column()


class CampaignStep(IDMixin, Base):
    """One email of a SendGrid campaign's sequence; templates are rendered in a sandbox."""

    __tablename__ = "campaign_steps"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column()  # 1, 2, … in sending order
    # Days after the previous step was sent (step 1: after the technician is dispatched).
    delay_days: Mapped[int] = mapped_column(default=0)
    subject_template: Mapped[str] = mapped_column(String(500))
    body_template: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("campaign_id", "position"),)
