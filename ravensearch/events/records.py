"""Plain records the applier works on: the rows of a batch, loaded without the ORM.

A batch touches hundreds of rows; ORM instances (identity map, change tracking, one UPDATE
per row at flush) cost more CPU than the work itself, so the repository loads these
records and writes them back with one executemany per table.
"""

from __future__ import annotations

import uuid
from dataclasses import MISSING, dataclass, fields
from datetime import datetime

from ravensearch.db.models import EventState


@dataclass(slots=True)
class StoredEvent:
    """A claimed `webhook_events` row and what applying it decided."""

    id: uuid.UUID
    event_type: str
    instantly_campaign_id: str | None
    lead_email: str | None
    occurred_at: datetime | None
    received_at: datetime
    raw_body: str
    attempts: int
    source: str  # instantly, sendgrid, sendgrid_inbound
    state: str = EventState.pending
    error: str | None = None
    campaign_id: uuid.UUID | None = None
    dispatch_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class FailedEvent:
    """A `failed` row as an operator sees it (without the stored body)."""

    id: uuid.UUID
    received_at: datetime
    event_type: str
    instantly_campaign_id: str | None
    lead_email: str | None
    error: str | None
    attempts: int


@dataclass(slots=True)
class CampaignRef:
    id: uuid.UUID
    name: str


@dataclass(slots=True)
class DispatchState:
    """The columns of a `job_dispatches` row that events read or change (datetimes in UTC)."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    technician_id: uuid.UUID
    email: str
    status: str
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    replied_at: datetime | None
    auto_replied_at: datetime | None
    bounced_at: datetime | None
    unsubscribed_at: datetime | None
    reply_text: str | None
    reply_subject: str | None
    auto_reply_text: str | None
    bounce_reason: str | None
    interest_status: str | None
    interest_at: datetime | None
    unibox_url: str | None
    # Channel `sendgrid` only: delivery reports Instantly does not send.
    delivered_at: datetime | None
    dropped_at: datetime | None
    spam_reported_at: datetime | None


DISPATCH_COLUMNS = tuple(f.name for f in fields(DispatchState))
# After id, campaign_id, technician_id and email: what events change (written back, and
# restored when an event is rejected).
DISPATCH_MUTABLE = DISPATCH_COLUMNS[4:]
# The stored columns a claim loads (the fields without a default).
EVENT_COLUMNS = tuple(f.name for f in fields(StoredEvent) if f.default is MISSING)
FAILED_COLUMNS = tuple(f.name for f in fields(FailedEvent))
