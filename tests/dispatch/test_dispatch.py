from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Campaign, Dispatch, InstantlyPush, Target, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import dispatch_targets, sweep_unpushed
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.runtime import Runtime
from ravensearch.suppressions.service import suppression_service
from ravensearch.web.errors import EXAMPLE_ID

LEADS_ADD = "/api/v2/leads/add"


def _adds(fake_state: FakeInstantlyState) -> int:
    return sum(1 for m, p, s in fake_state.request_log if m == "POST" and p == LEADS_ADD)


async def _campaign(sessionmaker: async_sessionmaker[AsyncSession], remote_id: str) -> Campaign:
    async with unit_of_work(sessionmaker) as session:
        campaign = Campaign(name="HVAC TX", instantly_campaign_id=remote_id, status="active")
        session.add(campaign)
    return campaign


async def _targets(
    sessionmaker: async_sessionmaker[AsyncSession], count: int, **overrides: object
) -> list[uuid.UUID]:
    rows = []
    for n in range(count):
        values: dict[str, object] = {
            "id": uuid.uuid4(),
            "business_name": f"Cool Air {n}",
            "first_name": "Pat",
            "email": f"owner{n}-{uuid.uuid4().hex[:6]}@coolair{n}.com",
            "trade": "hvac",
            "state": "TX",
            "status": TargetStatus.completed,
        }
        values.update(overrides)
        rows.append(Target(**values))
    async with unit_of_work(sessionmaker) as session:
        session.add_all(rows)
    return [t.id for t in rows]


@pytest.fixture
async def linked(runtime: Runtime, fake_state: FakeInstantlyState) -> Campaign:
    remote = fake_state.add_campaign("HVAC Techs — Texas", status=1)
    return await _campaign(runtime.sessionmaker, remote.id)


class TestDispatchApi:
    async def test_pushes_selected_targets_once(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        linked: Campaign,
        fake_state: FakeInstantlyState,
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 3)
        body = {"campaignId": str(linked.id), "targetIds": [str(i) for i in ids]}
        response = await client.post("/api/instantly/dispatch-leads", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["success"] is True
        assert result["leads_sent"] == 3
        assert result["campaign"] == "HVAC TX"
        assert result["skipped"] == []
        assert len(fake_state.leads_by_campaign(linked.instantly_campaign_id)) == 3

        again = (await client.post("/api/instantly/dispatch-leads", json=body)).json()
        assert again["leads_sent"] == 0
        assert {s["reason"] for s in again["skipped"]} == {"already_dispatched"}
        assert _adds(fake_state) == 1
        listed = (await client.get(f"/api/campaigns/{linked.id}/dispatches")).json()
        assert {d["target_id"] for d in listed["items"]} == {str(i) for i in ids}
        assert all(d["status"] == "pending" and d["instantly_lead_id"] for d in listed["items"])
        campaign = (await client.get(f"/api/campaigns/{linked.id}")).json()
        assert campaign["total_targets"] == 3

    async def test_skip_reasons(
        self, client: httpx.AsyncClient, runtime: Runtime, linked: Campaign
    ) -> None:
        ok = await _targets(runtime.sessionmaker, 1)
        no_email = await _targets(runtime.sessionmaker, 1, email=None, status="pending")
        bad_email = await _targets(runtime.sessionmaker, 1, email="not-an-email")
        not_completed = await _targets(runtime.sessionmaker, 1, status=TargetStatus.enriching)
        suppressed = await _targets(runtime.sessionmaker, 1, email="gone@bounced.com")
        same_a = await _targets(runtime.sessionmaker, 1, email="shared@twin.com")
        same_b = await _targets(runtime.sessionmaker, 1, email="Shared@Twin.com")
        missing = [uuid.uuid4()]
        async with unit_of_work(runtime.sessionmaker) as session:
            await suppression_service.add(
                session, "bounced.com", reason="domain bounced", source="manual"
            )
        ids = ok + no_email + bad_email + not_completed + suppressed + same_a + same_b + missing
        response = await client.post(
            "/api/instantly/dispatch-leads",
            json={"campaignId": str(linked.id), "targetIds": [str(i) for i in ids]},
        )
        result = response.json()
        assert result["leads_sent"] == 2
        reasons = {s["targetId"]: s["reason"] for s in result["skipped"]}
        assert reasons == {
            str(no_email[0]): "no_email",
            str(bad_email[0]): "invalid_email",
            str(not_completed[0]): "not_completed",
            str(suppressed[0]): "suppressed",
            str(same_b[0]): "duplicate_email",
            str(missing[0]): "not_found",
        }

    async def test_other_trades_are_skipped_as_wrong_trade(
        self, client: httpx.AsyncClient, runtime: Runtime, linked: Campaign
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await session.get(Campaign, linked.id)
            assert campaign is not None
            campaign.trade_filter = "hvac"
        hvac = await _targets(runtime.sessionmaker, 1)
        plumber = await _targets(runtime.sessionmaker, 1, trade="plumbing")
        roofer = await _targets(runtime.sessionmaker, 1, trade="roofing")
        unknown = await _targets(runtime.sessionmaker, 1, trade=None)
        response = await client.post(
            "/api/instantly/dispatch-leads",
            json={
                "campaignId": str(linked.id),
                "targetIds": [str(i) for i in hvac + plumber + roofer + unknown],
            },
        )
        result = response.json()
        assert result["leads_sent"] == 1
        assert {s["targetId"]: s["reason"] for s in result["skipped"]} == {
            str(plumber[0]): "wrong_trade",
            str(roofer[0]): "wrong_trade",
            str(unknown[0]): "wrong_trade",
        }
        async with runtime.sessionmaker() as session:
            held = (await session.scalars(select(Dispatch.technician_id))).all()
        assert held == hvac

    async def test_a_campaign_without_a_trade_takes_every_trade(
        self, client: httpx.AsyncClient, runtime: Runtime, linked: Campaign
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 1, trade="plumbing")
        ids += await _targets(runtime.sessionmaker, 1, trade="roofing")
        response = await client.post(
            "/api/instantly/dispatch-leads",
            json={"campaignId": str(linked.id), "targetIds": [str(i) for i in ids]},
        )
        assert response.json()["leads_sent"] == 2

    async def test_unknown_campaign(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/instantly/dispatch-leads",
            json={"campaignId": str(uuid.uuid4()), "targetIds": [str(uuid.uuid4())]},
        )
        assert response.status_code == 404

    async def test_bad_body(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/instantly/dispatch-leads", json={"campaignId": "x", "targetIds": []}
        )
        assert response.status_code == 400
        assert response.json()["problems"] == [
            f"campaignId: 'x' is not a valid id. Ids are UUIDs, like {EXAMPLE_ID}.",
            "targetIds needs at least 1 item(s).",
        ]

    async def test_instantly_outage_keeps_rows_pending_then_rerun_finishes(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        linked: Campaign,
        fake_state: FakeInstantlyState,
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 5)
        body = {"campaignId": str(linked.id), "targetIds": [str(i) for i in ids]}
        fake_state.fail_next(50, 500, path=LEADS_ADD)
        failed = await client.post("/api/instantly/dispatch-leads", json=body)
        assert failed.status_code == 502
        assert failed.json()["pending"] == 5
        assert failed.json()["recorded"] == 5
        fake_state.faults.clear()

        retried = (await client.post("/api/instantly/dispatch-leads", json=body)).json()
        assert retried["leads_sent"] == 5
        assert retried["pending"] == 0
        assert len(fake_state.leads_by_campaign(linked.instantly_campaign_id)) == 5


class TestBulk:
    async def test_2500_targets_in_3_calls_and_redispatch_adds_nothing(
        self, runtime: Runtime, linked: Campaign, fake_state: FakeInstantlyState
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 2500)
        outcome = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=linked.id, target_ids=ids
        )
        assert outcome.push.pushed == 2500
        assert _adds(fake_state) == 3
        assert len(fake_state.leads_by_campaign(linked.instantly_campaign_id)) == 2500
        async with runtime.sessionmaker() as session:
            pushes = (await session.scalars(select(InstantlyPush))).all()
            assert sorted(p.lead_count for p in pushes) == [500, 1000, 1000]
            assert sum(p.leads_uploaded for p in pushes) == 2500

        again = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=linked.id, target_ids=None
        )
        assert again.push.pushed == 0
        assert again.recorded.recorded == 0
        assert _adds(fake_state) == 3


