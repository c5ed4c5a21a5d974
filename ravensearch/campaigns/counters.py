"""Campaign counters derived from dispatch rows, so they always equal what the rows say."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign, Dispatch, DispatchStep


def _count_where(column: object) -> object:
    return (
        select(func.count())
        .select_from(Dispatch)
        .where(Dispatch.campaign_id == Campaign.id, column.isnot(None))  # type: ignore[attr-defined]
        .scalar_subquery()
    )


async def refresh_counters(session: AsyncSession, campaign_ids: Iterable[uuid.UUID]) -> None:
    """Recompute every counter of the given campaigns in one UPDATE each.

    Opens, clicks, replies, bounces and unsubscribes count leads (like Instantly's unique
    analytics); emails_sent counts each (lead, sequence step) once.
    """
    ids = sorted(set(campaign_ids))
    if not ids:
        return
    sent = (
        select(func.count())
        .select_from(DispatchStep)
        .join(Dispatch, Dispatch.id == DispatchStep.dispatch_id)
        .where(Dispatch.campaign_id == Campaign.id)
        .scalar_subquery()
    )
    total = (
        select(func.count())
        .select_from(Dispatch)
        .where(Dispatch.campaign_id == Campaign.id)
        .scalar_subquery()
    )
    await session.execute(
        update(Campaign)
        .where(Campaign.id.in_(ids))
        .values(
            total_targets=total,
            emails_sent=sent,
            emails_opened=_count_where(Dispatch.opened_at),
            emails_clicked=_count_where(Dispatch.clicked_at),
            replies_received=_count_where(Dispatch.replied_at),
            emails_bounced=_count_where(Dispatch.bounced_at),
            unsubscribed=_count_where(Dispatch.unsubscribed_at),
        )
        .execution_options(synchronize_session=False)
    )
