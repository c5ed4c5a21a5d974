from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, computed_field

from ravensearch.db.models import REJECT_REASON_TEXT
from ravensearch.kit.schemas import CamelModel, ReadModel


class DispatchRequest(CamelModel):
    campaign_id: uuid.UUID = Field(description="The Ravensearch campaign id (not Instantly's).")
    target_ids: list[uuid.UUID] = Field(min_length=1, max_length=100_000)
    skip_if_in_other_campaign: bool | None = Field(
        default=None,
        description=(
            "Skip technicians Instantly already holds in any other campaign; omit to use the "
            "campaign's setting. Those skipped come back in `rejected`."
        ),
    )


class RetryRejectedRequest(CamelModel):
    dispatch_ids: list[uuid.UUID] | None = Field(
        default=None, description="Rejected dispatches to send again; omit for all of them."
    )


class Skipped(ReadModel):
    targetId: uuid.UUID
    reason: str


class Rejected(ReadModel):
    """A lead Instantly answered for but does not hold."""

    targetId: uuid.UUID
    reason: str
    message: str


class InstantlyCounts(ReadModel):
    calls: int = 0
    lookups: int = 0
    leads_uploaded: int = 0
    duplicated_leads: int = 0
    skipped_count: int = 0
    in_blocklist: int = 0
    invalid_email_count: int = 0
    duplicate_email_count: int = 0
    remaining_in_plan: int | None = None


class DispatchResult(ReadModel):
    success: bool
    # Leads Instantly now holds in the campaign (created, or found already there); for a
    # SendGrid campaign, the technicians whose sequence was scheduled.
    leads_sent: int
    channel: str = "instantly"
    campaign: str
    recorded: int
    pending: int
    skipped: list[Skipped]
    rejected: list[Rejected]
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
    rejected_reason: str | None
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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> str:
        """What Instantly made of the lead, in words."""
        if self.rejected_reason:
            text = REJECT_REASON_TEXT.get(self.rejected_reason, self.rejected_reason)
            return f"rejected: {text}"
        if self.channel == "sendgrid":
            return "in the SendGrid sequence"
        if self.pushed_at is None:
            return f"waiting to be pushed ({self.last_error})" if self.last_error else "waiting"
        return "in Instantly" if self.instantly_lead_id else "pushed"


class DispatchList(ReadModel):
    items: list[DispatchRead]
    total: int
    # Pass it as `cursor` for the next page; null on the last page.
    next_cursor: str | None = None
