"""Simulated activity: lifecycles delivered as Instantly webhooks to a receiving ASGI app."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from ravensearch.instantly import InstantlyClient, Lead, RateLimiter
from ravensearch.instantly.fake import (
    ActivityConfig,
    FakeInstantlyState,
    create_fake_app,
    drain,
    plan_lead,
)

SEED = 11
SECRET = "whsec-simulated"
BASE_KEYS = {"timestamp", "event_type", "workspace", "campaign_id", "campaign_name", "lead_email",
             "email", "firstName", "lastName", "email_account", "step", "variant", "email_id",
             "is_first"}  # fmt: skip


@dataclass
class Receiver:
    """Records deliveries; fails the first `fail_first` calls, or every call if `down`."""

    fail_first: int = 0
    down: bool = False
    calls: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/instantly")
        async def hook(request: Request) -> Response:
            self.calls += 1
            if self.down:
                raise RuntimeError("receiver crashed")
            if self.calls <= self.fail_first:
                return Response(status_code=500)
            self.events.append(await request.json())
            self.headers.append(dict(request.headers))
            return Response(status_code=204)

        return app


@dataclass
class Sim:
    state: FakeInstantlyState
    client: InstantlyClient
    api: httpx.AsyncClient
    receiver: Receiver
    campaign_id: str


@asynccontextmanager
async def _sim(receiver: Receiver, *, status: int = 1) -> AsyncIterator[Sim]:
    state = FakeInstantlyState()
    campaign = state.add_campaign("HVAC Technicians — Texas", status=status)
    hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    state.simulate_activity = ActivityConfig(
        webhook_url="http://receiver.test/hooks/instantly",
        headers={"X-Webhook-Secret": SECRET},
        step_seconds=0,
        seed=SEED,
        http_client=hooks,
        retry_delay_seconds=0,
    )
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_fake_app(state)))
    client = InstantlyClient("test-key", http_client=api, rate_limiter=RateLimiter(1000, 60_000))
    try:
        yield Sim(state, client, api, receiver, campaign.id)
    finally:
        await drain(state)
        await api.aclose()
        await hooks.aclose()


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    async with _sim(Receiver()) as value:
        yield value


def _leads(count: int) -> list[Lead]:
    return [
        Lead(email=f"tech{i}@shop{i % 9}.com", first_name=f"Tech{i}", last_name="Lee",
             custom_variables={"trade": "HVAC technician", "city": "Austin"})
        for i in range(count)
    ]  # fmt: skip


def _by_lead(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[event["lead_email"]].append(event)
    return grouped


class TestLifecycle:
    async def test_delivers_a_plausible_mix(self, sim: Sim) -> None:
        await sim.client.add_leads(sim.campaign_id, _leads(200))
        await drain(sim.state)
        events = sim.receiver.events
        grouped = _by_lead(events)
        assert len(grouped) == 200
        leads_with = Counter(
            t for lead in grouped.values() for t in {e["event_type"] for e in lead}
        )
        assert 0.45 <= leads_with["email_opened"] / 200 <= 0.75
        assert 0.08 <= leads_with["link_clicked"] / 200 <= 0.32
        assert 0.04 <= leads_with["reply_received"] / 200 <= 0.22
        assert 1 <= leads_with["email_bounced"] <= 25
        assert leads_with["lead_interested"] <= leads_with["reply_received"]
        for lead_events in grouped.values():
            first = lead_events[0]
            assert (first["event_type"], first["step"], first["is_first"]) == (
                "email_sent",
                1,
                True,
            )
            types = [e["event_type"] for e in lead_events]
            if "email_bounced" in types:
                assert types == ["email_sent", "email_bounced"]
            if "reply_received" in types:
                assert ("email_sent", 2) not in [(e["event_type"], e["step"]) for e in lead_events]

    async def test_payloads_are_flat_instantly_webhooks(self, sim: Sim) -> None:
        await sim.client.add_leads(sim.campaign_id, _leads(120))
        await drain(sim.state)
        for event, headers in zip(sim.receiver.events, sim.receiver.headers, strict=True):
            assert set(event) >= BASE_KEYS
            assert event["campaign_id"] == sim.campaign_id
            assert event["campaign_name"] == "HVAC Technicians — Texas"
            assert event["email"] == event["lead_email"]
            assert event["trade"] == "HVAC technician"  # custom variables at the top level
            assert event["step"] in (1, 2)
            assert event["variant"] in (1, 2)
            assert headers["x-webhook-secret"] == SECRET
            assert headers["content-type"] == "application/json"
            if event["event_type"] in ("reply_received", "auto_reply_received"):
                assert {"reply_text_snippet", "reply_subject", "reply_text", "unibox_url"} <= set(
                    event
                )
            if event["event_type"] == "email_bounced":
                # Only what Instantly documents (§5.1): no bounce-reason field.
                assert not {"bounce_reason", "reason", "error"} & set(event)
        second_sends = [
            e for e in sim.receiver.events if e["event_type"] == "email_sent" and e["step"] == 2
        ]
        assert second_sends
        assert not any(e["is_first"] for e in second_sends)

    async def test_fates_are_deterministic(self, sim: Sim) -> None:
        await sim.client.add_leads(sim.campaign_id, _leads(80))
        await drain(sim.state)
        bounced = {
            e["lead_email"] for e in sim.receiver.events if e["event_type"] == "email_bounced"
        }
        replied = {
            e["lead_email"] for e in sim.receiver.events if e["event_type"] == "reply_received"
        }
        emails = [lead.email for lead in _leads(80)]
        assert bounced == {e for e in emails if plan_lead(SEED, e).bounced}
        assert replied == {
            e for e in emails if plan_lead(SEED, e).replied and not plan_lead(SEED, e).bounced
        }
        assert plan_lead(SEED, "a@b.com") == plan_lead(SEED, "a@b.com")
        assert len({plan_lead(seed, "a@b.com") for seed in range(20)}) > 1

    async def test_showcase_plays_every_outcome_on_a_campaigns_first_leads(self, sim: Sim) -> None:
        assert sim.state.simulate_activity is not None
        sim.state.simulate_activity.showcase = True
        leads = _leads(8)
        await sim.client.add_leads(sim.campaign_id, leads[:3])
        await sim.client.add_leads(sim.campaign_id, leads[3:])  # the order runs on
        await drain(sim.state)
        grouped = _by_lead(sim.receiver.events)
        stories = [
            {e["event_type"] for e in grouped[lead.email]} - {"email_sent"} for lead in leads
        ]
        assert stories[:6] == [
            {"email_opened", "link_clicked", "reply_received", "lead_interested"},
            {"email_bounced"},
            {"email_opened", "link_clicked"},
            {"email_opened", "lead_unsubscribed"},
            {"email_opened", "reply_received"},
            {"email_opened", "auto_reply_received"},
        ]
        # After the showcase, the lead's own fate again.
        assert ("email_bounced" in stories[7]) == plan_lead(SEED, leads[7].email).bounced

    async def test_analytics_agree_with_the_webhooks(self, sim: Sim) -> None:
        await sim.client.add_leads(sim.campaign_id, _leads(150))
        await drain(sim.state)
        counts = Counter(e["event_type"] for e in sim.receiver.events)
        row = await sim.client.get_campaign_analytics(sim.campaign_id)
        assert row is not None
        assert row.emails_sent_count == counts["email_sent"]
        assert row.contacted_count == row.leads_count == 150
        assert row.open_count == counts["email_opened"]
        assert row.link_click_count == counts["link_clicked"]
        assert row.reply_count == counts["reply_received"]
        assert row.reply_count_automatic == counts["auto_reply_received"]
        assert row.bounced_count == counts["email_bounced"]
        assert row.unsubscribed_count == counts["lead_unsubscribed"]
        assert row.total_opportunities == counts["lead_interested"]


class TestActivation:
    async def test_draft_campaign_waits_for_activation(self) -> None:
        async with _sim(Receiver(), status=0) as sim:
            await sim.client.add_leads(sim.campaign_id, _leads(10))
            await drain(sim.state)
            assert sim.receiver.events == []
            await sim.api.post(
                f"https://api.instantly.ai/api/v2/campaigns/{sim.campaign_id}/activate",
                headers={"Authorization": "Bearer test-key"},
            )
            await drain(sim.state)
            assert len(_by_lead(sim.receiver.events)) == 10

    async def test_off_by_default(self) -> None:
        state = FakeInstantlyState()
        campaign = state.add_campaign("A", status=1)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_fake_app(state))
        ) as api:
            client = InstantlyClient(
                "test-key", http_client=api, rate_limiter=RateLimiter(1000, 60_000)
            )
            await client.add_leads(campaign.id, _leads(5))
        assert state.pending_simulations == set()
        assert all(lead.emails_sent == 0 for lead in state.leads.values())


class TestDelivery:
    async def test_failed_deliveries_are_retried(self) -> None:
        async with _sim(Receiver(fail_first=2)) as sim:
            await sim.client.add_leads(sim.campaign_id, _leads(1))
            await drain(sim.state)
            assert sim.receiver.events[0]["event_type"] == "email_sent"
            assert all(d.success for d in sim.state.webhook_log)
            assert sim.state.webhook_log[0].attempts == 3

    async def test_a_dead_receiver_never_crashes_the_fake(self) -> None:
        async with _sim(Receiver(down=True)) as sim:
            await sim.client.add_leads(sim.campaign_id, _leads(5))
            await drain(sim.state)
            log = sim.state.webhook_log
            assert log
            assert not any(d.success for d in log)
            assert all(d.attempts == 3 for d in log)
            assert sim.receiver.calls == 3 * len(log)
            row = await sim.client.get_campaign_analytics(sim.campaign_id)
            assert row is not None
            assert row.emails_sent_count >= 5
