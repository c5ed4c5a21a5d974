"""Seeding leads and storing webhook events for the events, web and notification tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import WebhookEvent
from ravensearch.db.session import unit_of_work
from ravensearch.events.parsing import parse_delivery
from ravensearch.events.service import events_service
from tests.fixtures.factories import (
    create_campaign,
    create_dispatch,
    create_target,
    instantly_event,
)

Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass
class Lead:
    campaign_id: uuid.UUID
    instantly_campaign_id: str
    dispatch_id: uuid.UUID
    email: str


async def seed_lead(sessionmaker: Sessionmaker, **dispatch_kw: Any) -> Lead:
    async with unit_of_work(sessionmaker) as session:
        campaign = await create_campaign(session)
        target = await create_target(session, business_name="Cool Air LLC")
        dispatch = await create_dispatch(session, campaign=campaign, target=target, **dispatch_kw)
    return Lead(campaign.id, campaign.instantly_campaign_id, dispatch.id, dispatch.email)


async def record(engine: AsyncEngine, payload: dict[str, Any]) -> bool:
    return await events_service.record(engine, parse_delivery(json.dumps(payload).encode()))


def event(lead: Lead, event_type: str, timestamp: str | None, **extra: Any) -> dict[str, Any]:
    return instantly_event(
        event_type,
        campaign_id=lead.instantly_campaign_id,
        email=lead.email,
        timestamp=timestamp,
        **extra,
    )


async def load(sessionmaker: Sessionmaker, model: type[Any], row_id: uuid.UUID) -> Any:
    async with sessionmaker() as session:
        return await session.get(model, row_id)


async def states(sessionmaker: Sessionmaker) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(WebhookEvent.state).order_by(WebhookEvent.received_at))
        return list(rows)


async def store_events(
    sessionmaker: Sessionmaker, state: str, count: int = 1, **kw: Any
) -> list[uuid.UUID]:
    """`count` stored events already in `state` (received now unless `received_at` is given)."""
    async with unit_of_work(sessionmaker) as session:
        rows = [
            WebhookEvent(
                **{"event_type": "email_opened", "raw_body": "{}", **kw},
                dedupe_key=uuid.uuid4().hex,
                state=state,
            )
            for _ in range(count)
        ]
        session.add_all(rows)
    return [row.id for row in rows]
