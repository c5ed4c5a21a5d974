"""Simulated campaign activity: every lead added to an active campaign lives through a
plausible lifecycle, and each step is POSTed as an Instantly webhook (instantly_v2.md §5).

A lead's fate is drawn from `random.Random(f"{seed}:{email}")`, so a run is reproducible;
with `ActivityConfig.showcase` (mock mode) a campaign's first leads instead play `SHOWCASE`
in the order they were added, so a demo of a few leads shows every kind of event.
Roughly: 5 % bounce (and get nothing more), 60 % open, 20 % click, 12 % reply, 3 %
auto-reply, 2 % unsubscribe; some repliers become interested. Non-repliers get step 2.
The lead's counters are updated before each delivery, so the fake's analytics always
agree with the webhooks sent. Delivery (retries, the attempt log, auto-disable) is
`delivery.py`'s.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import structlog

from ravensearch.instantly.fake import delivery
from ravensearch.instantly.fake.state import (
    WORKSPACE_ID,
    ActivityConfig,
    FakeCampaign,
    FakeInstantlyState,
    FakeLead,
    iso_now,
    new_id,
)

log = structlog.get_logger("ravensearch.instantly.fake")

REPLIES = (
    "Hi, yes I'm interested. I have 8 years in residential service. When can we talk?",
    "Thanks for reaching out. What's the pay range and is there a company truck?",
    "Possibly. I'm licensed in the state and can start in two weeks. Send details.",
    "Not looking right now but keep me in mind for next season.",
)
AUTO_REPLY = "I'm out on a job site until Monday and will reply when I'm back. Thanks!"


@dataclass(frozen=True)
class LeadFate:
    bounced: bool
    opened: bool
    clicked: bool
    replied: bool
    auto_replied: bool
    unsubscribed: bool
    interested: bool
    variant: int
    account_index: int
    reply_index: int


def plan_lead(seed: int, email: str) -> LeadFate:
    """The deterministic fate of one lead (the same seed and email → the same story)."""
    rng = random.Random(f"{seed}:{email}")
    bounced = rng.random() < 0.05
    opened = rng.random() < 0.60
    clicked = opened and rng.random() < 1 / 3  # ≈ 20 % of all leads
    outcome = rng.random()
    replied = outcome < 0.12
    return LeadFate(
        bounced=bounced,
        opened=opened,
        clicked=clicked,
        replied=replied,
        auto_replied=0.12 <= outcome < 0.15,
        unsubscribed=0.15 <= outcome < 0.17,
        interested=replied and rng.random() < 0.4,
        variant=rng.choice((1, 2)),
        account_index=rng.randrange(1_000),
        reply_index=rng.randrange(len(REPLIES)),
    )


_PLAIN = LeadFate(False, False, False, False, False, False, False, 1, 0, 0)
# (bounced, opened, clicked, replied, auto_replied, unsubscribed, interested) of a campaign's
# first leads in showcase mode: every event kind within the first five.
SHOWCASE = (
    replace(_PLAIN, opened=True, clicked=True, replied=True, interested=True),
    replace(_PLAIN, bounced=True, account_index=1),
    replace(_PLAIN, opened=True, clicked=True, variant=2, reply_index=2),
    replace(_PLAIN, opened=True, unsubscribed=True, account_index=1),
    replace(_PLAIN, opened=True, replied=True, reply_index=3),
    replace(_PLAIN, opened=True, auto_replied=True, variant=2, account_index=1),
)


def fate_of(config: ActivityConfig, lead: FakeLead) -> LeadFate:
    index = lead.showcase_index
    if config.showcase and index is not None and index < len(SHOWCASE):
        return SHOWCASE[index]
    assert lead.email is not None
    return plan_lead(config.seed, lead.email)


def schedule_activity(state: FakeInstantlyState, campaign_id: str, lead_ids: list[str]) -> None:
    """Start the lifecycles of `lead_ids` as a task on the running loop (no-op when off)."""
    config = state.simulate_activity
    if config is None or not lead_ids:
        return
    for lead_id in lead_ids:
        lead = state.leads[lead_id]
        lead.simulation_scheduled = True
        lead.showcase_index = state.simulated.get(campaign_id, 0)
        state.simulated[campaign_id] = lead.showcase_index + 1
    run = _Run(state, config, campaign_id)
    task = asyncio.get_running_loop().create_task(run.play(lead_ids))
    state.pending_simulations.add(task)
    task.add_done_callback(state.pending_simulations.discard)


async def drain(state: FakeInstantlyState) -> None:
    """Wait until every scheduled lifecycle has finished. Call it on the fake's own loop."""
    while state.pending_simulations:
        await asyncio.gather(*list(state.pending_simulations), return_exceptions=True)


