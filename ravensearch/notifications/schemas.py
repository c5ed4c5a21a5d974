from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, field_validator

from ravensearch.db.models import NotificationKind
from ravensearch.kit.clock import as_utc
from ravensearch.kit.schemas import ReadModel


class NotificationRead(ReadModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str | None
    link: str | None
    campaign_id: uuid.UUID | None
    target_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None

    @field_validator("created_at", "read_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # SQLite returns naive datetimes; every stored timestamp is UTC.
        return None if value is None else as_utc(value)


class NotificationList(BaseModel):
    items: list[NotificationRead]
    unread: int


class NotificationCreate(BaseModel):
    kind: NotificationKind
    title: str
    body: str | None = None
    link: str | None = None
    campaign_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
