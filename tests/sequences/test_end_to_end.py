"""The issue's whole SendGrid loop in one process: a 2-step campaign created through the API
sends to 1,000 technicians under its daily cap, in batches, through the real client to the
fake SendGrid; the simulator's signed events and Inbound Parse replies move the same
counters and notifications as Instantly's; a forged batch changes nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select

from ravensearch.config import Settings
from ravensearch.db.models import Campaign, Notification, Suppression, WebhookEvent
from ravensearch.runtime import Runtime
from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.fake import FakeSendGrid, SendGridSimulator, create_fake_sendgrid
from ravensearch.sendgrid.fake.scenario import fate, play
from ravensearch.sendgrid.signature import generate_key_pair
from ravensearch.sequences.sender import send_due
from tests.events.helpers import load
from tests.sequences.helpers import POSTAL, STEPS, add_targets

COUNT = 1000
CAP = 600
INBOUND = "inbound-e2e-secret"
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
KEY: tuple[ec.EllipticCurvePrivateKey, str] = generate_key_pair()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "SENDER_POSTAL_ADDRESS": POSTAL,
            "PUBLIC_URL": "https://raven.example.com",
            "SECRET_KEY": SecretStr("e2e-secret"),
            "SENDGRID_WEBHOOK_PUBLIC_KEY": SecretStr(KEY[1]),
            "SENDGRID_INBOUND_SECRET": SecretStr(INBOUND),
        }
    )


@pytest.fixture
async def fake(runtime: Runtime) -> AsyncIterator[FakeSendGrid]:
    fake = create_fake_sendgrid(api_key="SG.e2e")
    client = SendGridClient(
        api_key="SG.e2e", base_url="http://fake-sendgrid/v3",
        transport=httpx.ASGITransport(app=fake.app),
    )  # fmt: skip
    runtime.mail_sender = client
    yield fake
    await client.aclose()


@pytest.fixture
async def simulator(app: FastAPI) -> AsyncIterator[SendGridSimulator]:
    async with SendGridSimulator(
        base_url="http://testserver", private_key=KEY[0], transport=httpx.ASGITransport(app=app)
    ) as simulator:
        yield simulator


async def test_two_steps_to_a_thousand_technicians_and_back(
    client: httpx.AsyncClient, runtime: Runtime, fake: FakeSendGrid,
    simulator: SendGridSimulator,
) -> None:  # fmt: skip
    created = await client.post("/api/campaigns", json={
        "channel": "sendgrid", "name": "Plumbers wanted", "fromEmail": "jobs@raven.example.com",
        "replyTo": "replies@raven.example.com", "windowStartHour": 8, "windowEndHour": 18,
        "weekdaysOnly": True, "dailyCap": CAP, "steps": STEPS,
    })  # fmt: skip
    assert created.status_code == 201, created.text
    campaign_id = uuid.UUID(created.json()["id"])
    async with runtime.sessionmaker() as session, session.begin():
        ids = await add_targets(session, COUNT)
    dispatched = await client.post(
        "/api/instantly/dispatch-leads",
        json={"campaignId": str(campaign_id), "targetIds": [str(i) for i in ids]},
    )
    assert dispatched.status_code == 200, dispatched.text
    sender, settings = runtime.sendgrid(), runtime.settings

    # Monday 15:00 UTC is 09:00 in Austin: the cap stops the day at 600, in one request.
    monday = await send_due(runtime.sessionmaker, sender, settings, now=MONDAY)
    assert (monday.sent, monday.batches) == (CAP, [CAP])
    # 01:00 in Austin on Tuesday is outside the window; 09:00 sends the other 400.
    night = await send_due(runtime.sessionmaker, sender, settings, now=MONDAY + timedelta(hours=10))
    assert night.sent == 0
    tuesday = await send_due(runtime.sessionmaker, sender, settings, now=MONDAY + timedelta(days=1))
    assert tuesday.sent == COUNT - CAP
    assert len(fake.messages) == COUNT

    # SendGrid's side of the story: events and replies, signed, into the app.
    fates = {m.to: fate(m) for m in fake.messages}
    posted = await play(simulator, fake.messages, inbound_secret=INBOUND)
    assert posted["rejected"] == 0
    await runtime.events.drain()
    campaign = await load(runtime.sessionmaker, Campaign, campaign_id)
    kinds = Counter(kind for events, _ in fates.values() for kind in set(events))
    replied = sum(1 for _, replies in fates.values() if replies)
    assert campaign.emails_sent == COUNT
    assert campaign.emails_delivered == kinds["delivered"]
    assert campaign.emails_opened == kinds["open"]
    assert campaign.emails_clicked == kinds["click"]
    assert campaign.emails_bounced == kinds["bounce"]
    assert campaign.spam_reports == kinds["spamreport"]
    assert campaign.unsubscribed == kinds["unsubscribe"] + kinds["spamreport"]
    assert campaign.replies_received == replied > 0
    async with runtime.sessionmaker() as session:
        notes = Counter(await session.scalars(select(Notification.kind)))
        suppressed = await session.scalar(select(func.count()).select_from(Suppression))
    assert notes["reply"] == replied
    stopped = kinds["bounce"] + kinds["unsubscribe"] + kinds["spamreport"] + replied
    assert suppressed == kinds["bounce"] + kinds["unsubscribe"] + kinds["spamreport"]

    # A forged batch is refused whole: nothing stored, nothing moves.
    async with runtime.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(WebhookEvent))
    forged = await simulator.post_events(
        [simulator.event(m, "click") for m in fake.messages[:50]], signing="forged"
    )
    stale = await simulator.post_events(
        [simulator.event(m, "click") for m in fake.messages[:50]], signing="stale"
    )
    assert (forged.status_code, stale.status_code) == (401, 401)
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == stored

    # Step 2, two days on, goes only to those who did not reply, bounce or opt out.
    step2_day = MONDAY + timedelta(days=3)
    second = await send_due(runtime.sessionmaker, sender, settings, now=step2_day)
    third = await send_due(
        runtime.sessionmaker, sender, settings, now=step2_day + timedelta(days=1)
    )
    assert second.sent + third.sent == COUNT - stopped
    assert max(second.batches + third.batches) <= CAP
    step2 = [m for m in fake.messages if m.custom_args.get("step") == "2"]
    assert len(step2) == COUNT - stopped
    assert not {m.to for m in step2} & {to for to, (_, replies) in fates.items() if replies}