class TestCrashRecovery:
    async def test_crash_after_ledger_write_is_finished_by_the_sweep(
        self,
        runtime: Runtime,
        linked: Campaign,
        fake_state: FakeInstantlyState,
        monkeypatch: pytest.MonkeyPatch,
        instantly: InstantlyClient,
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 4)

        async def crash(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("process killed mid-dispatch")

        monkeypatch.setattr(instantly, "add_leads", crash)
        with pytest.raises(RuntimeError):
            await dispatch_targets(
                runtime.sessionmaker, runtime.instantly, campaign_id=linked.id, target_ids=ids
            )
        monkeypatch.undo()
        async with runtime.sessionmaker() as session:
            unpushed = await session.scalar(
                select(func.count()).select_from(Dispatch).where(Dispatch.pushed_at.is_(None))
            )
        assert unpushed == 4

        pushed = await sweep_unpushed(
            runtime.sessionmaker, runtime.instantly, stale_after=timedelta(seconds=-1)
        )
        assert pushed == 4
        assert len(fake_state.leads_by_campaign(linked.instantly_campaign_id)) == 4
        assert (
            await sweep_unpushed(
                runtime.sessionmaker, runtime.instantly, stale_after=timedelta(seconds=-1)
            )
            == 0
        )

    async def test_address_suppressed_before_push_is_never_sent(
        self,
        runtime: Runtime,
        linked: Campaign,
        fake_state: FakeInstantlyState,
        monkeypatch: pytest.MonkeyPatch,
        instantly: InstantlyClient,
    ) -> None:
        ids = await _targets(runtime.sessionmaker, 2)
        monkeypatch.setattr(instantly, "add_leads", _raise_outage)
        await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=linked.id, target_ids=ids
        )
        monkeypatch.undo()
        async with unit_of_work(runtime.sessionmaker) as session:
            target = await session.get(Target, ids[0])
            assert target is not None
            assert target.email
            await suppression_service.add(
                session, target.email, reason="unsubscribed elsewhere", source="unsubscribe"
            )
        outcome = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=linked.id, target_ids=ids
        )
        assert outcome.push.pushed == 1
        assert (ids[0], "suppressed") in outcome.recorded.skipped
        emails = {lead.email for lead in fake_state.leads_by_campaign(linked.instantly_campaign_id)}
        assert target.email not in emails


async def _raise_outage(*_args: object, **_kwargs: object) -> None:
    from ravensearch.instantly.errors import InstantlyConnectionError

    raise InstantlyConnectionError("connection refused")
