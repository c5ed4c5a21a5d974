"""Sending due steps: window, cap, batches, and never twice whatever SendGrid answers."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ravensearch.db.models import (
    AuditEntry,
    Campaign,
    Dispatch,
    DispatchStatus,
    EmailSend,
    SendState,
)
from ravensearch.db.session import unit_of_work
from ravensearch.sendgrid.errors import (
    FieldError,
    SendGridAuthFailed,
    SendGridRateLimited,
    SendGridRefused,
    SendGridUncertain,
    SendGridUnreachable,
)
from ravensearch.sendgrid.mail import MAX_PERSONALIZATIONS
from ravensearch.sequences.compose import BODY_TAG
from ravensearch.sequences.sender import STALE_SENDING_AFTER, send_due
from ravensearch.sequences.service import NotResendable, sequence_service
from ravensearch.suppressions.service import suppression_service
from tests.sequences.helpers import (
    POSTAL,
    WEDNESDAY_9_TEXAS,
    RecordingSender,
    Sessionmaker,
    add_targets,
    create_sendgrid_campaign,
    dispatch,
    sequence_settings,
)

DAY = timedelta(days=1)


async def _sends(sessionmaker: Sessionmaker) -> list[EmailSend]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(EmailSend))).all())


async def _dispatches(sessionmaker: Sessionmaker) -> list[Dispatch]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Dispatch))).all())


async def _one_dispatched(sessionmaker: Sessionmaker, **target: object) -> Campaign:
    campaign = await create_sendgrid_campaign(sessionmaker)
    async with unit_of_work(sessionmaker) as session:
        ids = await add_targets(session, 1, **target)
    await dispatch(sessionmaker, campaign, ids)
    return campaign


async def test_two_steps_to_1000_technicians_respect_window_cap_and_weekdays(
    sessionmaker: Sessionmaker,
) -> None:
    campaign = await create_sendgrid_campaign(sessionmaker, dailyCap=600)
    async with unit_of_work(sessionmaker) as session:
        ids = await add_targets(session, 1000)
    await dispatch(sessionmaker, campaign, ids)
    sender, settings = RecordingSender(), sequence_settings()

    async def run(at: datetime) -> int:
        return (await send_due(sessionmaker, sender, settings, now=at)).sent

    wed = WEDNESDAY_9_TEXAS
    assert await run(wed - timedelta(hours=1)) == 0  # 08:00 in Texas: before the window
    assert await run(wed) == 600  # the cap
    assert await run(wed + timedelta(hours=2)) == 0  # cap reached for the day
    assert await run(wed + DAY - timedelta(hours=10)) == 0  # 23:00 in Texas
    assert await run(wed + DAY) == 400  # Thursday: the rest of step 1
    assert await run(wed + 2 * DAY) == 600  # Friday: step 2 of Wednesday's 600
    assert await run(wed + 3 * DAY) == 0  # Saturday (weekdays only)
    assert await run(wed + 5 * DAY) == 400  # Monday: step 2 of Thursday's 400
    assert await run(wed + 6 * DAY) == 0  # nothing left

    pairs = sender.recipients
    assert len(pairs) == 2000
    assert len(set(pairs)) == 2000
    assert Counter(step for _, step in pairs) == {"1": 1000, "2": 1000}
    assert max(len(b.personalizations) for b in sender.batches) <= MAX_PERSONALIZATIONS
    sends = await _sends(sessionmaker)
    assert {s.state for s in sends} == {SendState.sent}
    assert len(sends) == 2000
    dispatches = await _dispatches(sessionmaker)
    assert {d.status for d in dispatches} == {DispatchStatus.sent}
    assert all(d.next_step is None and d.next_step_due_at is None for d in dispatches)
    async with sessionmaker() as session:
        refreshed = await session.get(Campaign, campaign.id)
    assert refreshed is not None
    assert refreshed.emails_sent == 2000


async def test_batches_hold_at_most_the_batch_size(sessionmaker: Sessionmaker) -> None:
    campaign = await create_sendgrid_campaign(sessionmaker)
    async with unit_of_work(sessionmaker) as session:
        ids = await add_targets(session, 250)
    await dispatch(sessionmaker, campaign, ids)
    sender = RecordingSender()
    report = await send_due(
        sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS, batch_size=100
    )
    assert report.batches == [100, 100, 50]
    assert report.sent == 250


async def test_the_window_is_the_technicians_local_time(sessionmaker: Sessionmaker) -> None:
    campaign = await create_sendgrid_campaign(sessionmaker)
    async with unit_of_work(sessionmaker) as session:
        texas = await add_targets(session, 1, state="TX")
        # A California ZIP wins over a wrong state: 07:00 there.
        california = await add_targets(session, 1, state="TX", zip="94103")
    await dispatch(sessionmaker, campaign, texas + california)
    sender = RecordingSender()
    await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
    [texas_row] = [d for d in await _dispatches(sessionmaker) if d.technician_id == texas[0]]
    assert sender.recipients == [(str(texas_row.id), "1")]
    later = await send_due(
        sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS + timedelta(hours=2)
    )
    assert later.sent == 1  # 09:00 in California


async def test_each_email_carries_headers_footer_and_custom_args(
    sessionmaker: Sessionmaker,
) -> None:
    campaign = await _one_dispatched(sessionmaker, first_name=None, business_name="Ace & Sons")
    sender = RecordingSender()
    await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
    [batch] = sender.batches
    [p] = batch.personalizations
    [send] = await _sends(sessionmaker)
    [row] = await _dispatches(sessionmaker)
    assert batch.text == BODY_TAG
    assert batch.sender.email == "jobs@raven.example.com"
    assert p.subject == "Work in Austin, there?"  # no first name: the neutral fallback
    body = p.substitutions[BODY_TAG]
    assert body.startswith("Hi there,\nAce & Sons looks great.")  # no HTML escaping
    assert POSTAL in body
    assert "https://raven.example.com/unsubscribe/" in body
    assert p.headers["Message-ID"] == send.rfc_message_id
    assert send.rfc_message_id.endswith("@raven.example.com>")
    assert p.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, url = p.headers["List-Unsubscribe"].split(", ")
    assert mailto.startswith("<mailto:replies@")
    assert mailto.endswith("?subject=unsubscribe>")  # read back by Inbound Parse
    assert url.startswith("<https://raven.example.com/unsubscribe/")
    assert p.custom_args == {
        "dispatch_id": str(row.id), "step": "1", "campaign_id": str(campaign.id)
    }  # fmt: skip
    assert send.message_id == "sg-1"
    assert send.subject == p.subject


async def test_nothing_is_sent_without_a_postal_address(sessionmaker: Sessionmaker) -> None:
    await _one_dispatched(sessionmaker)
    settings = sequence_settings()
    settings.SENDER_POSTAL_ADDRESS = ""
    sender = RecordingSender()
    report = await send_due(sessionmaker, sender, settings, now=WEDNESDAY_9_TEXAS)
    assert report.halted
    assert "RAVENSEARCH_SENDER_POSTAL_ADDRESS" in report.halted
    assert sender.batches == []
    assert await _sends(sessionmaker) == []


class TestNeverTwice:
    async def test_a_second_run_sends_nothing_again(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        for _ in range(2):
            await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert len(sender.recipients) == 1

    async def test_a_crash_after_the_commit_leaves_it_uncertain_never_resent(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [RuntimeError("killed between the commit and the answer")]
        with pytest.raises(RuntimeError):
            await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.sending  # committed before the call
        soon = WEDNESDAY_9_TEXAS + timedelta(minutes=1)
        assert (await send_due(sessionmaker, sender, sequence_settings(), now=soon)).sent == 0
        later = WEDNESDAY_9_TEXAS + STALE_SENDING_AFTER + timedelta(minutes=1)
        report = await send_due(sessionmaker, sender, sequence_settings(), now=later)
        assert report.cut_off == 1
        assert report.sent == 0
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.uncertain
        assert "may have gone out" in (send.error or "")
        again = await send_due(sessionmaker, sender, sequence_settings(), now=later + DAY)
        assert again.sent == 0
        assert sender.batches == []

    async def test_uncertain_answer_is_not_resent_until_a_person_says_so(
        self, sessionmaker: Sessionmaker
    ) -> None:
        campaign = await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [SendGridUncertain("read timeout after the request was sent")]
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.uncertain == 1
        assert report.halted
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.uncertain
        assert "read timeout" in (send.error or "")
        next_day = WEDNESDAY_9_TEXAS + DAY
        assert (await send_due(sessionmaker, sender, sequence_settings(), now=next_day)).sent == 0

        async with unit_of_work(sessionmaker) as session:
            await sequence_service.resend(
                session, campaign_id=campaign.id, send_id=send.id, user=None, actor="test"
            )
        report = await send_due(sessionmaker, sender, sequence_settings(), now=next_day)
        assert report.sent == 1
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.sent
        assert send.attempts == 2
        async with sessionmaker() as session:
            audit = (await session.scalars(select(AuditEntry))).all()
        assert [a.action for a in audit] == ["email_send.resent"]
        async with unit_of_work(sessionmaker) as session:
            with pytest.raises(NotResendable):
                await sequence_service.resend(
                    session, campaign_id=campaign.id, send_id=send.id, user=None, actor="test"
                )


class TestOutcomes:
    async def test_refused_rows_fail_with_the_reason(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [
            SendGridRefused(
                "Bad Request", status=400,
                errors=[FieldError("The from address does not match a verified Sender.", "from")],
            )
        ]  # fmt: skip
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.failed == 1
        assert report.halted is None
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.failed
        assert send.error == (
            "HTTP 400: Bad Request (from: The from address does not match a verified Sender.)"
        )
        [row] = await _dispatches(sessionmaker)
        assert row.last_error == send.error
        assert row.status == DispatchStatus.pending

    async def test_a_body_too_long_for_sendgrid_fails_before_the_call(
        self, sessionmaker: Sessionmaker
    ) -> None:
        long_body = "{% for i in range(2000) %}{{ business_name }} {% endfor %}"
        campaign = await create_sendgrid_campaign(
            sessionmaker, steps=[{"subject": "Hi", "body": long_body}]
        )
        async with unit_of_work(sessionmaker) as session:
            ids = await add_targets(session, 1)
        await dispatch(sessionmaker, campaign, ids)
        sender = RecordingSender()
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.failed == 1
        assert sender.batches == []
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.failed
        assert "SendGrid carries at most 10000 per recipient" in (send.error or "")
        assert send.rfc_message_id.endswith("@raven.example.com>")

    async def test_auth_failure_stops_the_run_and_says_so(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [SendGridAuthFailed("The provided authorization grant is invalid",
                                                status=401)]  # fmt: skip
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.auth_failed
        assert "SENDGRID_API_KEY" in (report.halted or "")
        assert [s.state for s in await _sends(sessionmaker)] == [SendState.failed]

    async def test_429_requeues_until_retry_at(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        retry_at = WEDNESDAY_9_TEXAS + timedelta(minutes=5)
        sender.raise_next = [SendGridRateLimited("Too many requests", 429, retry_at=retry_at)]
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.requeued == 1
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.queued
        assert send.not_before is not None
        assert send.not_before.replace(tzinfo=UTC) == retry_at
        early = WEDNESDAY_9_TEXAS + timedelta(minutes=2)
        assert (await send_due(sessionmaker, sender, sequence_settings(), now=early)).sent == 0
        late = WEDNESDAY_9_TEXAS + timedelta(minutes=6)
        assert (await send_due(sessionmaker, sender, sequence_settings(), now=late)).sent == 1
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.sent
        assert send.attempts == 2
        assert len(sender.recipients) == 1

    async def test_unreachable_requeues_for_the_next_run(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [SendGridUnreachable("connection refused")]
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.requeued == 1
        assert report.halted
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.sent == 1


class TestStops:
    @pytest.mark.parametrize(
        "status", [DispatchStatus.replied, DispatchStatus.bounced, DispatchStatus.unsubscribed]
    )
    async def test_a_stopped_technician_gets_no_next_step(
        self, sessionmaker: Sessionmaker, status: DispatchStatus
    ) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        async with unit_of_work(sessionmaker) as session:
            [row] = (await session.scalars(select(Dispatch))).all()
            row.status = status
        report = await send_due(
            sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS + 3 * DAY
        )
        assert report.sent == 0
        assert len(sender.recipients) == 1

    async def test_a_reply_during_the_call_keeps_the_sequence_stopped(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()

        async def reply_arrives() -> None:
            async with unit_of_work(sessionmaker) as session:
                [row] = (await session.scalars(select(Dispatch))).all()
                row.replied_at = WEDNESDAY_9_TEXAS
                row.status = DispatchStatus.replied
                await sequence_service.stop(session, [row.id], now=WEDNESDAY_9_TEXAS)

        sender.during_call = reply_arrives
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.sent == 1
        [row] = await _dispatches(sessionmaker)
        assert row.status == DispatchStatus.replied  # forward-only: not back to sent
        assert row.next_step is None
        assert row.sent_at is not None
        later = await send_due(
            sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS + 3 * DAY
        )
        assert later.sent == 0

    async def test_stop_cancels_queued_emails(self, sessionmaker: Sessionmaker) -> None:
        await _one_dispatched(sessionmaker)
        sender = RecordingSender()
        sender.raise_next = [SendGridUnreachable("down")]
        await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        [row] = await _dispatches(sessionmaker)
        async with unit_of_work(sessionmaker) as session:
            await sequence_service.stop(session, [row.id], now=WEDNESDAY_9_TEXAS)
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.sent == 0
        [send] = await _sends(sessionmaker)
        assert send.state == SendState.cancelled

    async def test_suppression_is_checked_just_before_sending(
        self, sessionmaker: Sessionmaker
    ) -> None:
        await _one_dispatched(sessionmaker)
        [row] = await _dispatches(sessionmaker)
        async with unit_of_work(sessionmaker) as session:
            await suppression_service.add(session, row.email, source="manual")
        sender = RecordingSender()
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.stopped == 1
        assert sender.batches == []
        [row] = await _dispatches(sessionmaker)
        assert row.next_step is None
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(EmailSend)) == 0

    async def test_a_paused_campaign_sends_nothing(self, sessionmaker: Sessionmaker) -> None:
        campaign = await _one_dispatched(sessionmaker)
        async with unit_of_work(sessionmaker) as session:
            stored = await session.get(Campaign, campaign.id)
            assert stored is not None
            stored.status = "paused"
        sender = RecordingSender()
        report = await send_due(sessionmaker, sender, sequence_settings(), now=WEDNESDAY_9_TEXAS)
        assert report.sent == 0
        assert sender.batches == []
