"""Job rows: create, track progress (throttled), finish; and find the ones that stalled."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Job, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.errors import NotFound
from ravensearch.kit.clock import utcnow

MAX_ERRORS_KEPT = 50
MAX_ATTEMPTS = 3


class JobNotFound(NotFound):
    pass


class JobService:
    async def create(self, session: AsyncSession, *, kind: str, params: dict[str, Any]) -> Job:
        job = Job(kind=kind, params=params, state=JobState.queued, counts={}, errors=[])
        session.add(job)
        await session.flush()
        return job

    async def get(self, session: AsyncSession, job_id: uuid.UUID) -> Job:
        job = await session.get(Job, job_id)
        if job is None:
            raise JobNotFound(f"Job {job_id} not found.")
        return job

    async def list_recent(self, session: AsyncSession, *, limit: int = 50) -> Sequence[Job]:
        stmt = select(Job).order_by(Job.created_at.desc()).limit(limit)
        return (await session.scalars(stmt)).all()

    async def stalled(
        self, session: AsyncSession, *, queued_before: datetime, running_before: datetime
    ) -> Sequence[Job]:
        """Jobs the queue seems to have lost: queued too long, or running without progress."""
        stmt = select(Job).where(
            ((Job.state == JobState.queued) & (Job.updated_at < queued_before))
            | ((Job.state == JobState.running) & (Job.updated_at < running_before))
        )
        return (await session.scalars(stmt)).all()


job_service = JobService()


class JobTracker:
    """Writes a job's progress in its own short transactions, at most every `interval` s."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        job_id: uuid.UUID,
        *,
        interval: float = 0.5,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.job_id = job_id
        self.interval = interval
        self.done = 0
        self.total: int | None = None
        self.counts: dict[str, Any] = {}
        self.errors: list[str] = []
        self._last_write = 0.0

    async def start(self) -> Job:
        async with unit_of_work(self.sessionmaker) as session:
            job = await job_service.get(session, self.job_id)
            job.state = JobState.running
            job.attempts += 1
            job.started_at = job.started_at or utcnow()
            job.updated_at = utcnow()
            return job

    def progress(self, done: int, total: int | None = None, **counts: Any) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.counts.update(counts)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message[:500])

    async def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self.interval:
            return
        self._last_write = now
        async with unit_of_work(self.sessionmaker) as session:
            job = await job_service.get(session, self.job_id)
            self._copy_into(job)

    async def finish(self, *, state: JobState, message: str | None = None) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            job = await job_service.get(session, self.job_id)
            self._copy_into(job)
            job.state = state
            job.message = message
            job.finished_at = utcnow()

    def _copy_into(self, job: Job) -> None:
        job.progress_done = self.done
        job.progress_total = self.total
        job.counts = dict(self.counts)
        job.errors = list(self.errors)
        job.updated_at = utcnow()


def stale_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(minutes=5), now - timedelta(minutes=15)
