"""Campaign operations that call Instantly: no transaction is held open during the call.

(On SQLite a transaction holds the database's write lock, so a slow Instantly must never
stall webhook intake.)
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.campaigns.schemas import CampaignCreate
from ravensearch.campaigns.sequence import sequence_service
from ravensearch.campaigns.service import (
    campaign_service,
    instantly_id_of,
    parse_instantly_campaign_id,
)
from ravensearch.db.models import Campaign
from ravensearch.db.session import unit_of_work
from ravensearch.events.counters import refresh_counters
from ravensearch.instantly.client import InstantlyClient
from ravensearch.kit.trades import normalize_trade


async def create(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    body: CampaignCreate,
) -> Campaign:
    """A campaign of either channel: an Instantly one is linked (and checked there), a
    SendGrid one is stored with its sequence."""
    if body.channel == "sendgrid":
        async with unit_of_work(sessionmaker) as session:
            return await sequence_service.create(session, body)
    assert body.instantly_campaign_id is not None  # the schema requires it for instantly
    return await create_linked(
        sessionmaker,
        instantly,
        instantly_campaign_id=body.instantly_campaign_id,
        trade_filter=body.trade_filter,
        skip_if_in_other_campaign=body.skip_if_in_other_campaign,
    )


async def create_linked(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    instantly_campaign_id: str,
    trade_filter: str | None,
    skip_if_in_other_campaign: bool = False,
) -> Campaign:
    """Validate the Instantly campaign, then link it with its name and stats (409 if linked)."""
    campaign_id = parse_instantly_campaign_id(instantly_campaign_id)
    trade = normalize_trade(trade_filter) if trade_filter else None
    async with unit_of_work(sessionmaker) as session:
        await campaign_service.ensure_not_linked(session, campaign_id)
    remote, stats = await campaign_service.fetch_from_instantly(instantly, campaign_id)
    async with unit_of_work(sessionmaker) as session:
        return await campaign_service.link(
            session,
            remote=remote,
            stats=stats,
            trade_filter=trade,
            skip_if_in_other_campaign=skip_if_in_other_campaign,
        )


async def sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    campaign_id: uuid.UUID,
) -> Campaign:
    """Pull the campaign's name, status and analytics from Instantly now, and recount our
    own counters from the rows (the event applier recounts lazily; a crash can leave them
    behind until this runs)."""
    async with unit_of_work(sessionmaker) as session:
        instantly_id = instantly_id_of(await campaign_service.get(session, campaign_id))
    remote, stats = await campaign_service.fetch_from_instantly(instantly, instantly_id)
    async with unit_of_work(sessionmaker) as session:
        await refresh_counters(session, [campaign_id])
        return await campaign_service.apply_sync(
            session, campaign_id=campaign_id, remote=remote, stats=stats
        )
