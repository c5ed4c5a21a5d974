from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import Campaign, EventState, WebhookEvent
from ravensearch.events import applier as applier_module
from ravensearch.events import service as service_module
from ravensearch.events.applier import EventApplier
from tests.events.helpers import event, load, record, seed_lead
from tests.fixtures.factories import instantly_event

Sessionmaker = async_sessionmaker[AsyncSession]


async def wait_for_state(sessionmaker: Sessionmaker, state: str, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            async with sessionmaker() as session:
                states = set((await session.scalars(select(WebhookEvent.state))).all())
            if states == {state}:
                return
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(applier: EventApplier) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(applier.run())
    await asyncio.sleep(0)  # let run() install its loop and wake-up event
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class TestYieldToIntake:
    @pytest.fixture
    def pauses(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        taken: list[float] = []

        async def sleep(seconds: float) -> None:
            taken.append(seconds)

        monkeypatch.setattr(applier_module.asyncio, "sleep", sleep)
        return taken

    async def test_pauses_while_intake_is_busy(
        self, sessionmaker: Sessionmaker, pauses: list[float]
    ) -> None:
        applier = EventApplier(sessionmaker, busy_rate=100, busy_share=0.25)
        started = time.monotonic() - 0.1  # the batch took 0.1 s ...
        for _ in range(50):  # ... while 50 events were stored: 500/s
            applier.wake()
        await applier._yield_to_intake(started, stored_before=0)
        assert len(pauses) == 1
        assert 0.29 <= pauses[0] <= 0.4  # 3 x the batch: the applier had 1/4 of the time

    async def test_no_pause_when_intake_is_quiet(
        self, sessionmaker: Sessionmaker, pauses: list[float]
    ) -> None:
        applier = EventApplier(sessionmaker, busy_rate=1000)
        started = time.monotonic() - 0.1
        for _ in range(50):  # 500/s, under the busy rate
            applier.wake()
        await applier._yield_to_intake(started, stored_before=0)
        assert pauses == []


class TestWake:
    def test_noop_when_not_running(self, sessionmaker: Sessionmaker) -> None:
        EventApplier(sessionmaker).wake()  # no loop, nothing to wake: must not raise

    async def test_wake_applies_without_waiting_for_the_poll(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        applier = EventApplier(sessionmaker, poll_seconds=60)
        async with running(applier):
            await asyncio.sleep(0.05)  # the first (empty) drain is done; now it waits 60 s
            await record(engine, instantly_event("Custom", campaign_id="c", email="a@b.io"))
            applier.wake()
            await wait_for_state(sessionmaker, EventState.ignored, timeout=5)

    async def test_wake_from_another_thread(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        applier = EventApplier(sessionmaker, poll_seconds=60)
        async with running(applier):
            await asyncio.sleep(0.05)
            await record(engine, instantly_event("Custom", campaign_id="c", email="a@b.io"))
            thread = threading.Thread(target=applier.wake)
            thread.start()
            thread.join()
            await wait_for_state(sessionmaker, EventState.ignored, timeout=5)


class TestRun:
    async def test_polls_without_a_wake(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        applier = EventApplier(sessionmaker, poll_seconds=0.05)
        async with running(applier):
            await asyncio.sleep(0.05)
            await record(engine, instantly_event("Custom", campaign_id="c", email="a@b.io"))
            await wait_for_state(sessionmaker, EventState.ignored, timeout=5)

    async def test_survives_errors(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = service_module.events_service.apply_pending
        calls = 0

        async def flaky(session: AsyncSession, **kw: Any) -> service_module.BatchResult:
            nonlocal calls
            calls += 1
            if calls <= 3:
                raise OperationalError("SELECT", {}, Exception("server closed the connection"))
            return await real(session, **kw)

        monkeypatch.setattr(service_module.events_service, "apply_pending", flaky)
        await record(engine, instantly_event("Custom", campaign_id="c", email="a@b.io"))
        async with running(EventApplier(sessionmaker, poll_seconds=0.01)) as task:
            await wait_for_state(sessionmaker, EventState.ignored, timeout=5)
            assert not task.done()
        assert calls > 3  # three failed attempts, and yet the event was not marked failed


class TestDrain:
    async def test_counts_applied_events_across_batches(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        for n in range(5):
            payload = instantly_event("account_error", campaign_id=None, email=f"{n}@x.io")
            await record(engine, payload)
        assert await EventApplier(sessionmaker, batch_size=2).drain() == 5
        assert await EventApplier(sessionmaker).drain() == 0


class TestRestartAfterCrash:
    async def test_counters_left_stale_by_a_killed_process_are_recounted_at_start(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "email_opened", "2026-12-01T10:00:00Z"))
        # Applied and committed, then the process died before its deferred recount.
        await EventApplier(sessionmaker).apply_batch(sessionmaker, recount=False)
        assert (await load(sessionmaker, Campaign, lead.campaign_id)).emails_opened == 0

        async with running(EventApplier(sessionmaker, poll_seconds=60)):
            async with asyncio.timeout(5):
                while (await load(sessionmaker, Campaign, lead.campaign_id)).emails_opened != 1:
                    await asyncio.sleep(0.02)
