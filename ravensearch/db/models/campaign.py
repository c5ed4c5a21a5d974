from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, false
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
    """A Ravensearch campaign linked to exactly one Instantly campaign."""

    __tablename__ = "outreach_campaigns"

    name: Mapped[str] = mapped_column(String(300))
    instantly_campaign_id: Mapped[str] = mapped_column(String(64), unique=True)
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
    # Instantly's own analytics as last pulled, kept to show drift against our counters.
    instantly_stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_synced_at: Mapped[datetime | None] = mapped_column()
