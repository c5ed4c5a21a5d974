from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import (
    Campaign,
    Dispatch,
    DispatchStep,
    EventState,
    Notification,
    WebhookEvent,
)
from ravensearch.db.session import unit_of_work
from ravensearch.events import effects
from ravensearch.events.applier import EventApplier
from ravensearch.events.kinds import EventTimes, status_of
from ravensearch.events.repository import WebhookEventRepository
from ravensearch.events.service import events_service
from ravensearch.kit.clock import as_utc
from ravensearch.suppressions.repository import SuppressionRepository
from ravensearch.suppressions.service import suppression_service
from tests.events.helpers import event, load, record, seed_lead, states, store_events
from tests.fixtures.factories import create_campaign, instantly_event

Sessionmaker = async_sessionmaker[AsyncSession]
T = "2026-11-27T10:00:00Z"


class TestRecord:
    async def test_stores_once(self, engine: AsyncEngine, sessionmaker: Sessionmaker) -> None:
        payload = instantly_event("email_opened", campaign_id="c1", email="A@b.com")
        assert await record(engine, payload) is True
        assert await record(engine, payload) is False
        async with sessionmaker() as session:
            rows = (await session.scalars(select(WebhookEvent))).all()
        assert len(rows) == 1
        assert rows[0].state == EventState.pending
        assert rows[0].lead_email == "a@b.com"
        assert json.loads(rows[0].raw_body) == payload


