from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from ravensearch.kit.schemas import CamelModel, ReadModel


class DispatchRequest(CamelModel):
    campaign_id: uuid.UUID = Field(description="The Ravensearch campaign id (not Instantly's).")
    target_ids: list[uuid.UUID] = Field(min_length=1, max_length=100_000)


class Skipped(ReadModel):
    targetId: uuid.UUID
    reason: str


class InstantlyCounts(ReadModel):
    calls: int = 0
    leads_uploaded: int = 0
    duplicated_leads: int = 0
    skipped_count: int = 0
    in_blocklist: int = 0
    invalid_email_count: int = 0


class DispatchResult(ReadModel):
    success: bool
    leads_sent: int
    campaign: str
    recorded: int
    pending: int
    skipped: list[Skipped]
    instantly: InstantlyCounts
    error: str | None = None


class DispatchRead(ReadModel):
    id: uuid.UUID
    target_id: uuid.UUID = Field(validation_alias="technician_id")
    email: str
    status: str
    channel: str
    instantly_lead_id: str | None
    pushed_at: datetime | None
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    replied_at: datetime | None
    bounced_at: datetime | None
    unsubscribed_at: datetime | None
    reply_text: str | None
    bounce_reason: str | None
    interest_status: str | None
    created_at: datetime


class DispatchList(ReadModel):
    items: list[DispatchRead]
    total: int
    # Pass it as `cursor` for the next page; null on the last page.
    next_cursor: str | None = None
