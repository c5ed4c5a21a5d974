from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign, CampaignStep, EmailSend, SendState


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, campaign_id: uuid.UUID) -> Campaign | None:
        return await self.session.get(Campaign, campaign_id)

    async def get_by_instantly_id(self, instantly_campaign_id: str) -> Campaign | None:
        stmt = select(Campaign).where(Campaign.instantly_campaign_id == instantly_campaign_id)
        return await self.session.scalar(stmt)

    async def list(self) -> Sequence[Campaign]:
        stmt = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id)
        return (await self.session.scalars(stmt)).all()

    async def by_ids(self, ids: Collection[uuid.UUID]) -> Sequence[Campaign]:
        if not ids:
            return []
        stmt = select(Campaign).where(Campaign.id.in_(sorted(ids)))
        return (await self.session.scalars(stmt)).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Campaign)) or 0)

    async def list_page(self, *, limit: int, offset: int) -> Sequence[Campaign]:
        stmt = (
            select(Campaign)
            .order_by(Campaign.created_at.desc(), Campaign.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all()

    async def names_by_id(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        stmt = select(Campaign.id, Campaign.name).where(Campaign.id.in_(sorted(ids)))
        return {row[0]: row[1] for row in await self.session.execute(stmt)}

    async def dispatch_choices(self) -> Sequence[tuple[uuid.UUID, str, str | None]]:
        """(id, name, trade filter) of the campaigns one may dispatch to (not completed),
        by name: columns only, for a chooser over thousands of campaigns."""
        stmt = (
            select(Campaign.id, Campaign.name, Campaign.trade_filter)
            .where(Campaign.status != "completed")
            .order_by(func.lower(Campaign.name), Campaign.id)
        )
        return [(row[0], row[1], row[2]) for row in await self.session.execute(stmt)]

    async def list_syncable(self) -> Sequence[Campaign]:
        """Campaigns linked to Instantly and not completed (a SendGrid one has nothing to
        pull: its counters come from SendGrid's events alone)."""
        stmt = select(Campaign).where(
            Campaign.status.notin_(["completed"]), Campaign.instantly_campaign_id.is_not(None)
        )
        return (await self.session.scalars(stmt)).all()

    async def has_channel(self, channel: str) -> bool:
        stmt = select(Campaign.id).where(Campaign.channel == channel).limit(1)
        return await self.session.scalar(stmt) is not None

    async def steps(self, campaign_id: uuid.UUID) -> Sequence[CampaignStep]:
        stmt = (
            select(CampaignStep)
            .where(CampaignStep.campaign_id == campaign_id)
            .order_by(CampaignStep.position)
        )
        return (await self.session.scalars(stmt)).all()

    async def replace_steps(self, campaign_id: uuid.UUID, steps: Sequence[CampaignStep]) -> None:
        await self.session.execute(
            delete(CampaignStep).where(CampaignStep.campaign_id == campaign_id)
        )
        self.session.add_all(steps)
        await self.session.flush()

    async def sends_per_step(self, campaign_id: uuid.UUID) -> dict[int, int]:
        """Emails of each step that left or may have left (not queued, failed or cancelled)."""
        stmt = (
            select(EmailSend.step, func.count())
            .where(
                EmailSend.campaign_id == campaign_id,
                EmailSend.state.in_([SendState.sending, SendState.sent, SendState.uncertain]),
            )
            .group_by(EmailSend.step)
        )
        return {int(step): int(count) for step, count in await self.session.execute(stmt)}
