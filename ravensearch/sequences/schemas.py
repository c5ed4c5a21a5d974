from __future__ import annotations

import uuid
from datetime import datetime

from ravensearch.kit.schemas import ReadModel


class EmailSendRead(ReadModel):
    id: uuid.UUID
    dispatch_id: uuid.UUID
    step: int
    state: str
    to_email: str
    subject: str
    rfc_message_id: str
    message_id: str | None
    attempts: int
    not_before: datetime | None
    sending_at: datetime | None
    sent_at: datetime | None
    error: str | None
    created_at: datetime


class EmailSendList(ReadModel):
    items: list[EmailSendRead]
    total: int


class PreviewStep(ReadModel):
    step: int
    delay_days: int
    subject: str
    body: str
    headers: dict[str, str]


class Preview(ReadModel):
    """One technician's emails of a campaign, as they would be sent."""

    campaign_id: uuid.UUID
    target_id: uuid.UUID
    to: str | None
    from_email: str | None
    from_name: str | None
    reply_to: str | None
    steps: list[PreviewStep]
    warnings: list[str]


class SendRunRead(ReadModel):
    sent: int
    failed: int
    requeued: int
    uncertain: int
    stopped: int
    cut_off: int
    batches: list[int]
    halted: str | None
    auth_failed: bool
