from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import NotificationKind
from ravensearch.db.session import unit_of_work
from ravensearch.notifications.service import notification_service
from ravensearch.runtime import Runtime
from tests.fixtures.factories import create_campaign


async def seed(sessionmaker: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    async with unit_of_work(sessionmaker) as session:
        campaign = await create_campaign(session)
        reply = await notification_service.create(
            session,
            kind=NotificationKind.reply,
            title="Reply from Cool Air LLC",
            body="Sounds good",
            link="https://app.instantly.ai/app/unibox?thread=1",
            campaign_id=campaign.id,
        )
        bounce = await notification_service.create(
            session, kind=NotificationKind.bounce, title="Bounced a@b.com"
        )
    return [reply.id, bounce.id]


class TestListNotifications:
    async def test_lists_with_unread_count(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        reply_id, _bounce_id = await seed(runtime.sessionmaker)
        response = await client.get("/api/notifications")
        assert response.status_code == 200
        data = response.json()
        assert data["unread"] == 2
        assert len(data["items"]) == 2
        item = next(i for i in data["items"] if i["id"] == str(reply_id))
        assert item["kind"] == "reply"
        assert item["body"] == "Sounds good"
        assert item["link"] == "https://app.instantly.ai/app/unibox?thread=1"
        assert item["campaign_id"] is not None
        assert item["read_at"] is None
        assert item["created_at"].endswith(("Z", "+00:00"))

    async def test_unread_filter_and_paging(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        reply_id, bounce_id = await seed(runtime.sessionmaker)
        assert (await client.post(f"/api/notifications/{reply_id}/read")).status_code == 200
        unread = (await client.get("/api/notifications", params={"unread": "true"})).json()
        assert [i["id"] for i in unread["items"]] == [str(bounce_id)]
        assert unread["unread"] == 1
        page = (await client.get("/api/notifications", params={"limit": 1, "offset": 1})).json()
        assert len(page["items"]) == 1

    async def test_bad_limit(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/notifications", params={"limit": 0})
        assert response.status_code == 400
        assert response.json()["detail"] == "limit must be at least 1."

    async def test_requires_token(self, anon_client: httpx.AsyncClient) -> None:
        response = await anon_client.get("/api/notifications")
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


class TestMarkRead:
    async def test_marks_read(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        reply_id, _ = await seed(runtime.sessionmaker)
        response = await client.post(f"/api/notifications/{reply_id}/read")
        assert response.status_code == 200
        assert response.json()["id"] == str(reply_id)
        assert response.json()["read_at"] is not None
        assert (await client.get("/api/notifications")).json()["unread"] == 1

    async def test_unknown_id(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/api/notifications/{uuid.uuid4()}/read")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    async def test_requires_token(self, anon_client: httpx.AsyncClient, runtime: Runtime) -> None:
        reply_id, _ = await seed(runtime.sessionmaker)
        response = await anon_client.post(f"/api/notifications/{reply_id}/read")
        assert response.status_code == 401
