"""Huey tasks: thin and synchronous; each hands its async body to the process's job loop."""

from __future__ import annotations

import logging
import uuid

from huey import crontab

from ravensearch.jobs.backend import huey
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.host import current_host
from ravensearch.jobs.periodic import first_in_period
from ravensearch.jobs.reconcile import resume_orphans_here
from ravensearch.jobs.sweep import (
    backfill_webhook_events,
    send_due_sequences,
    sweep,
    sync_all_campaigns,
    sync_suppressions,
)

log = logging.getLogger(__name__)

SWEEP_PERIOD_SECONDS = 60
SYNC_PERIOD_SECONDS = 15 * 60
BACKFILL_PERIOD_SECONDS = 10 * 60
SEQUENCES_PERIOD_SECONDS = 60


@huey.task(name="jobs.run")
def run_job(job_id: str) -> str:
    return str(current_host().run(lambda rt: execute_job(rt, uuid.UUID(job_id))))


@huey.periodic_task(crontab(minute="*"), name="jobs.sweep")
def sweep_task() -> None:
    if not first_in_period(huey, "jobs.sweep", SWEEP_PERIOD_SECONDS):
        return  # another worker's scheduler enqueued the same sweep and it ran
    report = current_host().run(sweep)
    for job_id in report.requeued_jobs:
        run_job(job_id)


# Huey's schedule has minute resolution: due steps go out within a minute of coming due.
@huey.periodic_task(crontab(minute="*"), name="sequences.send_due")
def send_sequences_task() -> int:
    if not first_in_period(huey, "sequences.send_due", SEQUENCES_PERIOD_SECONDS):
        return 0
    report = current_host().run(send_due_sequences)
    return report.sent if report is not None else 0


@huey.periodic_task(crontab(minute="*/15"), name="campaigns.sync_all")
def sync_campaigns_task() -> int:
    if not first_in_period(huey, "campaigns.sync_all", SYNC_PERIOD_SECONDS):
        return 0
    synced = current_host().run(sync_all_campaigns)
    # The same quarter-hourly pass with Instantly: its block list in, our waiting ones out.
    current_host().run(sync_suppressions)
    return synced


@huey.periodic_task(crontab(minute="*/10"), name="events.backfill")
def backfill_events_task() -> int:
    if not first_in_period(huey, "events.backfill", BACKFILL_PERIOD_SECONDS):
        return 0
    return current_host().run(backfill_webhook_events)


def enqueue_job(job_id: uuid.UUID) -> None:
    """Queue a job whose row is already committed (enqueue after commit, never before)."""
    run_job(str(job_id))


def resume_orphaned_jobs() -> list[str]:
    """Queue again the jobs a dead process on this host left running (called at start, so
    a worker restarted after `kill -9` resumes its dispatch at once, not at the sweep)."""
    resumed = current_host().run(lambda rt: resume_orphans_here(rt.sessionmaker))
    for job_id in resumed:
        run_job(job_id)
    if resumed:
        log.warning("jobs.resumed_orphans count=%d", len(resumed))
    return resumed
