"""A job's row follows the work it stands for, after faults the job itself never saw.

Dispatch jobs that gave up (an Instantly outage, a 429 storm) leave their rows pending; the
sweep delivers them later, and here the job's counts and state catch up. Jobs whose process
died on this host are put back in the queue as soon as a worker starts here again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Job, JobKind, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.service import dispatch_service
from ravensearch.jobs.service import is_orphaned_here, job_service
from ravensearch.kit.clock import utcnow

# Long enough for any outage the sweep outlives; older failures are left as they ended.
RECONCILE_WINDOW = timedelta(days=7)


async def reconcile_dispatch_jobs(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Recount failed dispatch jobs from their rows; those with every lead answered (held
    or rejected) become `succeeded` with a note. Returns how many did."""
    now = utcnow()
    finished = 0
    async with unit_of_work(sessionmaker) as session:
        jobs = await job_service.failed_since(
            session, kind=JobKind.dispatch, since=now - RECONCILE_WINDOW
        )
        for job in jobs:
            finished += await _follow_rows(session, job)
    return finished


async def _follow_rows(session: AsyncSession, job: Job) -> int:
    target_ids = job.params.get("target_ids")
    outcomes = await dispatch_service.outcomes(
        session,
        campaign_id=uuid.UUID(job.params["campaign_id"]),
        target_ids=[uuid.UUID(t) for t in target_ids] if target_ids else None,
        # Without a selection the job took every ready target: the rows it recorded.
        created_between=(job.started_at or job.created_at, job.finished_at or utcnow()),
    )
    if outcomes.total == 0:
        return 0  # it failed before recording anything: nothing was left for the sweep
    job.counts = {
        **job.counts,
        "pushed": outcomes.pushed,
        "pending": outcomes.pending,
        "rejected": dict(outcomes.rejected),
    }
    if outcomes.pending:
        return 0
    rejected = sum(outcomes.rejected.values())
    job.state = JobState.succeeded
    job.message = (
        f"Finished by the sweep after the job stopped ({job.message or 'failed'}): "
        f"{outcomes.pushed} pushed, {rejected} rejected, none pending."
    )
    job.updated_at = utcnow()
    return 1


async def resume_orphans_here(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    """Put back in the queue the running jobs of dead processes on this host (a worker or
    `serve` restarted after `kill -9`); returns their ids, to be enqueued."""
    resumed: list[str] = []
    async with unit_of_work(sessionmaker) as session:
        for job in await job_service.running(session):
            if is_orphaned_here(job.runner):
                job.state = JobState.queued
                job.updated_at = utcnow()
                resumed.append(str(job.id))
    return resumed
