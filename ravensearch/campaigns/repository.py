from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign


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

    async def list_syncable(self) -> Sequence[Campaign]:
        stmt = select(Campaign).where(Campaign.status.notin_(["completed"]))
        return (await self.session.scalars(stmt)).all()
