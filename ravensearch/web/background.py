"""What runs beside the web server: the webhook-event applier, Huey's job workers, and in mock
mode the fake Instantly posting its simulated activity back to this app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from huey.consumer import Consumer

from ravensearch.instantly.fake import ActivityConfig
from ravensearch.jobs import tasks  # noqa: F401  (registers the tasks on `huey`)
from ravensearch.jobs.backend import huey
from ravensearch.jobs.host import JobHost, install_host
from ravensearch.runtime import Runtime

log = logging.getLogger(__name__)

MOCK_WEBHOOK_URL = "http://ravensearch.internal/api/webhooks/instantly"


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its signal handlers: inside `serve`, uvicorn owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


def start_job_consumer(runtime: Runtime) -> Callable[[], None] | None:
    """Run Huey's worker threads in this process (the embedded default); returns a stopper.

    Jobs run on this server's event loop, sharing its engine and clients (see jobs/host.py).
    """
    if not runtime.settings.JOBS_IN_PROCESS:
        return None
    install_host(JobHost(asyncio.get_running_loop(), runtime))
    consumer = EmbeddedConsumer(huey, workers=runtime.settings.JOBS_WORKERS, periodic=True)
    consumer.start()

    def stop() -> None:
        consumer.stop(graceful=False)
        install_host(None)

    return stop


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
    ]
