from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from ravensearch.db.models import Dispatch, Job, JobState, Target, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.launch import launch_dispatch
from ravensearch.jobs.sweep import sweep, sync_suppressions
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.suppressions.service import suppression_service
from tests.fixtures.factories import create_campaign, create_target


@pytest.fixture
def queued(app: FastAPI) -> list[uuid.UUID]:
    recorded: list[uuid.UUID] = []
    app.state.enqueue = recorded.append
    return recorded


class TestLaunchApi:
    async def test_collect_returns_202_and_a_job(
        self, client: httpx.AsyncClient, queued: list[uuid.UUID]
    ) -> None:
        response = await client.post(
            "/api/targets/collect", json={"source": "all", "trade": "HVAC", "state": "tx"}
        )
        assert response.status_code == 202
        job_id = response.json()["jobId"]
        assert queued == [uuid.UUID(job_id)]
        job = (await client.get(f"/api/jobs/{job_id}")).json()
        assert job["kind"] == "collect"
        assert job["state"] == "queued"
        assert job["params"] == {
            "source": "all", "trade": "hvac", "state": "TX", "skip_not_open": False,
        }  # fmt: skip
        assert job["progress"] == {"done": 0, "total": None}

    async def test_collect_can_skip_businesses_not_open(
        self, client: httpx.AsyncClient, queued: list[uuid.UUID]
    ) -> None:
        body = {"source": "yelp", "trade": "hvac", "state": "TX", "skipNotOpen": True}
        response = await client.post("/api/targets/collect", json=body)
        assert response.status_code == 202
        job = (await client.get(f"/api/jobs/{response.json()['jobId']}")).json()
        assert job["params"]["skip_not_open"] is True

    @pytest.mark.parametrize(
        ("body", "status", "needle"),
        [
            (
                {"source": "google", "trade": "hvac", "state": "TX", "skipNotOpen": "maybe"},
                400,
                "skipNotOpen",
            ),
            ({"source": "bing", "trade": "hvac", "state": "TX"}, 400, "source"),
            ({"source": "google", "trade": "hvac", "state": "ZZ"}, 400, "state"),
            ({"source": "google", "trade": "astronaut", "state": "TX"}, 400, "hvac"),
            ({"source": "google", "state": "TX"}, 400, "trade"),
        ],
    )
    async def test_collect_rejects_bad_input(
        self,
        client: httpx.AsyncClient,
        queued: list[uuid.UUID],
        body: dict[str, str],
        status: int,
        needle: str,
    ) -> None:
        response = await client.post("/api/targets/collect", json=body)
        assert response.status_code == status
        assert needle in response.json()["detail"]
        assert queued == []

    async def test_enrich_returns_202(
        self, client: httpx.AsyncClient, queued: list[uuid.UUID]
    ) -> None:
        response = await client.post("/api/targets/enrich", json={"limit": 10})
        assert response.status_code == 202
        assert len(queued) == 1

    async def test_unknown_job_404_and_auth(
        self, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
    ) -> None:
        assert (await client.get(f"/api/jobs/{uuid.uuid4()}")).status_code == 404
        assert (await anon_client.get("/api/jobs")).status_code == 401

    async def test_dispatch_job_unknown_campaign_is_404(
        self, client: httpx.AsyncClient, queued: list[uuid.UUID]
    ) -> None:
        response = await client.post("/api/dispatch-jobs", json={"campaignId": str(uuid.uuid4())})
        assert response.status_code == 404
        assert queued == []


