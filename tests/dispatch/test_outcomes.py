"""Every lead accounted for: held by Instantly with its lead id, or rejected with a reason,
through other campaigns, the block list, the plan limit and faults around the bulk call."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Campaign, Dispatch, Target, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import (
    dispatch_targets,
    retry_rejected,
    settle_missing_lead_ids,
    sweep_unpushed,
)
from ravensearch.instantly import RateLimiter
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyTimeout
from ravensearch.instantly.fake import FakeInstantlyServer, FakeInstantlyState
from ravensearch.runtime import Runtime

LEADS_ADD = "/api/v2/leads/add"
LEADS_LIST = "/api/v2/leads/list"


def _calls(fake_state: FakeInstantlyState, path: str) -> int:
    return sum(1 for m, p, _s in fake_state.request_log if m == "POST" and p == path)


async def _link(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake_state: FakeInstantlyState,
    name: str,
    **values: Any,
) -> Campaign:
    remote = fake_state.add_campaign(name, status=0)
    async with unit_of_work(sessionmaker) as session:
        campaign = Campaign(name=name, instantly_campaign_id=remote.id, status="active", **values)
        session.add(campaign)
    return campaign


async def _targets(
    sessionmaker: async_sessionmaker[AsyncSession], emails: list[str]
) -> list[uuid.UUID]:
    rows = [
        Target(
            id=uuid.uuid4(),
            business_name=f"Shop {n}",
            email=email,
            trade="hvac",
            state="TX",
            status=TargetStatus.completed,
        )
        for n, email in enumerate(emails)
    ]
    async with unit_of_work(sessionmaker) as session:
        session.add_all(rows)
    return [t.id for t in rows]


def _emails(count: int, prefix: str = "tech") -> list[str]:
    return [f"{prefix}{n}@shop{n}.example.com" for n in range(count)]


async def _rows(sessionmaker: async_sessionmaker[AsyncSession], campaign: Campaign) -> list[Any]:
    async with sessionmaker() as session:
        stmt = select(Dispatch).where(Dispatch.campaign_id == campaign.id)
        return list((await session.scalars(stmt)).all())


def _held_once(fake_state: FakeInstantlyState, campaign: Campaign, emails: list[str]) -> None:
    held = Counter(
        lead.email for lead in fake_state.leads_by_campaign(campaign.instantly_campaign_id)
    )
    assert sorted(held) == sorted(emails)
    assert set(held.values()) == {1}


def _every_row_settled(rows: list[Any], fake_state: FakeInstantlyState) -> None:
    """Held (with the id Instantly gave that very lead) or rejected with a reason."""
    ids = {lead.email: lead.id for lead in fake_state.leads.values()}
    for row in rows:
        assert row.pushed_at is not None, row.email
        if row.status == "rejected":
            assert row.rejected_reason
            assert row.instantly_lead_id is None
        else:
            assert row.instantly_lead_id is not None, row.email
            assert fake_state.leads[row.instantly_lead_id].email == row.email
            assert ids[row.email]


class TestTwoCampaigns:
    async def test_the_same_technicians_go_into_each_campaign(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        first = await _link(runtime.sessionmaker, fake_state, "HVAC A")
        second = await _link(runtime.sessionmaker, fake_state, "HVAC B")
        emails = _emails(2500)
        ids = await _targets(runtime.sessionmaker, emails)
        for campaign in (first, second):
            outcome = await dispatch_targets(
                runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
            )
            assert outcome.push.pushed == 2500
            assert outcome.push.rejected == []
            _held_once(fake_state, campaign, emails)
            _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)
        assert _calls(fake_state, LEADS_ADD) == 6
        assert _calls(fake_state, LEADS_LIST) == 0  # created_leads named every lead

    async def test_the_skip_option_rejects_those_in_another_campaign(
        self, client: httpx.AsyncClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        first = await _link(runtime.sessionmaker, fake_state, "HVAC A")
        second = await _link(
            runtime.sessionmaker, fake_state, "HVAC B", skip_if_in_other_campaign=True
        )
        ids = await _targets(runtime.sessionmaker, _emails(2500))
        await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=first.id, target_ids=ids
        )
        outcome = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=second.id, target_ids=ids
        )
        assert outcome.push.pushed == 0
        assert Counter(reason for _t, reason in outcome.push.rejected) == {
            "in_other_campaign": 2500
        }
        assert fake_state.leads_by_campaign(second.instantly_campaign_id) == []
        rows = await _rows(runtime.sessionmaker, second)
        _every_row_settled(rows, fake_state)
        assert {r.status for r in rows} == {"rejected"}
        shown = (await client.get(f"/api/campaigns/{second.id}")).json()
        assert (shown["total_targets"], shown["leads_rejected"]) == (0, 2500)
        page = (await client.get(f"/api/campaigns/{second.id}/dispatches?status=rejected")).json()
        assert page["total"] == 2500
        assert page["items"][0]["rejected_reason"] == "in_other_campaign"
        assert "another Instantly campaign" in page["items"][0]["outcome"]

    async def test_the_option_per_dispatch_wins_over_the_campaign(
        self, client: httpx.AsyncClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        first = await _link(runtime.sessionmaker, fake_state, "HVAC A")
        second = await _link(runtime.sessionmaker, fake_state, "HVAC B")
        ids = await _targets(runtime.sessionmaker, _emails(3))
        body = {"campaignId": str(first.id), "targetIds": [str(i) for i in ids]}
        assert (await client.post("/api/instantly/dispatch-leads", json=body)).json()[
            "leads_sent"
        ] == 3
        body = {**body, "campaignId": str(second.id), "skipIfInOtherCampaign": True}
        result = (await client.post("/api/instantly/dispatch-leads", json=body)).json()
        assert result["leads_sent"] == 0
        assert result["success"] is True
        assert [r["reason"] for r in result["rejected"]] == ["in_other_campaign"] * 3
        assert all("another Instantly campaign" in r["message"] for r in result["rejected"])
        assert result["instantly"]["skipped_count"] == 3


class TestRejections:
    async def test_a_blocklisted_technician_is_rejected_and_retried_once_unblocked(
        self, client: httpx.AsyncClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        fake_state.add_blocklist_entry("blocked@shop9.example.com")
        ids = await _targets(runtime.sessionmaker, [*_emails(2), "blocked@shop9.example.com"])
        body = {"campaignId": str(campaign.id), "targetIds": [str(i) for i in ids]}
        result = (await client.post("/api/instantly/dispatch-leads", json=body)).json()
        assert result["leads_sent"] == 2
        assert result["rejected"] == [
            {
                "targetId": str(ids[2]),
                "reason": "blocklisted",
                "message": "on Instantly's block list",
            }
        ]
        listed = await client.get(f"/api/campaigns/{campaign.id}/dispatches?status=rejected")
        [row] = listed.json()["items"]
        assert row["status"] == "rejected"
        assert row["outcome"] == "rejected: on Instantly's block list"
        pending = await client.get(f"/api/campaigns/{campaign.id}/dispatches?status=pending")
        assert pending.json()["total"] == 2  # the rejected one never looks pending

        still = await client.post(
            f"/api/campaigns/{campaign.id}/dispatches/retry-rejected", json={}
        )
        assert still.json()["rejected"][0]["reason"] == "blocklisted"
        fake_state.blocklist.clear()
        retried = await client.post(
            f"/api/campaigns/{campaign.id}/dispatches/retry-rejected", json={}
        )
        assert retried.status_code == 200, retried.text
        assert (retried.json()["leads_sent"], retried.json()["rejected"]) == (1, [])
        _held_once(fake_state, campaign, [*_emails(2), "blocked@shop9.example.com"])
        _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)

    async def test_choosing_a_rejected_technician_again_retries_it(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        entry = fake_state.add_blocklist_entry("shop0.example.com")
        ids = await _targets(runtime.sessionmaker, _emails(1))
        first = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
        )
        assert [reason for _t, reason in first.push.rejected] == ["blocklisted"]
        del fake_state.blocklist[entry.id]
        again = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
        )
        assert (again.recorded.recorded, again.push.pushed, again.recorded.skipped) == (1, 1, [])

    async def test_mixed_causes_are_told_apart(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        other = await _link(runtime.sessionmaker, fake_state, "Plumbing")
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        emails = ["in-other@a.example.com", "x@blocked.example.com", "new@b.example.com",
                  "late@c.example.com"]  # fmt: skip
        ids = await _targets(runtime.sessionmaker, emails)
        await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=other.id, target_ids=ids[:1]
        )
        fake_state.add_blocklist_entry("blocked.example.com")
        fake_state.plan_lead_limit = len(fake_state.leads) + 1  # room for one more lead
        outcome = await dispatch_targets(
            runtime.sessionmaker,
            runtime.instantly,
            campaign_id=campaign.id,
            target_ids=ids,
            skip_if_in_other_campaign=True,
        )
        rejected = dict(outcome.push.rejected)
        assert (rejected.pop(ids[0]), rejected.pop(ids[1])) == ("in_other_campaign", "blocklisted")
        # The plan had room for one of the last two (rows go out in id order, not by hand).
        assert list(rejected.values()) == ["plan_limit"]
        assert set(rejected) < {ids[2], ids[3]}
        assert outcome.push.pushed == 1
        _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)

    async def test_an_unknown_status_filter_is_a_400(
        self, client: httpx.AsyncClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        response = await client.get(f"/api/campaigns/{campaign.id}/dispatches?status=lost")
        assert response.status_code == 400
        assert "rejected" in response.json()["detail"]


class TestFaults:
    async def test_timeout_after_commit_is_settled_by_asking(
        self,
        runtime: Runtime,
        fake_state: FakeInstantlyState,
        instantly: InstantlyClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        emails = _emails(1200)
        ids = await _targets(runtime.sessionmaker, emails)
        real_add = instantly.add_leads

        async def committed_then_timed_out(*args: Any, **kwargs: Any) -> Any:
            await real_add(*args, **kwargs)
            raise InstantlyTimeout("Instantly POST /leads/add timed out")

        monkeypatch.setattr(instantly, "add_leads", committed_then_timed_out)
        outcome = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
        )
        assert outcome.push.error is None
        assert outcome.push.pushed == 1200
        assert outcome.push.pending == 0
        assert _calls(fake_state, LEADS_ADD) == 2  # nothing sent twice
        _held_once(fake_state, campaign, emails)
        _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)

    async def test_500s_leave_rows_pending_then_a_rerun_finishes_once(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        emails = _emails(30)
        ids = await _targets(runtime.sessionmaker, emails)
        fake_state.fail_next(100, 500, path="/api/v2/leads")
        failed = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
        )
        assert failed.push.error is not None
        assert failed.push.pending == 30
        fake_state.faults.clear()
        done = await sweep_unpushed(
            runtime.sessionmaker, runtime.instantly, stale_after=timedelta(seconds=-1)
        )
        assert done == 30
        _held_once(fake_state, campaign, emails)
        _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)

    @pytest.mark.parametrize("skip", [False, True])
    async def test_a_crash_between_the_call_and_the_commit_sends_nothing_twice(
        self,
        runtime: Runtime,
        fake_state: FakeInstantlyState,
        instantly: InstantlyClient,
        monkeypatch: pytest.MonkeyPatch,
        skip: bool,
    ) -> None:
        """With the skip option on, a blind re-send would come back `skipped` (the lead is
        in a campaign: this one): asking first keeps it held, not rejected."""
        campaign = await _link(
            runtime.sessionmaker, fake_state, "HVAC", skip_if_in_other_campaign=skip
        )
        emails = _emails(40)
        ids = await _targets(runtime.sessionmaker, emails)
        real_add = instantly.add_leads

        async def sent_then_killed(*args: Any, **kwargs: Any) -> Any:
            await real_add(*args, **kwargs)
            raise RuntimeError("kill -9")

        monkeypatch.setattr(instantly, "add_leads", sent_then_killed)
        with pytest.raises(RuntimeError):
            await dispatch_targets(
                runtime.sessionmaker, runtime.instantly, campaign_id=campaign.id, target_ids=ids
            )
        monkeypatch.undo()
        assert (
            await sweep_unpushed(
                runtime.sessionmaker, runtime.instantly, stale_after=timedelta(seconds=-1)
            )
            == 40
        )
        assert _calls(fake_state, LEADS_ADD) == 1
        _held_once(fake_state, campaign, emails)
        rows = await _rows(runtime.sessionmaker, campaign)
        assert {r.status for r in rows} == {"pending"}
        _every_row_settled(rows, fake_state)


class TestRowsWithoutLeadIds:
    async def test_ids_are_filled_in_and_leads_instantly_never_took_are_sent(
        self, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        """Rows the old `skip_if_in_campaign` left marked pushed, with no lead id and no
        lead in Instantly, and rows pushed before lead ids were read."""
        campaign = await _link(runtime.sessionmaker, fake_state, "HVAC")
        emails = _emails(2)
        ids = await _targets(runtime.sessionmaker, emails)
        held = fake_state.add_lead(emails[0], campaign_id=campaign.instantly_campaign_id)
        async with unit_of_work(runtime.sessionmaker) as session:
            for target_id, email in zip(ids, emails, strict=True):
                session.add(
                    Dispatch(
                        technician_id=target_id,
                        campaign_id=campaign.id,
                        email=email,
                        pushed_at=runtime_now(),
                        attempts=1,
                    )
                )
        assert await settle_missing_lead_ids(runtime.sessionmaker, runtime.instantly) == 2
        rows = {r.email: r for r in await _rows(runtime.sessionmaker, campaign)}
        assert rows[emails[0]].instantly_lead_id == held.id
        assert rows[emails[1]].pushed_at is None
        await sweep_unpushed(runtime.sessionmaker, runtime.instantly, stale_after=timedelta(0))
        _held_once(fake_state, campaign, emails)
        _every_row_settled(await _rows(runtime.sessionmaker, campaign), fake_state)
        assert await settle_missing_lead_ids(runtime.sessionmaker, runtime.instantly) == 0


async def test_retry_rejected_of_an_unknown_campaign_is_a_404(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        f"/api/campaigns/{uuid.uuid4()}/dispatches/retry-rejected", json={}
    )
    assert response.status_code == 404
    with pytest.raises(Exception, match="No Ravensearch campaign has id"):
        await retry_rejected(runtime.sessionmaker, runtime.instantly, campaign_id=uuid.uuid4())


def runtime_now() -> Any:
    from ravensearch.kit.clock import utcnow

    return utcnow() - timedelta(minutes=5)


class TestOverTheNetwork:
    """The fake over a socket, answering only after the write, later than the client waits."""

    @pytest.mark.parametrize("retries", [0, 2])
    async def test_timeouts_after_commit_hold_each_lead_once(
        self, runtime: Runtime, retries: int
    ) -> None:
        with FakeInstantlyServer() as server:
            state = server.state
            # The client waits a full second so that, on a loaded CI host, only the faulted
            # writes time out and not the lookup that settles them.
            state.commit_then_timeout(2.0, path=LEADS_ADD, count=retries + 1)
            client = InstantlyClient(
                "test-key",
                base_url=server.base_url,
                timeout=1.0,
                max_retries=retries,
                backoff_base=0.01,
                rate_limiter=RateLimiter(1000, 60_000),
            )
            try:
                campaign = await _link(runtime.sessionmaker, state, "HVAC")
                emails = _emails(25)
                ids = await _targets(runtime.sessionmaker, emails)
                outcome = await dispatch_targets(
                    runtime.sessionmaker, client, campaign_id=campaign.id, target_ids=ids
                )
                assert state.wait_idle()
            finally:
                await client.aclose()
            assert outcome.push.error is None
            assert (outcome.push.pushed, outcome.push.pending) == (25, 0)
            _held_once(state, campaign, emails)
            _every_row_settled(await _rows(runtime.sessionmaker, campaign), state)
