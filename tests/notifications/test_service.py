from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import NotificationKind
from ravensearch.errors import NotFound
from ravensearch.notifications.service import notification_service


class TestCreate:
    async def test_long_title_cut_and_long_link_dropped(self, session: AsyncSession) -> None:
        created = await notification_service.create(
            session, kind=NotificationKind.reply, title="T" * 400, link="https://x/" + "a" * 600
        )
        assert len(created.title) == 300
        assert created.title.endswith("…")
        assert created.link is None


class TestListAndRead:
    async def test_unread_filter_count_and_mark_read(self, session: AsyncSession) -> None:
        first = await notification_service.create(
            session, kind=NotificationKind.bounce, title="one"
        )
        await notification_service.create(session, kind=NotificationKind.reply, title="two")
        assert await notification_service.unread_count(session) == 2

        read = await notification_service.mark_read(session, first.id)
        read_at = read.read_at
        assert read_at is not None
        again = await notification_service.mark_read(session, first.id)
        assert again.read_at == read_at  # the first read time is kept

        assert await notification_service.unread_count(session) == 1
        unread = await notification_service.list(session, unread_only=True)
        assert [n.title for n in unread] == ["two"]
        assert len(await notification_service.list(session)) == 2
        assert len(await notification_service.list(session, limit=1, offset=1)) == 1

    async def test_mark_read_unknown(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await notification_service.mark_read(session, uuid.uuid4())
