"""The periodic wiring: the job sends through the runtime's SendGrid, the sweep cuts off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ravensearch.db.models import EmailSend, SendState
from ravensearch.jobs import sweep as sweep_module
from ravensearch.kit import clock
from ravensearch.runtime import Runtime
from ravensearch.sequences.sender import STALE_SENDING_AFTER, send_due
from tests.sequences.helpers import (
    POSTAL,
    WEDNESDAY_9_TEXAS,
    RecordingSender,
    add_targets,
    create_sendgrid_campaign,
    dispatch,
)


@pytest.fixture
async def due_runtime(runtime: Runtime) -> Runtime:
    runtime.settings.SENDER_POSTAL_ADDRESS = POSTAL
    campaign = await create_sendgrid_campaign(runtime.sessionmaker, windowStartHour=0,
                                              windowEndHour=24, weekdaysOnly=False)  # fmt: skip
    async with runtime.sessionmaker() as session, session.begin():
        ids = await add_targets(session, 3)
    await dispatch(runtime.sessionmaker, campaign, ids)
    return runtime


async def test_the_periodic_job_sends_through_the_runtime_sender(due_runtime: Runtime) -> None:
    due_runtime.mail_sender = sender = RecordingSender()
    report = await sweep_module.send_due_sequences(due_runtime)
    assert report is not None
    assert report.sent == 3
    assert len(sender.recipients) == 3


async def test_without_a_sendgrid_client_the_job_skips(due_runtime: Runtime) -> None:
    assert due_runtime.mail_sender is None  # no SENDGRID_API_KEY and not the mock-mode demo
    assert await sweep_module.send_due_sequences(due_runtime) is None


async def test_the_sweep_marks_cut_off_sends_uncertain(
    due_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing = RecordingSender()
    crashing.raise_next = [SystemExit("kill -9")]
    with pytest.raises(SystemExit):
        await send_due(
            due_runtime.sessionmaker, crashing, due_runtime.settings, now=WEDNESDAY_9_TEXAS
        )
    later = WEDNESDAY_9_TEXAS + STALE_SENDING_AFTER + timedelta(seconds=1)
    monkeypatch.setattr(sweep_module, "utcnow", lambda: later)
    report = await sweep_module.sweep(due_runtime)
    assert report.emails_cut_off == 3
    async with due_runtime.sessionmaker() as session:
        states = set((await session.scalars(select(EmailSend.state))).all())
    assert states == {SendState.uncertain}
    assert clock.utcnow() < later  # only the sweep's clock moved
