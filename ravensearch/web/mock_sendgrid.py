"""Mock mode's SendGrid side of the demo: a SendGrid campaign to dispatch to, and the fake
SendGrid's mail given a life (delivered, opened, clicked, replied, bounced …) posted back
into this app as signed events and Inbound Parse replies, like SendGrid would."""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import FastAPI

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.schemas import CampaignCreate, StepIn
from ravensearch.db.session import unit_of_work
from ravensearch.jobs.sweep import send_due_sequences
from ravensearch.runtime import MockSendGrid, Runtime
from ravensearch.sendgrid.fake.scenario import Stage, merge_stages, post_stage, stages
from ravensearch.sendgrid.fake.simulator import SendGridSimulator

log = logging.getLogger(__name__)

MOCK_APP_URL = "http://ravensearch.internal"
DEMO_CAMPAIGN = CampaignCreate(
    channel="sendgrid",
    name="Demo — technicians wanted (SendGrid)",
    from_email="jobs@ravensearch-demo.example",
    from_name="Ravensearch Demo",
    reply_to="replies@ravensearch-demo.example",
    window_start_hour=0,
    window_end_hour=24,
    weekdays_only=False,
    steps=[
        StepIn(
            subject="Work for {{ business_name }} in {{ city }}?",
            body=(
                "Hi {{ first_name }},\n\nWe are looking for {{ trade }} technicians around "
                "{{ city }}, {{ state }}. Would {{ business_name }} take on extra jobs?\n"
            ),
        ),
        StepIn(
            subject="Re: Work for {{ business_name }} in {{ city }}?",
            body="Hi {{ first_name }}, just checking you saw my note about work in {{ city }}.",
            delay_days=2,
        ),
    ],
)


async def seed_demo_campaign(runtime: Runtime) -> None:
    """One SendGrid campaign in a fresh demo database, next to the Instantly demo ones."""
    async with unit_of_work(runtime.sessionmaker) as session:
        if await CampaignRepository(session).has_channel("sendgrid"):
            return
    await campaign_flows.create(runtime.sessionmaker, runtime.instantly, DEMO_CAMPAIGN)


async def play_mock_sendgrid(app: FastAPI, runtime: Runtime, mock: MockSendGrid) -> None:
    """Every MOCK_ACTIVITY_SECONDS: send what is due (the periodic job's minute is long
    for a demo), then post the next stage of each accepted mail's life: delivered (or
    bounced) on the first tick, opened on the next, then clicked or answered …"""
    simulator = SendGridSimulator(
        base_url=MOCK_APP_URL,
        private_key=mock.signing_key,
        transport=httpx.ASGITransport(app=app),
    )
    upcoming: list[Stage] = []  # the stories still being told, one stage per tick
    try:
        await seed_demo_campaign(runtime)
        while True:
            await asyncio.sleep(runtime.settings.MOCK_ACTIVITY_SECONDS)
            try:
                await send_due_sequences(runtime)
                accepted = mock.fake.messages[mock.played :]
                mock.played += len(accepted)
                merge_stages(upcoming, stages(simulator, accepted))
                if upcoming:
                    await post_stage(simulator, upcoming.pop(0), inbound_secret=mock.inbound_secret)
            except Exception:
                log.exception("mock.sendgrid.activity_failed")
    finally:
        await simulator.aclose()