@dataclass
class _Run:
    state: FakeInstantlyState
    config: ActivityConfig
    campaign_id: str
    client: httpx.AsyncClient | None = None
    gate: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        # Bounds concurrent deliveries, so 1,000 new leads do not open 1,000 connections.
        self.gate = asyncio.Semaphore(max(1, self.config.concurrency))

    async def play(self, lead_ids: list[str]) -> None:
        owned = self.config.http_client is None
        self.client = self.config.http_client or httpx.AsyncClient(timeout=10.0)
        try:
            await asyncio.gather(*(self._lifecycle(lead_id) for lead_id in lead_ids))
        finally:
            if owned:
                await self.client.aclose()

    async def _lifecycle(self, lead_id: str) -> None:
        try:
            await self._live(lead_id)
        except Exception:  # one lead's failure must never stop the others
            log.exception("instantly_fake.simulation.failed", lead_id=lead_id)

    def _campaign(self) -> FakeCampaign | None:
        campaign = self.state.campaigns.get(self.campaign_id)
        return campaign if campaign is not None and campaign.status == 1 else None

    async def _live(self, lead_id: str) -> None:
        lead = self.state.leads.get(lead_id)
        if lead is None or lead.email is None:
            return
        fate = fate_of(self.config, lead)
        story = _Story(self, lead, fate)
        pause = self.config.step_seconds
        await asyncio.sleep(pause)
        if self._campaign() is None:
            return
        email_id = await story.send(step=1)
        if fate.bounced:
            lead.bounced = True
            await story.emit("email_bounced", 1, email_id)
            return
        await asyncio.sleep(pause / 2)
        if fate.opened:
            lead.opens += 1
            await story.emit("email_opened", 1, email_id)
        if fate.clicked:
            lead.clicks += 1
            await story.emit("link_clicked", 1, email_id)
        await asyncio.sleep(pause / 2)
        if fate.unsubscribed:
            lead.unsubscribed = True
            await story.emit("lead_unsubscribed", 1, email_id)
            return
        if fate.replied:
            await story.reply(email_id)
            return
        if fate.auto_replied:
            lead.auto_replies += 1
            await story.emit("auto_reply_received", 1, email_id, **story.reply_fields(AUTO_REPLY))
        await asyncio.sleep(pause)
        if self._campaign() is None:
            return
        await story.send(step=2)
        lead.completed = True

    async def deliver(self, payload: dict[str, Any]) -> None:
        assert self.client is not None
        await delivery.deliver(
            self.state, self.config, self.client, self.gate, payload, self.campaign_id
        )


class _Story:
    """One lead's events: builds the flat §5.1 payloads and tracks `is_first`."""

    def __init__(self, run: _Run, lead: FakeLead, fate: LeadFate) -> None:
        self.run = run
        self.lead = lead
        self.fate = fate
        self.seen: set[str] = set()
        accounts = run.state.sending_accounts or ["outreach@crew-hiring.example"]
        self.account = accounts[fate.account_index % len(accounts)]

    async def send(self, *, step: int) -> str:
        email_id = new_id()
        self.lead.emails_sent += 1
        await self.emit("email_sent", step, email_id, email_subject=self._subject(step))
        return email_id

    async def reply(self, email_id: str) -> None:
        self.lead.replies += 1
        text = REPLIES[self.fate.reply_index]
        await self.emit("reply_received", 1, email_id, **self.reply_fields(text))
        if self.fate.interested:
            await asyncio.sleep(self.run.config.step_seconds / 2)
            self.lead.interested = True
            await self.emit("lead_interested", 1, email_id)
        self.lead.completed = True  # stop_on_reply: the sequence ends with the reply

    def reply_fields(self, text: str) -> dict[str, Any]:
        return {
            "reply_subject": f"Re: {self._subject(1)}",
            "reply_text": text,
            "reply_text_snippet": text[:100],
            "reply_html": f'<div dir="ltr">{text}</div>',
            "unibox_url": f"https://app.instantly.ai/app/unibox?thread_search={self.lead.id}",
        }

    def _subject(self, step: int) -> str:
        trade = self.lead.custom_variables.get("trade") or "service tech"
        base = f"{self.lead.first_name or 'Hi'}, {trade} openings near you"
        return base if step == 1 else f"Re: {base}"

    async def emit(self, event_type: str, step: int, email_id: str, **extra: Any) -> None:
        campaign = self.run.state.campaigns.get(self.run.campaign_id)
        lead = self.lead
        payload: dict[str, Any] = {
            **lead.custom_variables,  # lead data is merged in at the top level (§5.1)
            "timestamp": iso_now(),
            "event_type": event_type,
            "workspace": WORKSPACE_ID,
            "campaign_id": self.run.campaign_id,
            "campaign_name": campaign.name if campaign else "",
            "lead_email": lead.email,
            "email": lead.email,
            "firstName": lead.first_name,
            "lastName": lead.last_name,
            "email_account": self.account,
            "step": step,
            "variant": self.fate.variant,
            "email_id": email_id,
            "is_first": event_type not in self.seen,
            **extra,
        }
        self.seen.add(event_type)
        await self.run.deliver({k: v for k, v in payload.items() if v is not None})
