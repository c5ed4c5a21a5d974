"""Keyset pages of the JSON lists: every row once, newest first, ties broken by id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ravensearch.db.models import Campaign
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from tests.fixtures.factories import create_campaign, create_dispatch, create_target

pytestmark = pytest.mark.usefixtures("db_url")

BASE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# Three rows share each timestamp, so the id has to break ties.
CREATED = [BASE + timedelta(minutes=n // 3) for n in range(8)]


async def _walk(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["items"])
        assert body["total"] == 8
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    pytest.fail("paging never ended")


def _newest_first(rows: list[tuple[datetime, uuid.UUID]]) -> list[str]:
    return [str(row_id) for _, row_id in sorted(rows, reverse=True)]


async def test_targets_by_cursor(client: httpx.AsyncClient, runtime: Runtime) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        rows = [
            (at, (await create_target(session, created_at=at, state="NV")).id) for at in CREATED
        ]
        await create_target(session, state="TX")  # filtered out
    seen = await _walk(client, "/api/targets", state="NV", limit=3)
    assert [item["id"] for item in seen] == _newest_first(rows)


async def test_offset_page_hands_over_to_cursor(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        rows = [
            (at, (await create_target(session, created_at=at, state="NV")).id) for at in CREATED
        ]
    first = (await client.get("/api/targets", params={"state": "NV", "limit": 5})).json()
    rest = await _walk(client, "/api/targets", state="NV", limit=5, cursor=first["next_cursor"])
    ids = [item["id"] for item in first["items"]] + [item["id"] for item in rest]
    assert ids == _newest_first(rows)


async def test_dispatches_by_cursor(client: httpx.AsyncClient, runtime: Runtime) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign: Campaign = await create_campaign(session)
        other = await create_campaign(session)
        rows = []
        for at in CREATED:
            target = await create_target(session)
            dispatch = await create_dispatch(
                session, campaign=campaign, target=target, created_at=at
            )
            rows.append((at, dispatch.id))
        await create_dispatch(session, campaign=other, target=await create_target(session))
    seen = await _walk(client, f"/api/campaigns/{campaign.id}/dispatches", limit=3)
    assert [item["id"] for item in seen] == _newest_first(rows)


@pytest.mark.parametrize("url", ["/api/targets", "/api/campaigns/{campaign}/dispatches"])
async def test_bad_cursor_and_cursor_with_offset_are_400(
    client: httpx.AsyncClient, runtime: Runtime, url: str
) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign = await create_campaign(session)
    url = url.format(campaign=campaign.id)
    bad = await client.get(url, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert "next_cursor" in bad.json()["detail"]
    valid = "MjAyNi0xMS0yN1QwOTowMDowMCswMDowMHwwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA"
    both = await client.get(url, params={"cursor": valid, "offset": 5})
    assert both.status_code == 400
    assert "either cursor or offset" in both.json()["detail"]
