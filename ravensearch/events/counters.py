"""Campaign counters derived from dispatch rows, so they always equal what the rows say."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign, Dispatch, DispatchStatus, DispatchStep

# Counter column ← the dispatch timestamp whose non-null rows it counts (one per lead).
_LEAD_COUNTERS = {
    "emails_opened": Dispatch.opened_at,
    "emails_clicked": Dispatch.clicked_at,
    "replies_received": Dispatch.replied_at,
    "emails_bounced": Dispatch.bounced_at,
    "unsubscribed": Dispatch.unsubscribed_at,
    # SendGrid's delivery reports: they stay 0 for Instantly campaigns, which send none.
    "emails_delivered": Dispatch.delivered_at,
    "emails_dropped": Dispatch.dropped_at,
    "spam_reports": Dispatch.spam_reported_at,
}
_COUNTERS = ("total_targets", "leads_rejected", "emails_sent", *_LEAD_COUNTERS)


async def refresh_counters(session: AsyncSession, campaign_ids: Iterable[uuid.UUID]) -> None:
    """Recompute every counter of the given campaigns from their rows.

    total_targets counts the leads Instantly holds or is about to (rejected rows are
    leads_rejected, never counted as sent). Opens, clicks, replies, bounces,
    unsubscribes, deliveries, drops and spam reports count leads (like Instantly's unique analytics); emails_sent counts each
    (lead, sequence step) once. One pass over the
    campaigns' dispatches (`count(column)` counts the non-null ones) and one over their
    sent steps, whatever the number of counters.
    """
    ids = sorted(set(campaign_ids))
    if not ids:
        return
    counts: dict[uuid.UUID, dict[str, Any]] = {
        campaign_id: dict.fromkeys(_COUNTERS, 0) for campaign_id in ids
    }
    rejected = Dispatch.status == DispatchStatus.rejected
    per_lead = await session.execute(
        select(
            Dispatch.campaign_id,
            func.count(),
            func.count().filter(rejected),
            *(func.count(column) for column in _LEAD_COUNTERS.values()),
        )
        .where(Dispatch.campaign_id.in_(ids))
        .group_by(Dispatch.campaign_id)
    )
    for campaign_id, total, rejected_count, *leads in per_lead:
        counts[campaign_id].update(
            total_targets=total - rejected_count,
            leads_rejected=rejected_count,
            **dict(zip(_LEAD_COUNTERS, leads, strict=True)),
        )
    sent = await session.execute(
        select(Dispatch.campaign_id, func.count())
        .select_from(DispatchStep)
        .join(Dispatch, Dispatch.id == DispatchStep.dispatch_id)
        .where(Dispatch.campaign_id.in_(ids))
        .group_by(Dispatch.campaign_id)
    )
    for campaign_id, steps in sent:
        counts[campaign_id]["emails_sent"] = steps
    # Core, not ORM: a list of parameter sets makes this one executemany. Parameter names
    # differ from the column names, which SQLAlchemy reserves for SET.
    table = Campaign.__table__
    await session.execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("p_campaign_id"))
        .values({name: bindparam(f"p_{name}") for name in _COUNTERS}),
        [
            {"p_campaign_id": campaign_id, **{f"p_{k}": v for k, v in values.items()}}
            for campaign_id, values in counts.items()
        ],
    )
