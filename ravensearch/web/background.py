"""Loops that run beside the web server: apply stored webhook events, finish stalled dispatches,
and in mock mode let the fake Instantly post its simulated activity back to this app."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
from fastapi import FastAPI

from ravensearch.dispatch.flows import sweep_unpushed
from ravensearch.instantly.fake import ActivityConfig
from ravensearch.runtime import Runtime

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60.0
MOCK_WEBHOOK_URL = "http://ravensearch.internal/api/webhooks/instantly"


async def _sweep_dispatches(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(SWEEP_EVERY_SECONDS)
        try:
            pushed = await sweep_unpushed(
                runtime.sessionmaker, runtime.instantly, stale_after=timedelta(minutes=2)
            )
            if pushed:
                log.info("dispatch.sweep pushed=%d", pushed)
        except Exception:
            log.exception("dispatch.sweep.failed")


def _simulate_mock_activity(app: FastAPI, runtime: Runtime) -> None:
    if runtime.fake_state is None or runtime.settings.MOCK_ACTIVITY_SECONDS <= 0:
        return
    # The fake posts straight into this app in-process, so the loop works on any port.
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=10.0)
    runtime.add_closeable(http)
    runtime.fake_state.simulate_activity = ActivityConfig(
        webhook_url=MOCK_WEBHOOK_URL,
        headers={"X-Webhook-Secret": runtime.webhook_secret},
        step_seconds=runtime.settings.MOCK_ACTIVITY_SECONDS,
        http_client=http,
    )


def start_background(app: FastAPI, runtime: Runtime) -> list[asyncio.Task[None]]:
    _simulate_mock_activity(app, runtime)
    return [
        asyncio.create_task(runtime.events.run(), name="events.applier"),
        asyncio.create_task(_sweep_dispatches(runtime), name="dispatch.sweep"),
    ]
