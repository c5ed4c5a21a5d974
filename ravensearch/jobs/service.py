"""Job rows: create, track progress (throttled), finish; and find the ones that stalled."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.errors import is_unavailable
from ravensearch.db.models import Job, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.errors import NotFound
from ravensearch.kit.clock import utcnow

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 50
EARLIER_ATTEMPTS = "earlier_attempts"
# An earlier run's progress, kept with its counts.
PROGRESS_DONE, PROGRESS_TOTAL = "progress_done", "progress_total"
MAX_ATTEMPTS = 3
# A running job flushes its progress (and heartbeat) every half second; a minute of silence
# means its worker died (kill -9, OOM, a lost machine), not that it is slow.
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
# Waits between tries to record a finished job (about half the heartbeat timeout in all).
FINISH_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
QUEUED_TIMEOUT = timedelta(minutes=5)


def this_runner() -> str:
    """Who runs a job: "host:pid" of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_orphaned_here(runner: str | None) -> bool:
    """True when `runner` was a process on this host that is gone (or is this one, which
    has just started and runs nothing yet: a restarted container often gets the same pid).
    A pid we may not signal belongs to someone alive; it is left to the heartbeat."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
        self, session: AsyncSession, *, queued_before: datetime, heartbeat_before: datetime
    ) -> Sequence[Job]:
        """Jobs the queue seems to have lost: queued too long, or running without a heartbeat
        (rows from before heartbeats count their last update)."""
        last_sign_of_life = func.coalesce(Job.heartbeat_at, Job.updated_at)
        stmt = select(Job).where(
            ((Job.state == JobState.queued) & (Job.updated_at < queued_before))
            | ((Job.state == JobState.running) & (last_sign_of_life < heartbeat_before))
        )
        return (await session.scalars(stmt)).all()

    async def running(self, session: AsyncSession) -> Sequence[Job]:
        return (await session.scalars(select(Job).where(Job.state == JobState.running))).all()

    async def failed_since(
        self, session: AsyncSession, *, kind: str, since: datetime
    ) -> Sequence[Job]:
        stmt = select(Job).where(
            Job.kind == kind, Job.state == JobState.failed, Job.finished_at >= since
        )
        return (await session.scalars(stmt)).all()


job_service = JobService()


def earlier_attempts(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """The counts of every attempt before the one `counts` describes, oldest first.

    A job runs again when its worker was lost; what the lost run had done stays readable
    (a re-run of an idempotent collect would otherwise read "0 new · N merged")."""
    kept = counts.get(EARLIER_ATTEMPTS)
    earlier = [dict(c) for c in kept if isinstance(c, dict)] if isinstance(kept, list) else []
    return [*earlier, {k: v for k, v in counts.items() if k != EARLIER_ATTEMPTS}]


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
            if job.attempts and (job.counts or job.progress_done):
                lost_run = {**(job.counts or {}), PROGRESS_DONE: job.progress_done}
                lost_run[PROGRESS_TOTAL] = job.progress_total
                self.counts[EARLIER_ATTEMPTS] = earlier_attempts(lost_run)
            job.attempts += 1
            job.started_at = job.started_at or utcnow()
            job.updated_at = job.heartbeat_at = utcnow()
            job.runner = this_runner()
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
        """Record the outcome, waiting out a busy or briefly unreachable database: a job
        whose work is done but not recorded looks lost, and the sweep would run it again."""
        for delay in (*FINISH_RETRY_DELAYS, None):
            try:
                async with unit_of_work(self.sessionmaker) as session:
                    job = await job_service.get(session, self.job_id)
                    self._copy_into(job)
                    job.state = state
                    job.message = message
                    job.finished_at = utcnow()
                return
            except Exception as exc:
                if delay is None or not is_unavailable(exc):
                    raise
                log.warning("jobs.finish.retry job_id=%s error=%s", self.job_id, type(exc).__name__)
                await asyncio.sleep(delay)

    def _copy_into(self, job: Job) -> None:
        job.progress_done = self.done
        job.progress_total = self.total
        job.counts = dict(self.counts)
        job.errors = list(self.errors)
        job.updated_at = job.heartbeat_at = utcnow()


def stale_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """(queued before, last heartbeat before): older than these, a job is taken as lost."""
    return now - QUEUED_TIMEOUT, now - HEARTBEAT_TIMEOUT
