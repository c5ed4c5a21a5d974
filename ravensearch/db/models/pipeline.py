from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class PipelineStage(StrEnum):
    """Recruiting stages after a reply, in order; `refused` ends the pipeline."""

    replied = "replied"
    interested = "interested"
    screening = "screening"
    interview = "interview"
    offer = "offer"
    hired = "hired"
    refused = "refused"


class RefusalReason(StrEnum):
    not_interested = "not_interested"
    wrong_person = "wrong_person"
    no_show = "no_show"
    salary = "salary"
    location = "location"
    other = "other"


class PipelineMove(IDMixin, CreatedMixin, Base):
    """One stage change of a technician: who or what moved them, from where, to where."""

    __tablename__ = "pipeline_moves"

    target_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_targets.id", ondelete="CASCADE")
    )
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    refusal_reason: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # auto (an Instantly event) | manual
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_pipeline_moves_target_created", "target_id", "created_at"),
        # Deleting webhook events (`ravensearch events prune`) looks moves up by event.
        Index("ix_pipeline_moves_event_id", "event_id"),
    )
