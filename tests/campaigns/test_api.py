from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import update

from ravensearch.db.models import Campaign
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import FakeInstantlyState, seed_demo_campaigns
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from tests.fixtures.factories import create_dispatch, create_target

pytestmark = pytest.mark.usefixtures("db_url")

NOT_FOUND = "Campaign not found in Instantly. Please check the Campaign ID."


@pytest.fixture
def remote(fake_state: FakeInstantlyState) -> str:
    campaign = fake_state.add_campaign("HVAC Techs — Texas", status=1)
    for n in range(3):
        lead = fake_state.add_lead(f"lead{n}@example.com", campaign_id=campaign.id)
        lead.emails_sent = 1
        lead.opens = 1 if n < 2 else 0
        lead.replies = 1 if n == 0 else 0
    return campaign.id


class TestValidateCampaign:
    async def test_valid(self, client: httpx.AsyncClient, remote: str) -> None:
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": remote}
        )
        assert response.status_code == 200
        assert response.json() == {
            "valid": True,
            "campaign": {
                "id": remote,
                "name": "HVAC Techs — Texas",
                "status": "active",
                "total_leads": 3,
                "emails_sent": 3,
                "opens": 2,
                "replies": 1,
            },
        }

    @pytest.mark.parametrize(
        ("code", "word"), [(0, "draft"), (2, "paused"), (-2, "bounce_protect")]
    )
    async def test_status_is_a_word(
        self, client: httpx.AsyncClient, fake_state: FakeInstantlyState, code: int, word: str
    ) -> None:
        campaign = fake_state.add_campaign("C", status=code)
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": campaign.id}
        )
        assert response.json()["campaign"]["status"] == word

    async def test_unknown_id(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": str(uuid.uuid4())}
        )
        assert response.status_code == 200
        assert response.json() == {"valid": False, "error": NOT_FOUND}

    @pytest.mark.parametrize("bad", ["cam_abc123", "", "1234"])
    async def test_not_a_uuid(self, client: httpx.AsyncClient, bad: str) -> None:
        response = await client.post("/api/instantly/validate-campaign", json={"campaignId": bad})
        assert response.status_code == 400
        assert "UUID" in response.json()["detail"]

    async def test_missing_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/instantly/validate-campaign", json={})
        assert response.status_code == 400
        assert "campaignId" in response.json()["detail"]

    async def test_key_rejected(
        self, client: httpx.AsyncClient, fake_state: FakeInstantlyState, remote: str
    ) -> None:
        fake_state.api_keys.clear()
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": remote}
        )
        assert response.status_code == 502
        assert "API key" in response.json()["detail"]

    async def test_no_paid_plan(
        self, client: httpx.AsyncClient, fake_state: FakeInstantlyState, remote: str
    ) -> None:
        fake_state.unpaid_keys.add("test-key")
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": remote}
        )
        assert response.status_code == 502
        assert "paid plan" in response.json()["detail"]

    async def test_instantly_down(
        self, client: httpx.AsyncClient, fake_state: FakeInstantlyState, remote: str
    ) -> None:
        fake_state.fail_next(10, 503)
        response = await client.post(
            "/api/instantly/validate-campaign", json={"campaignId": remote}
        )
        assert response.status_code == 502
        assert "server error" in response.json()["detail"]

    async def test_requires_token(self, anon_client: httpx.AsyncClient, remote: str) -> None:
        response = await anon_client.post(
            "/api/instantly/validate-campaign", json={"campaignId": remote}
        )
        assert response.status_code == 401
        assert "tokens create" in response.json()["detail"]


