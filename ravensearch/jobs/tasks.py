"""Huey tasks: thin and synchronous; each hands its async body to the process's job loop."""

from __future__ import annotations

import uuid

from huey import crontab

from ravensearch.jobs.backend import huey
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.host import current_host
from ravensearch.jobs.sweep import (
    backfill_webhook_events,
    sweep,
    sync_all_campaigns,
    sync_suppressions,
)


@huey.task(name="jobs.run")
def run_job(job_id: str) -> str:
    return str(current_host().run(lambda rt: execute_job(rt, uuid.UUID(job_id))))


@huey.periodic_task(crontab(minute="*"), name="jobs.sweep")
def sweep_task() -> None:
    report = current_host().run(sweep)
    for job_id in report.requeued_jobs:
        run_job(job_id)


@huey.periodic_task(crontab(minute="*/15"), name="campaigns.sync_all")
def sync_campaigns_task() -> int:
    synced = current_host().run(sync_all_campaigns)
    # The same quarter-hourly pass with Instantly: its block list in, our waiting ones out.
    current_host().run(sync_suppressions)
    return synced


@huey.periodic_task(crontab(minute="*/10"), name="events.backfill")
def backfill_events_task() -> int:
    return current_host().run(backfill_webhook_events)


def enqueue_job(job_id: uuid.UUID) -> None:
    """Queue a job whose row is already committed (enqueue after commit, never before)."""
    run_job(str(job_id))
