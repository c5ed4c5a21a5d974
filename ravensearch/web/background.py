"""What runs beside the web server: the webhook-event applier (on a thread of its own), Huey's
job workers, and in mock mode the fake Instantly posting its simulated activity back to this app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from huey.consumer import Consumer

from ravensearch.app_settings.service import load_stored_webhook_secret
from ravensearch.events.applier import ApplierThread, can_run_on_a_thread
from ravensearch.instantly.fake import ActivityConfig
from ravensearch.jobs import tasks
from ravensearch.jobs.backend import huey
from ravensearch.jobs.consumer_lock import ConsumerLock, lock_path
from ravensearch.jobs.host import JobHost, install_host
from ravensearch.runtime import Runtime
from ravensearch.web.mock_sendgrid import play_mock_sendgrid

log = logging.getLogger(__name__)

MOCK_WEBHOOK_URL = "http://ravensearch.internal/api/webhooks/instantly"
SECRET_REFRESH_SECONDS = 5.0


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
    lock = ConsumerLock(lock_path(runtime.settings))
    if not lock.acquire():
        log.info("jobs.consumer.skipped another process on this machine runs the jobs")
        return None
    install_host(JobHost(asyncio.get_running_loop(), runtime))
    consumer = EmbeddedConsumer(huey, workers=runtime.settings.JOBS_WORKERS, periodic=True)
    consumer.start()
    # Off the loop: resuming waits on the loop (jobs/host.py), which must keep running.
    threading.Thread(target=_resume_orphans, name="jobs-resume", daemon=True).start()

    def stop() -> None:
        consumer.stop(graceful=False)
        install_host(None)
        lock.release()

    return stop


def _resume_orphans() -> None:
    try:
        tasks.resume_orphaned_jobs()
    except Exception:
        log.exception("jobs.resume_orphans.failed")


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
        showcase=True,
    )


def start_background(app: FastAPI, runtime: Runtime) -> Callable[[], Awaitable[None]]:
    """Start the event applier, the secret watcher (and the mock activity); returns what
    stops them."""
    _simulate_mock_activity(app, runtime)
    loops = [asyncio.create_task(follow_webhook_secret(runtime), name="webhook_secret.follow")]
    if runtime.mock_sendgrid is not None and runtime.settings.MOCK_ACTIVITY_SECONDS > 0:
        loops.append(
            asyncio.create_task(
                play_mock_sendgrid(app, runtime, runtime.mock_sendgrid), name="mock.sendgrid"
            )
        )
    thread: ApplierThread | None = None
    if not runtime.settings.EVENTS_IN_PROCESS:
        pass  # `worker` processes apply them
    elif can_run_on_a_thread(runtime.engine):
        url = runtime.engine.url.render_as_string(hide_password=False)
        thread = ApplierThread(url, runtime.events)
        thread.start()
    else:
        loops.append(asyncio.create_task(runtime.events.run(), name="events.applier"))

    async def stop() -> None:
        for task in loops:
            task.cancel()
        for task in loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if thread is not None:
            await asyncio.to_thread(thread.stop)

    return stop


async def follow_webhook_secret(runtime: Runtime, interval: float = SECRET_REFRESH_SECONDS) -> None:
    """Pick up a webhook secret rotated by another process (`serve --workers`): the one
    that rotated it switched at once; the others switch within `interval`."""
    while True:
        await asyncio.sleep(interval)
        stored = await load_stored_webhook_secret(runtime.sessionmaker)
        if stored and stored != runtime.webhook_secret:
            runtime.set_webhook_secret(stored)
            log.info("webhook_secret.reloaded")