class TestCreateCampaign:
    async def test_links_and_fills_name_and_stats(
        self, client: httpx.AsyncClient, remote: str
    ) -> None:
        response = await client.post(
            "/api/campaigns", json={"instantlyCampaignId": remote, "tradeFilter": "HVAC"}
        )
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "HVAC Techs — Texas"
        assert body["instantly_campaign_id"] == remote
        assert body["trade_filter"] == "hvac"
        assert body["status"] == "active"
        assert body["instantly_stats"]["leads_count"] == 3
        for column in (
            "total_targets",
            "emails_sent",
            "emails_opened",
            "replies_received",
            "emails_clicked",
            "emails_bounced",
            "unsubscribed",
            "created_at",
        ):
            assert column in body

    async def test_conflict_when_already_linked(
        self, client: httpx.AsyncClient, remote: str
    ) -> None:
        first = await client.post("/api/campaigns", json={"instantlyCampaignId": remote})
        assert first.status_code == 201
        again = await client.post("/api/campaigns", json={"instantlyCampaignId": remote.upper()})
        assert again.status_code == 409

    async def test_unknown_in_instantly(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/campaigns", json={"instantlyCampaignId": str(uuid.uuid4())}
        )
        assert response.status_code == 404
        assert response.json()["detail"] == NOT_FOUND

    async def test_unknown_trade(self, client: httpx.AsyncClient, remote: str) -> None:
        response = await client.post(
            "/api/campaigns", json={"instantlyCampaignId": remote, "tradeFilter": "astronaut"}
        )
        assert response.status_code == 400
        assert "hvac" in response.json()["detail"]

    async def test_list_get_sync(
        self, client: httpx.AsyncClient, remote: str, fake_state: FakeInstantlyState
    ) -> None:
        created = (await client.post("/api/campaigns", json={"instantlyCampaignId": remote})).json()
        listed = (await client.get("/api/campaigns")).json()
        assert [c["id"] for c in listed["items"]] == [created["id"]]
        one = await client.get(f"/api/campaigns/{created['id']}")
        assert one.json()["name"] == "HVAC Techs — Texas"

        fake_state.campaigns[remote].name = "Renamed in Instantly"
        fake_state.campaigns[remote].status = 2
        synced = await client.post(f"/api/campaigns/{created['id']}/sync")
        assert synced.status_code == 200
        assert synced.json()["name"] == "Renamed in Instantly"
        assert synced.json()["status"] == "paused"
        assert synced.json()["last_synced_at"] is not None

    async def test_sync_recounts_our_counters_from_the_rows(
        self, client: httpx.AsyncClient, remote: str, runtime: Runtime
    ) -> None:
        created = (await client.post("/api/campaigns", json={"instantlyCampaignId": remote})).json()
        campaign_id = uuid.UUID(created["id"])
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await session.get(Campaign, campaign_id)
            assert campaign is not None
            for n in range(3):
                target = await create_target(session, business_name=f"Cool Air {n}")
                await create_dispatch(
                    session, campaign=campaign, target=target, opened_at=utcnow() if n else None
                )
        async with unit_of_work(runtime.sessionmaker) as session:
            # As a crash between applying events and recounting would leave them.
            await session.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(emails_opened=99)
            )
        synced = (await client.post(f"/api/campaigns/{created['id']}/sync")).json()
        assert synced["total_targets"] == 3
        assert synced["emails_opened"] == 2

    async def test_unknown_campaign_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/campaigns/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        bad = await client.get("/api/campaigns/not-a-uuid")
        assert bad.status_code == 400
        assert bad.json()["detail"] == (
            "campaign_id: 'not-a-uuid' is not a valid id. Ids are UUIDs, like "
            "0199e9d9-cc23-785a-a736-aaa9cabece0f."
        )

    async def test_demo_lead_counts_agree_between_listing_and_validate(
        self, client: httpx.AsyncClient, fake_state: FakeInstantlyState
    ) -> None:
        seed_demo_campaigns(fake_state)
        listed = (await client.get("/api/instantly/campaigns")).json()["items"]
        assert [item["total_leads"] for item in listed] == [48, 32, 20]
        for item in listed:
            validated = (
                await client.post(
                    "/api/instantly/validate-campaign", json={"campaignId": item["id"]}
                )
            ).json()["campaign"]
            assert validated == item

    async def test_instantly_campaign_listing(self, client: httpx.AsyncClient, remote: str) -> None:
        response = await client.get("/api/instantly/campaigns")
        assert response.status_code == 200
        assert remote in [item["id"] for item in response.json()["items"]]
