"""An outage longer than Instantly's retries loses nothing: the backfill stores every
delivery Instantly gave up on, once, through the live intake and its dedupe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from ravensearch.config import Settings
from ravensearch.db.models import WebhookEvent
from ravensearch.events import registration
from ravensearch.events.backfill import backfill
from ravensearch.events.parsing import dedupe_key
from ravensearch.instantly import Lead
from ravensearch.instantly.fake import ActivityConfig, FakeInstantlyState, drain
from ravensearch.jobs.sweep import BACKFILL_WINDOW, backfill_webhook_events
from ravensearch.runtime import Runtime, build_runtime
from ravensearch.web.app import create_app
from ravensearch.web.background import MOCK_WEBHOOK_URL

HOOK_URL = "http://ravensearch.test/api/webhooks/instantly"


@dataclass
class Receiver(httpx.AsyncBaseTransport):
    """The app behind a switch: while `down` every delivery gets a 500; while `flaky` the
    first attempt of each delivery gets a 503 and its retry goes through."""

    app: FastAPI
    down: bool = False
    flaky: bool = False
    seen: set[bytes] = field(default_factory=set)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(500)
        if self.flaky and request.content not in self.seen:
            self.seen.add(request.content)
            return httpx.Response(503)
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


@pytest.fixture
async def outage(
    app: FastAPI, runtime: Runtime, fake_state: FakeInstantlyState
) -> AsyncIterator[Receiver]:
    """The fake delivers simulated activity into the app through `Receiver`, to the webhook
    Ravensearch installed (3 attempts each, no waiting)."""
    receiver = Receiver(app)
    http = httpx.AsyncClient(transport=receiver)
    fake_state.simulate_activity = ActivityConfig(
        webhook_url="http://unused.test/", http_client=http, step_seconds=0,
        retry_delay_seconds=0, delivery_attempts=3, seed=3,
    )  # fmt: skip
    fake_state.webhook_disable_after = 10_000
    await registration.install(
        runtime.sessionmaker, runtime.instantly, url=HOOK_URL, secret=runtime.webhook_secret
    )
    yield receiver
    await drain(fake_state)
    await http.aclose()


async def _campaign_activity(
    runtime: Runtime, fake_state: FakeInstantlyState, leads: int, tag: str
) -> None:
    campaign = fake_state.add_campaign(f"Outage {tag}", status=1)
    await runtime.instantly.add_leads(
        campaign.id, [Lead(email=f"{tag}{n}@shop.example") for n in range(leads)]
    )
    await drain(fake_state)


async def _stored_keys(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(WebhookEvent.dedupe_key)))


def _keys(fake_state: FakeInstantlyState, *, success: bool | None = None) -> set[str]:
    return {
        dedupe_key(e.payload)
        for e in fake_state.webhook_events
        if success is None or e.success is success
    }


async def test_an_outage_longer_than_the_retries_is_recovered_once(
    outage: Receiver, runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    await _campaign_activity(runtime, fake_state, 8, "before")
    outage.down = True
    await _campaign_activity(runtime, fake_state, 12, "during")
    outage.down = False
    await _campaign_activity(runtime, fake_state, 5, "after")

    lost = _keys(fake_state, success=False)
    assert lost, "the outage made no delivery fail"
    assert all(
        e.retry_count == 2
        for e in fake_state.webhook_events
        if e.success is False and not e.will_retry
    )
    assert not lost & set(await _stored_keys(runtime))

    report = await backfill(runtime.engine, runtime.instantly, since=BACKFILL_WINDOW)
    assert (report.seen, report.stored, report.already_had) == (len(lost), len(lost), 0)
    stored = await _stored_keys(runtime)
    assert len(stored) == len(set(stored))  # none twice
    assert set(stored) == _keys(fake_state)  # every delivery Instantly attempted is here

    again = await backfill(runtime.engine, runtime.instantly, since=BACKFILL_WINDOW)
    assert (again.stored, again.already_had) == (0, len(lost))
    assert len(await _stored_keys(runtime)) == len(stored)


async def test_a_delivery_that_a_retry_made_is_not_stored_twice(
    outage: Receiver, runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    outage.flaky = True
    await _campaign_activity(runtime, fake_state, 4, "flaky")
    failed_once = _keys(fake_state, success=False)
    assert failed_once
    assert failed_once <= set(await _stored_keys(runtime))
    report = await backfill(runtime.engine, runtime.instantly, since=BACKFILL_WINDOW)
    assert (report.stored, report.already_had) == (0, len(failed_once))


async def test_the_periodic_job_stores_and_survives_a_refusal(
    outage: Receiver, runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    outage.down = True
    await _campaign_activity(runtime, fake_state, 3, "job")
    lost = _keys(fake_state, success=False)
    fake_state.key_scopes["test-key"] = {"webhooks:all"}  # no webhook_events:read
    assert await backfill_webhook_events(runtime) == 0
    fake_state.key_scopes.clear()
    assert await backfill_webhook_events(runtime) == len(lost)
    assert set(await _stored_keys(runtime)) == lost


@pytest.mark.usefixtures("engine")  # empties the PostgreSQL tables afterwards
async def test_mock_mode_backfills_offline_from_the_simulated_log(db_url: str) -> None:
    settings = Settings(_env_file=None, DATABASE_URL=db_url, RAVENSEARCH_MOCK=True)  # type: ignore[call-arg]
    runtime = await build_runtime(settings, migrate_db=False)
    try:
        assert runtime.fake_state is not None
        receiver = Receiver(create_app(runtime=runtime, background=False), down=True)
        async with httpx.AsyncClient(transport=receiver) as http:
            runtime.fake_state.simulate_activity = ActivityConfig(
                webhook_url=MOCK_WEBHOOK_URL, headers={"X-Webhook-Secret": runtime.webhook_secret},
                http_client=http, step_seconds=0, retry_delay_seconds=0,
            )  # fmt: skip
            await _campaign_activity(runtime, runtime.fake_state, 3, "mock")
        lost = _keys(runtime.fake_state, success=False)
        assert lost
        report = await backfill(runtime.engine, runtime.instantly, since=BACKFILL_WINDOW)
        assert report.stored == len(lost)
        assert set(await _stored_keys(runtime)) == lost
    finally:
        await runtime.aclose()
