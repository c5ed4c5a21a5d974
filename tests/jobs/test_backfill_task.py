"""The periodic backfill task: scheduled every 10 minutes, wired to the process's runtime."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from ravensearch.db.models import WebhookEvent
from ravensearch.instantly.fake import FakeInstantlyState, FakeWebhookEvent
from ravensearch.instantly.fake.models import new_id
from ravensearch.jobs.host import JobHost, install_host
from ravensearch.jobs.tasks import backfill_events_task
from ravensearch.runtime import Runtime
from tests.fixtures.factories import instantly_event


def test_runs_every_ten_minutes() -> None:
    task = backfill_events_task.task_class()
    minutes = [m for m in range(60) if task.validate_datetime(datetime(2026, 12, 3, 9, m))]
    assert minutes == [0, 10, 20, 30, 40, 50]


async def test_stores_failed_deliveries_through_the_job_host(
    runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    body = instantly_event("email_bounced", campaign_id="c-job", email="gone@x.example")
    fake_state.webhook_events.append(
        FakeWebhookEvent(id=new_id(), webhook_url="https://rs.example/h", payload=body,
                         success=False, status_code=502, retry_count=2, will_retry=False,
                         retry_group_id="g")
    )  # fmt: skip
    install_host(JobHost(asyncio.get_running_loop(), runtime))
    try:
        # Huey calls tasks on its worker threads; the host runs them on this loop.
        stored = await asyncio.to_thread(backfill_events_task.call_local)
    finally:
        install_host(None)
    assert stored == 1
    async with runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
