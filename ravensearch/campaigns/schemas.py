from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from ravensearch.campaigns.templates import check
from ravensearch.kit.emails import is_valid_email, normalize_email
from ravensearch.kit.schemas import CamelModel, ReadModel

MAX_STEPS = 10
MAX_DELAY_DAYS = 365


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


class StepIn(CamelModel):
    """One email of a SendGrid sequence; templates may use the fields in templates.FIELDS."""

    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=8000)
    delay_days: int = Field(
        default=0,
        ge=0,
        le=MAX_DELAY_DAYS,
        description="Days after the previous step (step 1: after the dispatch).",
    )

    @field_validator("subject", "body")
    @classmethod
    def _template(cls, value: str) -> str:
        check(value)
        return value


def _email(value: str | None) -> str | None:
    email = normalize_email(value)
    if email is not None and not is_valid_email(email):
        raise ValueError(f"{value!r} is not a valid email address.")
    return email


class SequenceSettings(CamelModel):
    """Who sends a SendGrid campaign, when and how much (all optional: for PATCH)."""

    from_name: str | None = Field(default=None, max_length=200)
    reply_to: str | None = Field(default=None, max_length=320)
    window_start_hour: int | None = Field(default=None, ge=0, le=23)
    window_end_hour: int | None = Field(default=None, ge=1, le=24)
    weekdays_only: bool | None = None
    daily_cap: int | None = Field(default=None, ge=1, le=1_000_000)

    @field_validator("reply_to")
    @classmethod
    def _reply_to(cls, value: str | None) -> str | None:
        return _email(value)

    @model_validator(mode="after")
    def _window(self) -> Self:
        start, end = self.window_start_hour, self.window_end_hour
        if start is not None and end is not None and start >= end:
            raise ValueError(
                f"windowStartHour ({start}) must be before windowEndHour ({end}); hours are "
                "the technician's local time, 0 to 24."
            )
        return self


class CampaignCreate(SequenceSettings):
    """Link an Instantly campaign (channel `instantly`, the default), or create a sequence
    Ravensearch sends itself (channel `sendgrid`)."""

    channel: Literal["instantly", "sendgrid"] = "instantly"
    instantly_campaign_id: str | None = Field(
        default=None, description="Channel instantly: the Instantly campaign id (a UUID)."
    )
    trade_filter: str | None = Field(default=None, description="Only dispatch this trade.")
    skip_if_in_other_campaign: bool = Field(
        default=False,
        description=(
            "Skip technicians Instantly already holds in any other campaign (Instantly's "
            "skip_if_in_campaign); they show as rejected with that reason."
        ),
    )
    # --- channel sendgrid ---
    name: str | None = Field(default=None, min_length=1, max_length=300)
    from_email: str | None = Field(default=None, max_length=320)
    steps: list[StepIn] | None = Field(default=None, min_length=1, max_length=MAX_STEPS)
    status: Literal["draft", "active", "paused"] = "active"

    @field_validator("from_email")
    @classmethod
    def _from_email(cls, value: str | None) -> str | None:
        return _email(value)

    @model_validator(mode="after")
    def _channel_fields(self) -> Self:
        if self.channel == "instantly":
            if self.instantly_campaign_id is None:
                raise ValueError("instantlyCampaignId is required to link an Instantly campaign.")
            extra = [n for n in _SENDGRID_ONLY if n in self.model_fields_set]
            if extra:
                names = ", ".join(CampaignCreate.model_fields[n].alias or n for n in extra)
                raise ValueError(f"{names}: only for channel sendgrid.")
            return self
        if self.instantly_campaign_id is not None:
            raise ValueError("instantlyCampaignId: only for channel instantly.")
        missing = [a for a, v in (("name", self.name), ("fromEmail", self.from_email),
                                  ("steps", self.steps)) if v is None]  # fmt: skip
        if missing:
            raise ValueError(f"{', '.join(missing)} required for channel sendgrid.")
        return self


_SENDGRID_ONLY = (
    "name", "from_email", "from_name", "reply_to", "window_start_hour", "window_end_hour",
    "weekdays_only", "daily_cap", "steps", "status",
)  # fmt: skip


class CampaignUpdate(SequenceSettings):
    """Change a campaign's defaults; a SendGrid campaign also its sender, window, cap,
    status, and the steps not yet sent."""

    skip_if_in_other_campaign: bool | None = Field(
        default=None,
        description="Default for dispatches to come: skip technicians in another campaign.",
    )
    from_email: str | None = Field(default=None, max_length=320)
    steps: list[StepIn] | None = Field(default=None, min_length=1, max_length=MAX_STEPS)
    status: Literal["draft", "active", "paused"] | None = None

    @field_validator("from_email")
    @classmethod
    def _from_email(cls, value: str | None) -> str | None:
        return _email(value)


class CampaignStepRead(ReadModel):
    position: int
    delay_days: int
    subject_template: str
    body_template: str


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
    from_email: str | None
    from_name: str | None
    reply_to: str | None
    window_start_hour: int
    window_end_hour: int
    weekdays_only: bool
    daily_cap: int | None
    emails_delivered: int
    emails_dropped: int
    spam_reports: int
    skip_if_in_other_campaign: bool
    instantly_stats: dict[str, Any]
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CampaignDetail(CampaignRead):
    """One campaign with its sequence (empty for an Instantly campaign)."""

    steps: list[CampaignStepRead] = Field(default_factory=list)


class CampaignList(ReadModel):
    items: list[CampaignRead]
