"""Pruning old webhook events: what goes, what always stays, one transaction per chunk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import EventState, Notification, WebhookEvent
from ravensearch.db.session import unit_of_work
from ravensearch.events import flows
from ravensearch.events.service import events_service
from ravensearch.kit.clock import utcnow
from tests.events.helpers import store_events

Sessionmaker = async_sessionmaker[AsyncSession]

OLD = utcnow() - timedelta(days=120)
CUTOFF = utcnow() - timedelta(days=90)


async def remaining(sessionmaker: Sessionmaker) -> list[tuple[str, bool]]:
    """(state, is old) of every event left, sorted."""
    async with sessionmaker() as session:
        rows = (await session.execute(select(WebhookEvent.state, WebhookEvent.id))).all()
        old = set(
            await session.scalars(select(WebhookEvent.id).where(WebhookEvent.received_at < CUTOFF))
        )
    return sorted((state, row_id in old) for state, row_id in rows)


async def seed_every_state(sessionmaker: Sessionmaker) -> None:
    for state in EventState:
        await store_events(sessionmaker, state, received_at=OLD)
        await store_events(sessionmaker, state)


class TestPrune:
    async def test_deletes_old_applied_ignored_and_foreign_only(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await seed_every_state(sessionmaker)
        report = await flows.prune(sessionmaker, before=CUTOFF)
        assert report.deleted == 3
        assert await remaining(sessionmaker) == [
            ("applied", False),
            ("failed", False),
            ("failed", True),
            ("foreign", False),
            ("ignored", False),
            ("pending", False),
            ("pending", True),
            ("unmatched", False),
            ("unmatched", True),
        ]

    async def test_include_failed_still_keeps_pending_and_unmatched(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await seed_every_state(sessionmaker)
        report = await flows.prune(sessionmaker, before=CUTOFF, include_failed=True)
        assert report.deleted == 4
        assert ("pending", True) in await remaining(sessionmaker)
        assert ("unmatched", True) in await remaining(sessionmaker)
        assert ("failed", True) not in await remaining(sessionmaker)

    async def test_deletes_chunk_by_chunk_with_progress(
        self, sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await store_events(sessionmaker, EventState.applied, 25, received_at=OLD)
        await store_events(sessionmaker, EventState.pending, 3, received_at=OLD)
        calls: list[int] = []
        real = events_service.prune_chunk

        async def counting(session: AsyncSession, **kw: object) -> int:
            deleted = await real(session, **kw)  # type: ignore[arg-type]
            calls.append(deleted)
            return deleted

        monkeypatch.setattr(events_service, "prune_chunk", counting)
        seen: list[tuple[int, int]] = []
        report = await flows.prune(
            sessionmaker,
            before=CUTOFF,
            chunk_size=10,
            on_progress=lambda done, total: seen.append((done, total)),
        )
        assert report.deleted == 25
        assert calls == [10, 10, 5]
        assert seen == [(10, 25), (20, 25), (25, 25)]
        assert await remaining(sessionmaker) == [("pending", True)] * 3

    async def test_an_exact_multiple_ends_with_an_empty_chunk(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await store_events(sessionmaker, EventState.ignored, 20, received_at=OLD)
        report = await flows.prune(sessionmaker, before=CUTOFF, chunk_size=10)
        assert report.deleted == 20
        assert await remaining(sessionmaker) == []

    async def test_notifications_of_deleted_events_stay(self, sessionmaker: Sessionmaker) -> None:
        [event_id] = await store_events(sessionmaker, EventState.applied, received_at=OLD)
        async with unit_of_work(sessionmaker) as session:
            session.add(Notification(kind="reply", title="Ann replied", event_id=event_id))
        assert (await flows.prune(sessionmaker, before=CUTOFF)).deleted == 1
        async with sessionmaker() as session:
            notification = await session.scalar(select(Notification))
        assert notification is not None
        assert notification.event_id is None