class TestExecute:
    async def test_dispatch_job_runs_to_success_once(
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
        assert await execute_job(runtime, job.id) == JobState.succeeded
        async with runtime.sessionmaker() as session:
            row = await session.get(Job, job.id)
            assert row is not None
            assert row.state == JobState.succeeded
            assert row.counts["pushed"] == 3
            assert row.progress_done == 3
            assert row.finished_at is not None
        # A repeat (e.g. the queue delivered twice) does nothing.
        assert await execute_job(runtime, job.id) == JobState.succeeded
        assert len(fake_state.leads_by_campaign(remote.id)) == 3

    async def test_dispatch_job_skips_other_trades_as_wrong_trade(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Remote", status=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(
                session, instantly_campaign_id=remote.id, trade_filter="hvac"
            )
            hvac = await create_target(session, trade="hvac")
            plumber = await create_target(session, trade="plumbing")
        job = await launch_dispatch(
            runtime.sessionmaker,
            lambda _id: None,
            campaign_id=campaign.id,
            target_ids=[hvac.id, plumber.id],
        )
        assert await execute_job(runtime, job.id) == JobState.succeeded
        async with runtime.sessionmaker() as session:
            row = await session.get(Job, job.id)
            assert row is not None
            assert row.counts["skipped"] == {"wrong_trade": 1}
        assert [lead.email for lead in fake_state.leads_by_campaign(remote.id)] == [hvac.email]

    async def test_instantly_outage_fails_the_job_with_a_reason(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Remote", status=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, instantly_campaign_id=remote.id)
            await create_target(session)
        job = await launch_dispatch(
            runtime.sessionmaker, lambda _id: None, campaign_id=campaign.id, target_ids=None
        )
        fake_state.fail_next(50, 500)
        assert await execute_job(runtime, job.id) == JobState.failed
        async with runtime.sessionmaker() as session:
            row = await session.get(Job, job.id)
            assert row is not None
            assert row.state == JobState.failed
            assert row.message is not None
            assert "1 dispatch(es) pending" in row.message
            assert "Instantly" in row.errors[0]


class TestSweep:
    async def test_requeues_lost_jobs_and_resets_stuck_targets(self, runtime: Runtime) -> None:
        old = utcnow() - timedelta(hours=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            stuck = await create_target(session, status=TargetStatus.enriching, email=None)
            lost = Job(kind="enrich", state=JobState.queued, params={}, counts={}, errors=[])
            tired = Job(
                kind="enrich", state=JobState.running, params={}, counts={}, errors=[], attempts=3
            )
            fresh = Job(kind="enrich", state=JobState.queued, params={}, counts={}, errors=[])
            session.add_all([lost, tired, fresh])
            await session.flush()
            for job in (lost, tired):
                await session.execute(update(Job).where(Job.id == job.id).values(updated_at=old))
            await session.execute(
                update(Target).where(Target.id == stuck.id).values(updated_at=old)
            )
        report = await sweep(runtime)
        assert report.requeued_jobs == [str(lost.id)]
        assert report.failed_jobs == 1
        assert report.targets_reset == 1
        async with runtime.sessionmaker() as session:
            target = await session.get(Target, stuck.id)
            assert target is not None
            assert target.status == TargetStatus.pending
            gave_up = await session.get(Job, tired.id)
            assert gave_up is not None
            assert gave_up.state == JobState.failed

    async def test_finishes_unpushed_dispatches(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Remote", status=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, instantly_campaign_id=remote.id)
            target = await create_target(session)
            session.add(
                Dispatch(
                    campaign_id=campaign.id,
                    technician_id=target.id,
                    email=target.email,
                    updated_at=utcnow() - timedelta(hours=1),
                )
            )
        report = await sweep(runtime)
        assert report.dispatches_pushed == 1
        assert len(fake_state.leads_by_campaign(remote.id)) == 1

    async def test_pushes_new_suppressions_to_the_block_list(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await suppression_service.add(session, "bounced@acme.com", source="bounce")
            await suppression_service.add(session, "rival.example", source="manual")
        report = await sweep(runtime)
        assert report.suppressions_pushed == 2
        assert {e.bl_value for e in fake_state.blocklist.values()} == {
            "bounced@acme.com",
            "rival.example",
        }
        assert (await sweep(runtime)).suppressions_pushed == 0


async def test_periodic_sync_pulls_the_block_list(
    runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    fake_state.add_blocklist_entry("blocked-in-instantly@acme.com")
    report = await sync_suppressions(runtime)
    assert (report.pulled, report.error) == (1, None)
    async with unit_of_work(runtime.sessionmaker) as session:
        entry = await suppression_service.get(session, "blocked-in-instantly@acme.com")
    assert entry.source == "instantly"