class TestApplyPending:
    async def test_first_occurrence_kept(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        applier = EventApplier(sessionmaker)
        await record(engine, event(lead, "email_opened", "2026-11-27T12:00:00Z"))
        await applier.drain()
        await record(engine, event(lead, "email_opened", "2026-11-27T11:00:00Z"))
        await record(engine, event(lead, "email_opened", "2026-11-27T13:00:00Z"))
        assert await applier.drain() == 2
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert as_utc(dispatch.opened_at) == datetime(2026, 11, 27, 11, tzinfo=UTC)

    async def test_event_without_timestamp_uses_receipt_time(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "email_opened", None))
        await EventApplier(sessionmaker).drain()
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        async with sessionmaker() as session:
            received = await session.scalar(select(WebhookEvent.received_at))
        assert received is not None
        assert as_utc(dispatch.opened_at) == as_utc(received)

    async def test_sent_steps_counted_once_each(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "email_sent", "2026-11-27T10:00:00Z", step=1))
        await record(engine, event(lead, "email_sent", "2026-11-28T10:00:00Z", step=2))
        await record(engine, event(lead, "email_sent", "2026-11-28T10:00:05Z", step="2"))
        await EventApplier(sessionmaker).drain()
        async with sessionmaker() as session:
            steps = (await session.scalars(select(DispatchStep.step))).all()
            campaign = await session.get(Campaign, lead.campaign_id)
        assert sorted(steps) == [1, 2]
        assert campaign is not None
        assert campaign.emails_sent == 2

    async def test_first_reply_text_kept_but_every_reply_notifies(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        second = event(lead, "reply_received", "2026-11-27T12:00:00Z", reply_text="Call me")
        first = event(lead, "reply_received", "2026-11-27T11:00:00Z", reply_text="Who is this?")
        await record(engine, second)
        await EventApplier(sessionmaker).drain()
        await record(engine, first)
        await EventApplier(sessionmaker).drain()
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.reply_text == "Who is this?"
        async with sessionmaker() as session:
            bodies = (await session.scalars(select(Notification.body))).all()
        assert sorted(b or "" for b in bodies) == ["Call me", "Who is this?"]

    async def test_latest_interest_wins_in_any_order(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "lead_meeting_booked", "2026-11-27T15:00:00Z"))
        await EventApplier(sessionmaker).drain()
        await record(engine, event(lead, "lead_interested", "2026-11-27T14:00:00Z"))
        await EventApplier(sessionmaker).drain()
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.interest_status == "meeting_booked"
        assert as_utc(dispatch.interest_at) == datetime(2026, 11, 27, 15, tzinfo=UTC)

    async def test_bounce_is_terminal_whatever_arrives_later(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "email_bounced", "2026-11-27T10:05:00Z"))
        await EventApplier(sessionmaker).drain()
        await record(engine, event(lead, "reply_received", "2026-11-27T11:00:00Z"))
        await record(engine, event(lead, "email_opened", "2026-11-27T11:00:00Z"))
        await EventApplier(sessionmaker).drain()
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.status == "bounced"
        assert dispatch.bounce_reason is None  # Instantly documents no reason field
        assert dispatch.replied_at is not None  # recorded, just not a status change

    async def test_bounce_for_unknown_lead_still_suppresses(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, session: AsyncSession
    ) -> None:
        payload = instantly_event("email_bounced", campaign_id="nope", email="Gone@Dead.example")
        await record(engine, payload)
        await EventApplier(sessionmaker).drain()
        assert await states(sessionmaker) == ["foreign"]
        assert await suppression_service.is_suppressed(session, "gone@dead.example")

    async def test_failing_event_does_not_block_the_batch(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        # A dispatch whose address is not an email: its bounce cannot be suppressed.
        lead = await seed_lead(sessionmaker, email="not-an-address")
        await record(engine, event(lead, "email_sent", "2026-11-27T10:00:00Z"))
        await record(engine, event(lead, "email_bounced", "2026-11-27T10:01:00Z"))
        await record(engine, event(lead, "email_opened", "2026-11-27T10:02:00Z"))
        async with unit_of_work(sessionmaker) as session:
            session.add(WebhookEvent(dedupe_key="x" * 64, event_type="email_sent", raw_body="{"))
        assert await EventApplier(sessionmaker).drain() == 2

        async with sessionmaker() as session:
            rows = (await session.scalars(select(WebhookEvent))).all()
        by_type = {row.event_type: row for row in rows if row.raw_body != "{"}
        broken = next(row for row in rows if row.raw_body == "{")
        # Neither can ever apply: ignored with the reason, not failed (failed is retried).
        assert by_type["email_bounced"].state == EventState.ignored
        assert by_type["email_bounced"].attempts == 1
        assert "is not an email address" in (by_type["email_bounced"].error or "")
        assert broken.state == EventState.ignored
        assert "JSON" in (broken.error or "")
        assert by_type["email_sent"].state == by_type["email_opened"].state == "applied"
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.bounced_at is None
        assert dispatch.status == "opened"

    async def test_changes_of_a_rejected_event_are_undone(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        lead = await seed_lead(sessionmaker)

        def exploding(dispatch: EventTimes) -> str:
            if dispatch.clicked_at is not None:
                raise RuntimeError("boom")
            return status_of(dispatch)

        monkeypatch.setattr(effects, "status_of", exploding)
        await record(engine, event(lead, "email_opened", "2026-11-27T10:00:00Z"))
        await record(engine, event(lead, "link_clicked", "2026-11-27T10:01:00Z"))
        assert await EventApplier(sessionmaker).drain() == 1
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.clicked_at is None  # set in memory before the error, then undone
        assert dispatch.status == "opened"
        async with sessionmaker() as session:
            clicked = await session.scalar(
                select(WebhookEvent).where(WebhookEvent.event_type == "link_clicked")
            )
        assert clicked is not None
        assert clicked.state == EventState.failed
        assert clicked.error == "RuntimeError: boom"

    async def test_batch_that_cannot_be_written_is_retried_event_by_event(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        good = await seed_lead(sessionmaker)
        poisoned = await seed_lead(sessionmaker)
        real = SuppressionRepository.insert_ignoring_existing

        async def failing_for_one(self: SuppressionRepository, rows: Any) -> None:
            if any(row["value"] == poisoned.email for row in rows):
                raise IntegrityError("INSERT", {}, Exception("simulated"))
            await real(self, rows)

        monkeypatch.setattr(SuppressionRepository, "insert_ignoring_existing", failing_for_one)
        await record(engine, event(good, "email_bounced", "2026-11-27T10:00:00Z"))
        await record(engine, event(poisoned, "email_bounced", "2026-11-27T10:00:00Z"))
        await record(engine, event(good, "email_opened", "2026-11-27T10:01:00Z"))
        assert await EventApplier(sessionmaker).drain() == 2

        async with sessionmaker() as session:
            rows = (await session.scalars(select(WebhookEvent))).all()
            assert await suppression_service.is_suppressed(session, good.email)
            assert not await suppression_service.is_suppressed(session, poisoned.email)
        failed = [row for row in rows if row.state == EventState.failed]
        assert [row.lead_email for row in failed] == [poisoned.email]
        assert "simulated" in (failed[0].error or "")
        assert failed[0].attempts == 1
        assert (await load(sessionmaker, Dispatch, good.dispatch_id)).status == "bounced"
        assert (await load(sessionmaker, Dispatch, poisoned.dispatch_id)).bounced_at is None

    async def test_lead_event_without_lead_email_is_ignored(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        await record(engine, {"event_type": "email_opened", "campaign_id": "c1"})
        assert await EventApplier(sessionmaker).drain() == 0
        assert await states(sessionmaker) == ["ignored"]

    async def test_custom_label_is_ignored(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "Hot prospect", "2026-11-27T10:00:00Z"))
        await EventApplier(sessionmaker).drain()
        assert await states(sessionmaker) == ["ignored"]
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.interest_status is None


class TestUnusableData:
    """Events stored with 200 always end applied or ignored (with the reason), never stuck."""

    @pytest.mark.parametrize(
        ("reply", "stored"),
        [("Call me\x00 now", "Call me now"), ("Call \ud800me", "Call \ufffdme")],
    )
    async def test_reply_text_the_database_cannot_hold_is_cleaned(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, reply: str, stored: str
    ) -> None:
        lead = await seed_lead(sessionmaker)
        subject = "Re:\x00 work"
        payload = event(lead, "reply_received", T, reply_text=reply, reply_subject=subject)
        await record(engine, payload)
        assert await EventApplier(sessionmaker).drain() == 1
        assert await states(sessionmaker) == ["applied"]
        dispatch = await load(sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.reply_text, dispatch.reply_subject) == (stored, "Re: work")
        async with sessionmaker() as session:
            assert (await session.scalars(select(Notification.body))).all() == [stored]

    async def test_lead_email_as_a_list_is_ignored_with_the_reason(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        payload = event(lead, "email_opened", T)
        payload["lead_email"] = payload["email"] = [lead.email]
        await record(engine, payload)
        assert await EventApplier(sessionmaker).drain() == 0
        async with sessionmaker() as session:
            stored = await session.scalar(select(WebhookEvent))
        assert stored is not None
        assert (stored.state, stored.error) == (
            EventState.ignored,
            "lead_email is a JSON list, not an email address",
        )
        assert (await load(sessionmaker, Dispatch, lead.dispatch_id)).opened_at is None

    async def test_bounce_of_a_lead_email_that_is_no_address_is_ignored(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        await record(engine, instantly_event("email_bounced", campaign_id="c1", email="nobody"))
        assert await EventApplier(sessionmaker).drain() == 0
        async with sessionmaker() as session:
            stored = await session.scalar(select(WebhookEvent))
        assert stored is not None
        assert stored.state == EventState.ignored
        assert stored.error == "lead email 'nobody' is not an email address"

    async def test_notification_title_is_cut_to_its_column(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        account = "a" * 400 + "@outreach.example.com"
        await record(
            engine,
            instantly_event("account_error", campaign_id=None, email=None, email_account=account),
        )
        assert await EventApplier(sessionmaker).drain() == 1
        async with sessionmaker() as session:
            [title] = (await session.scalars(select(Notification.title))).all()
        assert len(title) == effects.MAX_TITLE
        assert title.startswith("Instantly account error: aaa")


class TestRequeueUnmatched:
    async def test_only_the_named_campaign(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            linked = [
                await create_campaign(session, instantly_campaign_id=f"c-{n}") for n in (1, 2)
            ]
        for campaign in linked:
            await record(
                engine,
                instantly_event(
                    "email_opened", campaign_id=campaign.instantly_campaign_id, email="a@b.com"
                ),
            )
        await EventApplier(sessionmaker).drain()
        async with unit_of_work(sessionmaker) as session:
            assert await events_service.requeue_unmatched(session, instantly_campaign_id="c-1") == 1
        async with sessionmaker() as session:
            assert await events_service.count_by_state(session) == {"pending": 1, "unmatched": 1}
        async with unit_of_work(sessionmaker) as session:
            assert await events_service.requeue_unmatched(session) == 1


class TestForeign:
    async def test_unlinked_campaign_is_foreign_and_a_linked_ones_unknown_lead_unmatched(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            linked = await create_campaign(session)
        await record(engine, instantly_event("email_opened", campaign_id="other", email="a@b.com"))
        await record(
            engine,
            instantly_event(
                "email_opened", campaign_id=linked.instantly_campaign_id, email="new@b.com"
            ),
        )
        await record(engine, instantly_event("campaign_completed", campaign_id="other", email=None))
        await EventApplier(sessionmaker).drain()
        async with sessionmaker() as session:
            assert await events_service.count_by_state(session) == {"foreign": 2, "unmatched": 1}

    async def test_requeued_when_its_campaign_is_linked_but_not_by_a_requeue_of_all(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        await record(engine, instantly_event("email_opened", campaign_id="c-9", email="a@b.com"))
        await EventApplier(sessionmaker).drain()
        async with unit_of_work(sessionmaker) as session:
            assert await events_service.requeue_unmatched(session) == 0
            assert await events_service.requeue_unmatched(session, instantly_campaign_id="c-9") == 1


class TestConcurrentAppliers:
    async def test_skip_locked_claims_disjoint_rows(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers; SKIP LOCKED is PostgreSQL's")
        for n in range(10):
            await record(
                engine, instantly_event("email_opened", campaign_id="c", email=f"{n}@x.io")
            )
        async with sessionmaker() as first, sessionmaker() as second:
            claimed = await WebhookEventRepository(first).claim_pending(6)
            rest = await WebhookEventRepository(second).claim_pending(10)
            assert len(claimed) == 6
            assert len(rest) == 4
            assert not {e.id for e in claimed} & {e.id for e in rest}
            await first.rollback()
            await second.rollback()

    async def test_two_appliers_apply_each_event_once(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        leads = [await seed_lead(sessionmaker) for _ in range(4)]
        for lead in leads:
            for minute, kind in enumerate(["email_sent", "email_opened", "reply_received"] * 5):
                await record(engine, event(lead, kind, f"2026-11-27T10:{minute:02d}:00Z"))
        appliers = [EventApplier(sessionmaker, batch_size=7) for _ in range(2)]
        counts = await asyncio.gather(*(applier.drain() for applier in appliers))
        assert sum(counts) == 4 * 15
        async with sessionmaker() as session:
            notifications = await session.scalar(select(func.count()).select_from(Notification))
            campaigns = (await session.scalars(select(Campaign))).all()
        assert notifications == 4 * 5
        assert all(c.replies_received == 1 and c.emails_opened == 1 for c in campaigns)


class TestRunningApplier:
    async def test_counters_recounted_once_caught_up(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        """Batches leave recounting to the loop: several batches, then one recount."""
        lead = await seed_lead(sessionmaker)
        for step in range(1, 6):
            await record(engine, event(lead, "email_sent", "2026-11-27T12:00:00Z", step=step))
        await record(engine, event(lead, "email_opened", "2026-11-27T12:05:00Z"))
        applier = EventApplier(sessionmaker, batch_size=2, counters_seconds=3600)
        task = asyncio.create_task(applier.run())
        try:
            async with asyncio.timeout(10):
                while True:
                    campaign = await load(sessionmaker, Campaign, lead.campaign_id)
                    if campaign.emails_sent == 5:
                        break
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert await states(sessionmaker) == ["applied"] * 6
        assert campaign.emails_opened == 1

    async def test_batch_without_recount_names_the_stale_campaigns(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "email_opened", "2026-11-27T12:05:00Z"))
        result = await EventApplier(sessionmaker).apply_batch(recount=False)
        assert result.stale_counters == {lead.campaign_id}
        campaign = await load(sessionmaker, Campaign, lead.campaign_id)
        assert campaign.emails_opened == 0  # not yet recounted


class TestRequeueFailed:
    async def test_requeued_event_is_applied_on_the_next_try(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        lead = await seed_lead(sessionmaker)

        def broken(dispatch: EventTimes) -> str:
            raise RuntimeError("boom")

        monkeypatch.setattr(effects, "status_of", broken)
        await record(engine, event(lead, "email_opened", "2026-11-27T10:00:00Z"))
        applier = EventApplier(sessionmaker)
        assert await applier.drain() == 0
        monkeypatch.setattr(effects, "status_of", status_of)
        async with unit_of_work(sessionmaker) as session:
            [failed] = await events_service.list_failed(session, limit=10)
            assert (failed.error, failed.attempts) == ("RuntimeError: boom", 1)
            assert await events_service.requeue_failed(session) == 1
        async with sessionmaker() as session:
            requeued = await session.get(WebhookEvent, failed.id)
        assert requeued is not None
        assert (requeued.state, requeued.error) == (EventState.pending, None)
        assert await applier.drain() == 1
        async with sessionmaker() as session:
            applied = await session.get(WebhookEvent, failed.id)
        assert applied is not None
        assert (applied.state, applied.attempts) == (EventState.applied, 2)
        assert (await load(sessionmaker, Dispatch, lead.dispatch_id)).status == "opened"

    async def test_by_ids_touches_only_those_failed_events(
        self, sessionmaker: Sessionmaker
    ) -> None:
        first, second, third = await store_events(
            sessionmaker, EventState.failed, 3, error="boom", attempts=1
        )
        [applied] = await store_events(sessionmaker, EventState.applied)
        async with unit_of_work(sessionmaker) as session:
            assert await events_service.requeue_failed(session, event_ids=[first, applied]) == 1
            assert await events_service.requeue_failed(session, event_ids=[]) == 0
            counts = await events_service.count_by_state(session)
            left = {e.id for e in await events_service.list_failed(session, limit=10)}
        assert counts == {"pending": 1, "failed": 2, "applied": 1}
        assert left == {second, third}

    async def test_failed_list_is_paged_latest_first(self, sessionmaker: Sessionmaker) -> None:
        now = datetime.now(UTC)
        ids = [
            (
                await store_events(
                    sessionmaker, EventState.failed, received_at=now - timedelta(minutes=m)
                )
            )[0]
            for m in range(5)
        ]
        async with sessionmaker() as session:
            page_one = await events_service.list_failed(session, limit=2)
            page_three = await events_service.list_failed(session, limit=2, offset=4)
        assert [e.id for e in page_one] == ids[:2]
        assert [e.id for e in page_three] == ids[4:]
