"""One error shape and status for the same mistake on every route (#10 point 6)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from ravensearch.db.models import Notification
from ravensearch.db.session import unit_of_work
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.web.errors import EXAMPLE_ID
from tests.fixtures.factories import create_campaign, create_target

UUID_ROUTES = [
    ("GET", "/api/campaigns/nope"),
    ("PATCH", "/api/campaigns/nope"),
    ("POST", "/api/campaigns/nope/sync"),
    ("GET", "/api/campaigns/nope/dispatches"),
    ("GET", "/api/targets/nope"),
    ("GET", "/api/jobs/nope"),
    ("POST", "/api/notifications/nope/read"),
]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


class TestMalformedUuid:
    @pytest.mark.parametrize(("method", "path"), UUID_ROUTES)
    async def test_is_400_naming_the_id_on_every_route(
        self, client: httpx.AsyncClient, method: str, path: str
    ) -> None:
        response = await client.request(method, path, json={} if method != "GET" else None)
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "invalid_input"
        assert "'nope' is not a valid id. Ids are UUIDs" in body["detail"]

    async def test_in_a_body_is_the_same_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/dispatch-jobs", json={"campaignId": "cam_123", "targetIds": ["x"]}
        )
        assert response.status_code == 400
        assert response.json()["problems"] == [
            f"campaignId: 'cam_123' is not a valid id. Ids are UUIDs, like {EXAMPLE_ID}.",
            f"targetIds[0]: 'x' is not a valid id. Ids are UUIDs, like {EXAMPLE_ID}.",
        ]


class TestWording:
    async def test_malformed_json_says_so(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/campaigns",
            content=b'{"instantlyCampaignId": ',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert detail.startswith("The request body is not valid JSON (")
        assert "application/json" in detail

    async def test_no_pydantic_wording_reaches_the_user(self, client: httpx.AsyncClient) -> None:
        bodies = [
            ("/api/campaigns", {"instantlyCampaignId": 5, "extra": 1}),
            ("/api/dispatch-jobs", {"campaignId": str(uuid.uuid4()), "skipIfInOtherCampaign": "x"}),
            ("/api/targets", [1, 2]),
            ("/api/targets/collect", {"source": "bing", "trade": "hvac", "state": "TX"}),
        ]
        for path, body in bodies:
            detail = (await client.post(path, json=body)).json()["detail"]
            for pydantic_words in ("Input should", "Field required", "Extra inputs", "type="):
                assert pydantic_words not in detail, (path, detail)

    async def test_a_missing_body(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/campaigns")
        assert response.status_code == 400
        assert response.json()["detail"] == "The request needs a JSON body."


class TestAuthorizationHeader:
    @pytest.mark.parametrize(
        ("header", "words"),
        [
            (None, "Missing API token"),
            ("rs_abcdefghijklmnopqrstuvwx", "must start with 'Bearer '"),
            ("Token rs_abcdefghijklmnopqrstuvwx", "it held a 'Token' scheme"),
            ("Bearer ", "carries no token"),
        ],
    )
    async def test_says_what_is_wrong(
        self, anon_client: httpx.AsyncClient, header: str | None, words: str
    ) -> None:
        headers = {"Authorization": header} if header is not None else {}
        response = await anon_client.get("/api/campaigns", headers=headers)
        assert response.status_code == 401
        assert words in response.json()["detail"]
        assert "abcdefghijklmnop" not in response.json()["detail"]


class TestTimestamps:
    async def test_every_timestamp_is_iso_8601_with_z(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
            target = await create_target(session)
            session.add(Notification(kind="reply", title="Pat replied", read_at=utcnow()))
        answers = [
            (await client.get(f"/api/campaigns/{campaign.id}")).json(),
            (await client.get(f"/api/targets/{target.id}")).json(),
            (await client.get("/api/notifications")).json()["items"][0],
        ]
        stamps = [v for a in answers for k, v in a.items() if k.endswith("_at") and v]
        assert len(stamps) >= 6
        assert all(ISO_Z.match(stamp) for stamp in stamps), stamps


class TestInstantlyIdGivenForARavensearchId:
    async def test_a_linked_one_names_the_right_id(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, name="HVAC TX")
        response = await client.get(f"/api/campaigns/{campaign.instantly_campaign_id}")
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert "is the Instantly campaign id of 'HVAC TX'" in detail
        assert str(campaign.id) in detail

    async def test_an_unknown_one_says_how_to_link_it(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/instantly/dispatch-leads",
            json={"campaignId": str(uuid.uuid4()), "targetIds": [str(uuid.uuid4())]},
        )
        assert response.status_code == 404
        assert "If it is an Instantly campaign id, link it first" in response.json()["detail"]
