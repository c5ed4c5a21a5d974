from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from ravensearch.kit.schemas import CamelModel, ReadModel


class ValidateCampaignRequest(CamelModel):
    campaign_id: str = Field(description="The Instantly campaign id (a UUID).")


class InstantlyCampaignInfo(ReadModel):
    """The design's shape of an Instantly campaign with its headline stats."""

    id: str
    name: str
    status: str
    total_leads: int
    emails_sent: int
    opens: int
    replies: int


class CampaignCreate(CamelModel):
    instantly_campaign_id: str = Field(description="The Instantly campaign id (a UUID).")
    trade_filter: str | None = Field(default=None, description="Only dispatch this trade.")
    skip_if_in_other_campaign: bool = Field(
        default=False,
        description=(
            "Skip technicians Instantly already holds in any other campaign (Instantly's "
            "skip_if_in_campaign); they show as rejected with that reason."
        ),
    )


class CampaignUpdate(CamelModel):
    skip_if_in_other_campaign: bool = Field(
        description="Default for dispatches to come: skip technicians in another campaign."
    )


class CampaignRead(ReadModel):
    id: uuid.UUID
    name: str
    channel: str
    instantly_campaign_id: str | None
    trade_filter: str | None
    status: str
    total_targets: int
    emails_sent: int
    emails_opened: int
    emails_clicked: int
    replies_received: int
    emails_bounced: int
    unsubscribed: int
    leads_rejected: int
    emails_delivered: int
    emails_dropped: int
    spam_reports: int
    skip_if_in_other_campaign: bool
    instantly_stats: dict[str, Any]
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CampaignList(ReadModel):
    items: list[CampaignRead]
