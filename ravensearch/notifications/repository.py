"""SQL for notifications."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Notification


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_id(self, notification_id: uuid.UUID) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    async def event_ids_notified(self, event_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not event_ids:
            return set()
        stmt = select(Notification.event_id).where(Notification.event_id.in_(sorted(event_ids)))
        return {event_id for event_id in (await self.session.scalars(stmt)).all() if event_id}

    async def list(self, *, unread_only: bool, limit: int, offset: int) -> Sequence[Notification]:
        stmt = select(Notification).order_by(Notification.created_at.desc(), Notification.id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return (await self.session.scalars(stmt.limit(limit).offset(offset))).all()

    async def count(self, *, unread_only: bool) -> int:
        stmt = select(func.count()).select_from(Notification)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return int(await self.session.scalar(stmt) or 0)

    async def mark_all_read(self, *, now: datetime) -> int:
        result = await self.session.execute(
            update(Notification)
            .where(Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def count_unread(self) -> int:
        stmt = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
        return int(await self.session.scalar(stmt) or 0)
