"""Jobs for real: a separate `ravensearch worker` process consuming from Redis."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from huey import RedisHuey

from ravensearch.db.models import Dispatch, Job, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID
from ravensearch.jobs.launch import launch_dispatch
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from tests.events.helpers import event, record, seed_lead, states
from tests.fixtures.factories import create_campaign, create_target
from tests.fixtures.processes import dead_pid, output_of, stop


@pytest.fixture
def redis_queue(redis_url: str) -> str:
    return f"rs-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker(
    db_url: str, redis_url: str, redis_queue: str, tmp_path: object
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "RAVENSEARCH_JOBS_QUEUE": redis_queue,
        "RAVENSEARCH_MOCK": "1",
        "INSTANTLY_API_KEY": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ravensearch", "worker", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    stop(process)


async def _until_finished(
    runtime: Runtime, job_id: uuid.UUID, worker: subprocess.Popen[bytes]
) -> None:
    """Poll the job row (30 s at most: the worker starts up first) until it succeeds."""
    state = None
    for _ in range(300):
        await asyncio.sleep(0.1)
        async with runtime.sessionmaker() as session:
            row = await session.get(Job, job_id)
            state = row.state if row else None
        if state in (JobState.succeeded, JobState.failed) or worker.poll() is not None:
            break
    if state != JobState.succeeded:
        pytest.fail(f"job ended {state}:\n{output_of(worker)}")


async def test_a_worker_process_runs_a_job_from_redis(
    runtime: Runtime, redis_url: str, redis_queue: str, worker: subprocess.Popen[bytes]
) -> None:
    queue = RedisHuey(redis_queue, url=redis_url, results=False)

    def stand_in(job_id: str) -> str:
        return job_id

    # Huey names a task by module + name; the worker holds the real `jobs.run` body.
    stand_in.__module__ = "ravensearch.jobs.tasks"
    run_job = queue.task(name="jobs.run")(stand_in)
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign = await create_campaign(session, instantly_campaign_id=HVAC_TEXAS_ID)
        for _ in range(4):
            await create_target(session)
    job = await launch_dispatch(
        runtime.sessionmaker,
        lambda job_id: run_job(str(job_id)),
        campaign_id=campaign.id,
        target_ids=None,
    )
    await _until_finished(runtime, job.id, worker)
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(Dispatch.__table__.select())).all()
    assert len(rows) == 4
    assert all(row.pushed_at is not None for row in rows)


async def test_a_worker_process_applies_stored_webhook_events(
    runtime: Runtime, worker: subprocess.Popen[bytes]
) -> None:
    """With RAVENSEARCH_EVENTS_IN_PROCESS=false the web process only stores events; the
    worker applies them."""
    lead = await seed_lead(runtime.sessionmaker)
    stored = await record(runtime.engine, event(lead, "reply_received", "2026-11-27T10:00:00Z"))
    assert stored
    status = None
    for _ in range(300):  # the worker starts up first (imports, engine)
        await asyncio.sleep(0.1)
        async with runtime.sessionmaker() as session:
            dispatch = await session.get(Dispatch, lead.dispatch_id)
            status = dispatch.status if dispatch else None
        if status == "replied" or worker.poll() is not None:
            break
    if status != "replied":
        pytest.fail(f"dispatch ended {status}:\n{output_of(worker)}")
    assert await states(runtime.sessionmaker) == ["applied"]


async def test_a_restarted_worker_resumes_the_dispatch_its_predecessor_was_running(
    runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    """`kill -9` left the job `running` with a fresh heartbeat: the sweep would wait a
    minute, but the worker starting on the same host sees the dead pid and resumes it."""
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign = await create_campaign(session, instantly_campaign_id=HVAC_TEXAS_ID)
        for _ in range(3):
            await create_target(session)
    job = await launch_dispatch(
        runtime.sessionmaker, lambda _id: None, campaign_id=campaign.id, target_ids=None
    )
    async with unit_of_work(runtime.sessionmaker) as session:
        row = await session.get(Job, job.id)
        assert row is not None
        row.state, row.attempts = JobState.running, 1
        row.heartbeat_at = row.started_at = utcnow()
        row.runner = f"{socket.gethostname()}:{dead_pid()}"
    worker = request.getfixturevalue("worker")
    await _until_finished(runtime, job.id, worker)
