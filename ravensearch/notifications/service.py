"""Create, list and acknowledge notifications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Notification, NotificationKind
from ravensearch.errors import NotFound
from ravensearch.kit.clock import utcnow
from ravensearch.notifications.repository import NotificationRepository
from ravensearch.notifications.schemas import NotificationCreate

MAX_TITLE = 300
MAX_LINK = 500


class NotificationNotFound(NotFound):
    pass


class NotificationService:
    """Notifications for the admin; at most one per webhook event."""

    async def create(
        self,
        session: AsyncSession,
        *,
        kind: NotificationKind,
        title: str,
        body: str | None = None,
        link: str | None = None,
        campaign_id: uuid.UUID | None = None,
        target_id: uuid.UUID | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Notification:
        """Add one notification (flushed)."""
        notification = _build(
            NotificationCreate(
                kind=kind,
                title=title,
                body=body,
                link=link,
                campaign_id=campaign_id,
                target_id=target_id,
                event_id=event_id,
            )
        )
        session.add(notification)
        await session.flush()
        return notification

    async def create_many(
        self, session: AsyncSession, drafts: Sequence[NotificationCreate]
    ) -> list[Notification]:
        """Add many notifications in one flush. One whose `event_id` already has a
        notification is skipped, so re-applying an event never notifies twice."""
        notified = await NotificationRepository(session).event_ids_notified(
            {d.event_id for d in drafts if d.event_id is not None}
        )
        created: list[Notification] = []
        for draft in drafts:
            if draft.event_id is None or draft.event_id not in notified:
                created.append(_build(draft))
                if draft.event_id is not None:
                    notified.add(draft.event_id)
        session.add_all(created)
        await session.flush()
        return created

    async def list(
        self, session: AsyncSession, *, unread_only: bool = False, limit: int = 50, offset: int = 0
    ) -> Sequence[Notification]:
        """Newest first."""
        return await NotificationRepository(session).list(
            unread_only=unread_only, limit=limit, offset=offset
        )

    async def unread_count(self, session: AsyncSession) -> int:
        return await NotificationRepository(session).count_unread()

    async def count(self, session: AsyncSession, *, unread_only: bool = False) -> int:
        return await NotificationRepository(session).count(unread_only=unread_only)

    async def mark_all_read(self, session: AsyncSession) -> int:
        """Mark every unread notification read; returns how many were unread."""
        return await NotificationRepository(session).mark_all_read(now=utcnow())

    async def mark_read(self, session: AsyncSession, notification_id: uuid.UUID) -> Notification:
        """Idempotent (the first read time is kept); raises `NotificationNotFound` (404)."""
        notification = await NotificationRepository(session).get_by_id(notification_id)
        if notification is None:
            raise NotificationNotFound(f"Notification {notification_id} does not exist.")
        if notification.read_at is None:
            notification.read_at = utcnow()
            await session.flush()
        return notification


def _build(draft: NotificationCreate) -> Notification:
    title = draft.title
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    link = draft.link
    return Notification(
        kind=draft.kind,
        title=title,
        body=draft.body,
        # A cut URL would be a broken link: drop one too long to store.
        link=link if link is not None and len(link) <= MAX_LINK else None,
        campaign_id=draft.campaign_id,
        target_id=draft.target_id,
        event_id=draft.event_id,
    )


notification_service = NotificationService()
