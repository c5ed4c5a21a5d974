"""A job's row tells the truth after faults: dead workers are noticed, failed dispatches
that the sweep finished read as finished, with counts taken from the dispatch rows."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from ravensearch.db.models import Dispatch, Job, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.errors import NotFound
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.jobs import service as service_module
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.launch import launch_dispatch
from ravensearch.jobs.reconcile import resume_orphans_here
from ravensearch.jobs.service import JobTracker
from ravensearch.jobs.sweep import sweep
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.web.admin.job_cards import job_view
from tests.fixtures.factories import create_campaign, create_target
from tests.fixtures.processes import dead_pid


def _running(*, beat_ago: timedelta, runner: str | None = None) -> Job:
    at = utcnow() - beat_ago
    return Job(
        kind="enrich",
        state=JobState.running,
        params={},
        counts={},
        errors=[],
        attempts=1,
        heartbeat_at=at,
        updated_at=at,
        runner=runner,
    )


async def _job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    async with runtime.sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


class TestHeartbeat:
    async def test_progress_flushes_beat_and_name_the_runner(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            job = Job(kind="enrich", params={}, counts={}, errors=[])
            session.add(job)
        tracker = JobTracker(runtime.sessionmaker, job.id)
        await tracker.start()
        started = (await _job(runtime, job.id)).heartbeat_at
        assert started is not None
        tracker.progress(1, 2)
        await tracker.flush(force=True)
        row = await _job(runtime, job.id)
        assert row.heartbeat_at is not None
        assert row.heartbeat_at >= started
        assert row.runner is not None
        assert row.runner.startswith(f"{socket.gethostname()}:")

    async def test_a_job_silent_for_over_a_minute_is_resumed(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            silent = _running(beat_ago=timedelta(seconds=75))
            alive = _running(beat_ago=timedelta(seconds=5))
            session.add_all([silent, alive])
        report = await sweep(runtime)
        assert report.requeued_jobs == [str(silent.id)]
        assert (await _job(runtime, silent.id)).state == JobState.queued
        assert (await _job(runtime, alive.id)).state == JobState.running


class TestResumeOrphans:
    async def test_jobs_of_a_dead_process_on_this_host_are_requeued_at_start(
        self, runtime: Runtime
    ) -> None:
        host = socket.gethostname()
        async with unit_of_work(runtime.sessionmaker) as session:
            orphan = _running(beat_ago=timedelta(seconds=2), runner=f"{host}:{dead_pid()}")
            # A live process (the test runner's parent) and another machine keep theirs.
            live = _running(beat_ago=timedelta(seconds=2), runner=f"{host}:{os.getppid()}")
            elsewhere = _running(beat_ago=timedelta(seconds=2), runner="other-host:1234")
            session.add_all([orphan, live, elsewhere])
        assert await resume_orphans_here(runtime.sessionmaker) == [str(orphan.id)]
        assert (await _job(runtime, orphan.id)).state == JobState.queued
        assert (await _job(runtime, live.id)).state == JobState.running
        assert (await _job(runtime, elsewhere.id)).state == JobState.running


class TestFailedDispatchFollowsItsRows:
    async def test_the_sweep_finishing_every_lead_makes_the_job_succeed(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Remote", status=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, instantly_campaign_id=remote.id)
            for _ in range(3):
                await create_target(session)
        job = await launch_dispatch(
            runtime.sessionmaker, lambda _id: None, campaign_id=campaign.id, target_ids=None
        )
        fake_state.fail_next(50, 429)  # a 429 storm outlasting the client's retries
        assert await execute_job(runtime, job.id) == JobState.failed
        failed = await _job(runtime, job.id)
        assert failed.counts.get("pushed", 0) == 0
        fake_state.faults.clear()
        async with unit_of_work(runtime.sessionmaker) as session:
            await session.execute(
                update(Dispatch)
                .where(Dispatch.campaign_id == campaign.id)
                .values(updated_at=utcnow() - timedelta(hours=1))
            )
        report = await sweep(runtime)
        assert report.dispatches_pushed == 3
        assert report.jobs_finished == 1
        row = await _job(runtime, job.id)
        assert row.state == JobState.succeeded
        assert row.counts["pushed"] == 3
        assert row.counts["pending"] == 0
        assert row.counts["rejected"] == {}
        assert row.message is not None
        assert "sweep" in row.message

    async def test_a_job_still_waiting_stays_failed_with_counts_from_its_rows(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Remote", status=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, instantly_campaign_id=remote.id)
            targets = [await create_target(session) for _ in range(2)]
        job = await launch_dispatch(
            runtime.sessionmaker,
            lambda _id: None,
            campaign_id=campaign.id,
            target_ids=[t.id for t in targets],
        )
        fake_state.fail_next(50, 500)
        assert await execute_job(runtime, job.id) == JobState.failed
        report = await sweep(runtime)  # the rows are too fresh for the sweep to push
        assert report.jobs_finished == 0
        row = await _job(runtime, job.id)
        assert row.state == JobState.failed
        assert row.counts["pending"] == 2
        assert row.counts["pushed"] == 0

    async def test_a_job_that_recorded_nothing_stays_failed(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
            job = Job(
                kind="dispatch",
                state=JobState.failed,
                params={"campaign_id": str(campaign.id), "target_ids": None},
                counts={},
                errors=[],
                started_at=utcnow(),
                finished_at=utcnow(),
            )
            session.add(job)
        assert (await sweep(runtime)).jobs_finished == 0
        assert (await _job(runtime, job.id)).state == JobState.failed


class TestFinishWaitsForTheDatabase:
    """The work is done: a locked or briefly gone database must not leave the job `running`
    (the sweep would take it as lost and run it again)."""

    async def test_a_finish_that_meets_a_locked_database_is_recorded_on_a_later_try(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        job = await launch_dispatch(
            runtime.sessionmaker, lambda _id: None, campaign_id=(await _campaign(runtime)),
            target_ids=None,
        )  # fmt: skip
        tracker = JobTracker(runtime.sessionmaker, job.id)
        await tracker.start()
        real = service_module.unit_of_work
        refusals = iter([True, True])

        def locked_twice(sessionmaker: object) -> object:
            if next(refusals, False):
                raise OperationalError("UPDATE jobs", {}, Exception("database is locked"))
            return real(sessionmaker)  # type: ignore[arg-type]

        monkeypatch.setattr(service_module, "unit_of_work", locked_twice)
        monkeypatch.setattr(service_module, "FINISH_RETRY_DELAYS", (0.01, 0.01, 0.01))
        await tracker.finish(state=JobState.succeeded)
        async with runtime.sessionmaker() as session:
            row = await session.get(Job, job.id)
        assert row is not None
        assert row.state == JobState.succeeded

    async def test_a_real_bug_is_not_retried(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        tracker = JobTracker(runtime.sessionmaker, uuid.uuid4())  # no such job: NotFound
        monkeypatch.setattr(service_module, "FINISH_RETRY_DELAYS", (5.0,))
        with pytest.raises(NotFound):
            await asyncio.wait_for(tracker.finish(state=JobState.succeeded), timeout=2)


async def _campaign(runtime: Runtime) -> uuid.UUID:
    async with unit_of_work(runtime.sessionmaker) as session:
        return (await create_campaign(session)).id


class TestALostRunStaysReadable:
    """A job run again after its worker was lost keeps what the lost run had done."""

    async def test_the_second_run_keeps_the_first_runs_counts_and_the_card_says_both(
        self, runtime: Runtime
    ) -> None:
        job = await _queued(runtime, "collect")
        first = JobTracker(runtime.sessionmaker, job.id)
        await first.start()
        first.progress(3, 5, new_targets=120, merged=6)
        await first.flush(force=True)
        # The worker dies here; the sweep queues the job and another worker starts it.
        second = JobTracker(runtime.sessionmaker, job.id)
        await second.start()
        second.progress(5, 5, new_targets=0, merged=126)
        await second.finish(state=JobState.succeeded)

        row = await _job(runtime, job.id)
        assert row.attempts == 2
        assert row.counts["new_targets"] == 0
        [lost] = row.counts["earlier_attempts"]
        assert (lost["new_targets"], lost["merged"], lost["progress_done"]) == (120, 6, 3)
        facts = job_view(row, {}).facts
        assert facts[:2] == ("0 new technicians", "126 merged")
        assert facts[-1] == (
            "run 2 times; before, a lost run had done: 120 new technicians · 6 merged"
        )

    async def test_a_third_run_keeps_both_lost_runs_in_order(self, runtime: Runtime) -> None:
        job = await _queued(runtime, "enrich")
        for done in (4, 9):
            tracker = JobTracker(runtime.sessionmaker, job.id)
            await tracker.start()
            tracker.progress(done, 20)
            await tracker.flush(force=True)
        last = JobTracker(runtime.sessionmaker, job.id)
        await last.start()
        last.progress(20, 20, completed=15, no_email=4, failed=1)
        await last.finish(state=JobState.succeeded)

        row = await _job(runtime, job.id)
        assert [run["progress_done"] for run in row.counts["earlier_attempts"]] == [4, 9]
        assert job_view(row, {}).facts[-1] == (
            "run 3 times; before, a lost run had done: 4 of 20 checked; 9 of 20 checked"
        )

    async def test_a_first_run_has_no_earlier_runs(self, runtime: Runtime) -> None:
        job = await _queued(runtime, "collect")
        tracker = JobTracker(runtime.sessionmaker, job.id)
        await tracker.start()
        tracker.progress(1, 1, new_targets=2, merged=0)
        await tracker.finish(state=JobState.succeeded)
        row = await _job(runtime, job.id)
        assert "earlier_attempts" not in row.counts
        assert not any(fact.startswith("run ") for fact in job_view(row, {}).facts)


async def _queued(runtime: Runtime, kind: str) -> Job:
    async with unit_of_work(runtime.sessionmaker) as session:
        job = Job(kind=kind, params={}, counts={}, errors=[])
        session.add(job)
    return job
