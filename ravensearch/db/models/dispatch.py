from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin, TimestampMixin


class DispatchStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    opened = "opened"
    clicked = "clicked"
    replied = "replied"
    bounced = "bounced"
    unsubscribed = "unsubscribed"
    # Instantly answered for the lead but does not hold it (see `RejectReason`).
    rejected = "rejected"


class RejectReason(StrEnum):
    """Why Instantly did not take a lead, as far as its answer and a lookup can tell."""

    blocklisted = "blocklisted"
    invalid_email = "invalid_email"
    plan_limit = "plan_limit"
    in_other_campaign = "in_other_campaign"
    not_accepted = "not_accepted"


REJECT_REASON_TEXT: dict[str, str] = {
    RejectReason.blocklisted: "on Instantly's block list",
    RejectReason.invalid_email: "Instantly rejected the email address as invalid",
    RejectReason.plan_limit: "the Instantly plan's lead limit is reached",
    RejectReason.in_other_campaign: (
        "already in another Instantly campaign (the skip option was on)"
    ),
    RejectReason.not_accepted: "Instantly did not add the lead and gave no reason",
}


class Channel(StrEnum):
    instantly = "instantly"
    sendgrid = "sendgrid"


class Dispatch(IDMixin, TimestampMixin, Base):
    """One technician pushed (or about to be pushed) to one campaign; written before the push."""

    __tablename__ = "job_dispatches"

    technician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_targets.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20), default=Channel.instantly)
    status: Mapped[str] = mapped_column(String(20), default=DispatchStatus.pending)
    email: Mapped[str] = mapped_column(String(320))
    instantly_lead_id: Mapped[str | None] = mapped_column(String(64))
    push_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("instantly_pushes.id"))
    pushed_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    rejected_reason: Mapped[str | None] = mapped_column(String(40))
    # Asked for at dispatch time (or taken from the campaign), kept for the sweep's retries.
    skip_if_in_other_campaign: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    clicked_at: Mapped[datetime | None] = mapped_column()
    replied_at: Mapped[datetime | None] = mapped_column()
    auto_replied_at: Mapped[datetime | None] = mapped_column()
    bounced_at: Mapped[datetime | None] = mapped_column()
    unsubscribed_at: Mapped[datetime | None] = mapped_column()
    # Channel `sendgrid` only: delivery reports Instantly does not send.
    delivered_at: Mapped[datetime | None] = mapped_column()
    dropped_at: Mapped[datetime | None] = mapped_column()
    spam_reported_at: Mapped[datetime | None] = mapped_column()
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_subject: Mapped[str | None] = mapped_column(String(500))
    auto_reply_text: Mapped[str | None] = mapped_column(Text)
    bounce_reason: Mapped[str | None] = mapped_column(Text)
    interest_status: Mapped[str | None] = mapped_column(String(40))
    interest_at: Mapped[datetime | None] = mapped_column()
    unibox_url: Mapped[str | None] = mapped_column(String(500))
    # Channel `sendgrid`: the next sequence step to send and when it is due (None: nothing
    # left to send, or the sequence stopped on a reply, bounce or unsubscribe).
    next_step: Mapped[int | None] = mapped_column()
    next_step_due_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("campaign_id", "technician_id"),
        UniqueConstraint("campaign_id", "email"),
        Index("ix_job_dispatches_campaign_status", "campaign_id", "status"),
        # A campaign's dispatches newest first, and the keyset pages after a cursor.
        Index("ix_job_dispatches_campaign_created", "campaign_id", "created_at", "id"),
        Index("ix_job_dispatches_technician_id", "technician_id"),
        Index("ix_job_dispatches_unpushed", "pushed_at", "campaign_id"),
        Index("ix_job_dispatches_next_step_due", "next_step_due_at"),
    )


class DispatchStep(Base):
    """A sequence step Instantly reported sent for one dispatch (emails_sent counts these)."""

    __tablename__ = "dispatch_sent_steps"

    dispatch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("job_dispatches.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column()


class InstantlyPush(IDMixin, CreatedMixin, Base):
    """One bulk `POST /leads/add` call and the counts Instantly answered with."""

    __tablename__ = "instantly_pushes"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="CASCADE"), index=True
    )
    lead_count: Mapped[int] = mapped_column()
    leads_uploaded: Mapped[int] = mapped_column(default=0)
    duplicated_leads: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    in_blocklist: Mapped[int] = mapped_column(default=0)
    invalid_email_count: Mapped[int] = mapped_column(default=0)
    duplicate_email_count: Mapped[int] = mapped_column(default=0)
    remaining_in_plan: Mapped[int | None] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
