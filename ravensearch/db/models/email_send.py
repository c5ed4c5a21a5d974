from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class SendState(StrEnum):
    """Where one (dispatch, step) email is; only `queued` is ever picked to send."""

    queued = "queued"  # due, not yet handed to SendGrid (or waiting after a 429)
    sending = "sending"  # committed just before the API call; its outcome not yet known
    sent = "sent"  # SendGrid answered 202; `message_id` holds its X-Message-Id
    failed = "failed"  # SendGrid refused it for sure (4xx other than 429): not sent
    # The request may have left (timeout, connection lost, crash mid-call): never re-sent
    # automatically, because a duplicate cold email is worse than a missing one.
    uncertain = "uncertain"
    cancelled = "cancelled"  # the sequence stopped (reply, bounce, unsubscribe, suppression)


class EmailSend(IDMixin, TimestampMixin, Base):
    """The outbox: one row per (dispatch, step), written and committed before it is sent."""

    __tablename__ = "email_sends"

    dispatch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("job_dispatches.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_campaigns.id", ondelete="CASCADE")
    )
    step: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=SendState.queued)
    to_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    # Our own RFC 5322 Message-ID header: a reply's In-Reply-To / References point back here.
    rfc_message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # SendGrid's X-Message-Id of the request that carried it (shared by one batch); events'
    # `sg_message_id` starts with it.
    message_id: Mapped[str | None] = mapped_column(String(100))
    batch_id: Mapped[uuid.UUID | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None] = mapped_column()
    sending_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("dispatch_id", "step"),
        Index("ix_email_sends_state_not_before", "state", "not_before"),
        Index("ix_email_sends_message_id", "message_id"),
        Index("ix_email_sends_campaign_sent", "campaign_id", "sent_at"),
    )
