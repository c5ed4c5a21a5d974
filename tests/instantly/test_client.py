"""The client against the fake Instantly over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from ravensearch.instantly import (
    InstantlyAuthError,
    InstantlyClient,
    InstantlyConnectionError,
    InstantlyNotFound,
    InstantlyPlanError,
    InstantlyRateLimited,
    InstantlyServerError,
    InstantlyTimeout,
    InstantlyValidationError,
    Lead,
)
from tests.instantly.conftest import API_KEY, ClientFactory, FakeInstantly

UNKNOWN_ID = "0199e9d9-0000-7000-8000-000000000000"


def _leads(count: int, prefix: str = "tech") -> list[Lead]:
    return [Lead(email=f"{prefix}{i}@shop{i % 7}.com", first_name=f"T{i}") for i in range(count)]


def _calls(fake: FakeInstantly, method: str, path: str) -> list[int]:
    return [status for m, p, status in fake.state.request_log if (m, p) == (method, path)]


@pytest.fixture
async def recorded() -> AsyncIterator[tuple[httpx.AsyncClient, list[httpx.Request]]]:
    requests: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        requests.append(request)

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        yield http, requests


class TestGetCampaign:
    async def test_ok(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        seeded = fake_instantly.state.add_campaign("HVAC Technicians — Texas", status=1)
        campaign = await instantly_client.get_campaign(seeded.id)
        assert (campaign.id, campaign.name, campaign.status_word) == (
            seeded.id, "HVAC Technicians — Texas", "active",
        )  # fmt: skip
        assert campaign.timestamp_created == seeded.timestamp_created

    async def test_unknown_id_is_not_found(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        with pytest.raises(InstantlyNotFound) as caught:
            await instantly_client.get_campaign(UNKNOWN_ID)
        assert caught.value.message == "Resource not found"
        assert _calls(fake_instantly, "GET", f"/api/v2/campaigns/{UNKNOWN_ID}") == [404]

    async def test_non_uuid_is_a_validation_error(self, instantly_client: InstantlyClient) -> None:
        with pytest.raises(InstantlyValidationError) as caught:
            await instantly_client.get_campaign("cam_abc123")
        assert caught.value.message == 'params/id must match format "uuid"'

    async def test_unknown_key_is_an_auth_error(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        with pytest.raises(InstantlyAuthError) as caught:
            await make_client("not-a-key").get_campaign(UNKNOWN_ID)
        assert caught.value.status_code == 401
        assert caught.value.message == "Invalid API key"
        assert "not-a-key" not in str(caught.value)

    async def test_unpaid_workspace_is_a_plan_error(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        fake_instantly.state.unpaid_keys.add("unpaid-key")
        with pytest.raises(InstantlyPlanError, match="active paid plan"):
            await make_client("unpaid-key").get_current_workspace()


class TestIterCampaigns:
    @pytest.mark.parametrize(("cursor_on_last_page", "calls"), [(True, 4), (False, 3)])
    async def test_pages_through_250(
        self,
        fake_instantly: FakeInstantly,
        instantly_client: InstantlyClient,
        cursor_on_last_page: bool,
        calls: int,
    ) -> None:
        fake_instantly.state.cursor_on_last_page = cursor_on_last_page
        ids = [fake_instantly.state.add_campaign(f"Campaign {i:03}").id for i in range(250)]
        campaigns = [c async for c in instantly_client.iter_campaigns(page_size=100)]
        assert [c.id for c in campaigns] == sorted(ids)
        assert len(_calls(fake_instantly, "GET", "/api/v2/campaigns")) == calls

    async def test_last_page_cursor_then_empty_page(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        for i in range(200):
            fake_instantly.state.add_campaign(f"Campaign {i:03}")
        assert len(await instantly_client.list_campaigns()) == 200
        assert len(_calls(fake_instantly, "GET", "/api/v2/campaigns")) == 3

    async def test_search_matches_names(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        for name in ("Plumbers — Florida", "Plumbers — Texas", "Roofers — Ohio"):
            fake_instantly.state.add_campaign(name)
        found = await instantly_client.list_campaigns(search="plumbers")
        assert sorted(c.name for c in found) == ["Plumbers — Florida", "Plumbers — Texas"]

    async def test_rejects_page_size_over_100(self, instantly_client: InstantlyClient) -> None:
        with pytest.raises(ValueError, match="page_size"):
            [c async for c in instantly_client.iter_campaigns(page_size=101)]


class TestAnalytics:
    async def test_numbers_come_from_lead_activity(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        state = fake_instantly.state
        campaign = state.add_campaign("Electricians — Arizona", status=1)
        for i in range(10):
            lead = state.add_lead(f"e{i}@volt.com", campaign_id=campaign.id)
            lead.emails_sent = 2 if i < 6 else 0
            lead.opens = 1 if i < 4 else 0
            lead.replies = 1 if i < 2 else 0
            lead.bounced = i == 5
        row = await instantly_client.get_campaign_analytics(campaign.id)
        assert row is not None
        assert (row.campaign_id, row.campaign_name, row.campaign_status) == (
            campaign.id, "Electricians — Arizona", 1,
        )  # fmt: skip
        assert row.leads_count == 10
        assert row.contacted_count == 6
        assert row.emails_sent_count == 12
        assert row.open_count == 4
        assert row.reply_count == 2
        assert row.bounced_count == 1

    async def test_nothing_sent_yet_is_none(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        campaign = fake_instantly.state.add_campaign("New", status=0)
        fake_instantly.state.add_lead("a@b.com", campaign_id=campaign.id)
        assert await instantly_client.get_campaign_analytics(campaign.id) is None


class TestAddLeads:
    async def test_2500_leads_take_three_calls(
        self,
        fake_instantly: FakeInstantly,
        make_client: ClientFactory,
        recorded: tuple[httpx.AsyncClient, list[httpx.Request]],
    ) -> None:
        http, requests = recorded
        campaign = fake_instantly.state.add_campaign("HVAC", status=0)
        results = await make_client(http_client=http).add_leads(campaign.id, _leads(2500))
        bodies = [json.loads(r.content) for r in requests if r.url.path.endswith("/leads/add")]
        assert [len(b["leads"]) for b in bodies] == [1000, 1000, 500]
        # In API v2 that flag skips leads held by ANY campaign: never sent unless asked.
        assert not any("skip_if_in_campaign" in b for b in bodies)
        assert all(b["campaign_id"] == campaign.id for b in bodies)
        assert [r.leads_uploaded for r in results] == [1000, 1000, 500]
        assert _calls(fake_instantly, "POST", "/api/v2/leads/add") == [200, 200, 200]
        assert len(fake_instantly.state.leads_by_campaign(campaign.id)) == 2500

    async def test_skip_option_sends_the_flag_and_skips_other_campaigns_leads(
        self,
        fake_instantly: FakeInstantly,
        make_client: ClientFactory,
        recorded: tuple[httpx.AsyncClient, list[httpx.Request]],
    ) -> None:
        http, requests = recorded
        client = make_client(http_client=http)
        first = fake_instantly.state.add_campaign("A")
        second = fake_instantly.state.add_campaign("B")
        await client.add_leads(first.id, _leads(3))
        [plain] = await client.add_leads(second.id, _leads(3))
        assert (plain.leads_uploaded, plain.skipped_count) == (3, 0)
        third = fake_instantly.state.add_campaign("C")
        [skipping] = await client.add_leads(third.id, _leads(3), skip_if_in_other_campaign=True)
        assert (skipping.leads_uploaded, skipping.skipped_count) == (0, 3)
        body = json.loads(requests[-1].content)
        assert body["skip_if_in_campaign"] is True
        assert fake_instantly.state.leads_by_campaign(third.id) == []

    async def test_find_leads_in_one_campaign_or_anywhere(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        first = fake_instantly.state.add_campaign("A")
        second = fake_instantly.state.add_campaign("B")
        leads = _leads(150)
        await instantly_client.add_leads(first.id, leads)
        await instantly_client.add_leads(second.id, leads[:10])
        emails = [lead.email for lead in leads] + ["nobody@nowhere.com"]
        in_second = await instantly_client.find_leads(emails, campaign_id=second.id)
        assert sorted(lead.email or "" for lead in in_second) == sorted(emails[:10])
        assert {lead.campaign for lead in in_second} == {second.id}
        anywhere = await instantly_client.find_leads(emails)  # 160 leads: two pages
        assert len(anywhere) == 160

    async def test_re_adding_creates_nothing(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        await instantly_client.add_leads(campaign.id, _leads(1200))
        again = await instantly_client.add_leads(campaign.id, _leads(1200))
        assert sum(r.leads_uploaded for r in again) == 0
        assert sum(r.duplicated_leads for r in again) == 1200
        assert len(fake_instantly.state.leads_by_campaign(campaign.id)) == 1200

    async def test_created_leads_map_back_to_input(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        leads = [Lead(email="bad-address"), Lead(email="ok@shop.com", company_name="Shop")]
        [result] = await instantly_client.add_leads(campaign.id, leads)
        assert result.invalid_email_count == 1
        assert [(c.index, c.email) for c in result.created_leads] == [(1, "ok@shop.com")]
        [stored] = fake_instantly.state.leads_by_campaign(campaign.id)
        assert (stored.id, stored.company_name) == (result.created_leads[0].id, "Shop")

    async def test_no_leads_no_calls(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        assert await instantly_client.add_leads(UNKNOWN_ID, []) == []
        assert fake_instantly.state.request_log == []

    async def test_more_than_1000_posted_directly_is_rejected(
        self, fake_instantly: FakeInstantly
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        body = {
            "campaign_id": campaign.id,
            "leads": [{"email": f"x{i}@y.com"} for i in range(1001)],
        }
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{fake_instantly.base_url}/leads/add",
                json=body,
                headers={"Authorization": f"Bearer {API_KEY}"},
            )
        assert response.status_code == 400
        assert response.json() == {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "body/leads must NOT have more than 1000 items",
        }
        assert fake_instantly.state.leads == {}

    async def test_blocklisted_domain_is_not_added(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        entry = await instantly_client.add_to_blocklist("Competitor.com")
        assert (entry.bl_value, entry.is_domain) == ("competitor.com", True)
        [result] = await instantly_client.add_leads(
            campaign.id, [Lead(email="boss@competitor.com"), Lead(email="ok@fine.com")]
        )
        assert (result.in_blocklist, result.leads_uploaded) == (1, 1)


class TestRetries:
    async def test_429_storm_then_success(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        fake_instantly.state.fail_next(3, 429, path="/campaigns", retry_after=0)
        assert (await instantly_client.get_campaign(campaign.id)).id == campaign.id
        assert _calls(fake_instantly, "GET", f"/api/v2/campaigns/{campaign.id}") == [
            429, 429, 429, 200,
        ]  # fmt: skip

    async def test_5xx_then_success(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        fake_instantly.state.fail_next(1, 500, method="GET", path="/workspaces")
        fake_instantly.state.fail_next(1, 503, method="GET", path="/workspaces/current")
        assert (await instantly_client.get_current_workspace())["name"]
        assert _calls(fake_instantly, "GET", "/api/v2/workspaces/current") == [500, 503, 200]

    async def test_rate_limit_outlasting_retries_raises(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        fake_instantly.state.fail_next(10, 429, retry_after=0)
        with pytest.raises(InstantlyRateLimited) as caught:
            await make_client(max_retries=2).get_current_workspace()
        assert caught.value.retry_after == 0.0
        assert caught.value.message == "Rate limit exceeded"
        assert _calls(fake_instantly, "GET", "/api/v2/workspaces/current") == [429] * 3

    async def test_server_errors_outlasting_retries_raise(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        fake_instantly.state.fail_next(10, 503)
        with pytest.raises(InstantlyServerError):
            await make_client(max_retries=1).get_current_workspace()
        assert len(_calls(fake_instantly, "GET", "/api/v2/workspaces/current")) == 2

    async def test_other_4xx_are_not_retried(
        self, fake_instantly: FakeInstantly, instantly_client: InstantlyClient
    ) -> None:
        fake_instantly.state.fail_next(5, 400, path="/workspaces")
        with pytest.raises(InstantlyValidationError):
            await instantly_client.get_current_workspace()
        assert _calls(fake_instantly, "GET", "/api/v2/workspaces/current") == [400]

    async def test_commit_then_timeout_adds_the_lead_once(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        campaign = fake_instantly.state.add_campaign("HVAC")
        fake_instantly.state.commit_then_timeout(2.0, path="/leads/add")
        client = make_client(timeout=1.0)
        [result] = await client.add_leads(campaign.id, [Lead(email="once@shop.com")])
        assert (result.leads_uploaded, result.duplicated_leads) == (0, 1)
        stored = [lead.email for lead in fake_instantly.state.leads.values()]
        assert stored == ["once@shop.com"]

    async def test_timeouts_outlasting_retries_raise(
        self, fake_instantly: FakeInstantly, make_client: ClientFactory
    ) -> None:
        fake_instantly.state.slow_down(0.5, path="/workspaces")
        started = time.monotonic()
        with pytest.raises(InstantlyTimeout):
            await make_client(timeout=0.1, max_retries=1).get_current_workspace()
        assert time.monotonic() - started < 0.5

    async def test_connection_refused(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        client = InstantlyClient(API_KEY, base_url=f"http://127.0.0.1:{port}/api/v2",
                                 max_retries=2, backoff_base=0.01)  # fmt: skip
        async with client:
            with pytest.raises(InstantlyConnectionError) as caught:
                await client.get_current_workspace()
        assert not isinstance(caught.value, InstantlyTimeout)
        assert isinstance(caught.value.__cause__, httpx.ConnectError)


class TestHeaders:
    async def test_sent_over_the_wire(
        self,
        fake_instantly: FakeInstantly,
        make_client: ClientFactory,
        recorded: tuple[httpx.AsyncClient, list[httpx.Request]],
    ) -> None:
        http, requests = recorded
        campaign = fake_instantly.state.add_campaign("HVAC")
        client = make_client(http_client=http, user_agent="Ravensearch/9.9 (+tests)")
        await client.get_campaign(campaign.id)
        await client.add_leads(campaign.id, [Lead(email="a@b.com")])
        get, post = requests
        for request in (get, post):
            assert request.headers["authorization"] == f"Bearer {API_KEY}"
            assert request.headers["user-agent"] == "Ravensearch/9.9 (+tests)"
        assert "content-type" not in get.headers
        assert post.headers["content-type"] == "application/json"
