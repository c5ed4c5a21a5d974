"""Dispatch across transactions: record the ledger, then push pending rows in bulk calls.

The ledger row is committed before Instantly is called, and no transaction is held open
during a call. A crash, timeout or 5xx leaves rows with `pushed_at` NULL; running the flow
again (or the sweep) pushes them, and `skip_if_in_campaign` makes Instantly ignore a lead it
already holds, so nobody is added twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.campaigns.counters import refresh_counters
from ravensearch.campaigns.service import campaign_service
from ravensearch.campaigns.upstream import explain_instantly_failure
from ravensearch.db.models import InstantlyPush
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.dispatch.service import Recorded, SkipReason, dispatch_service
from ravensearch.events.service import events_service
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyError
from ravensearch.instantly.schemas import AddLeadsResult, Lead
from ravensearch.kit.clock import utcnow
from ravensearch.suppressions.service import suppression_service

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # Instantly's maximum leads per POST /leads/add


@dataclass
class PushReport:
    pushed: int = 0
    calls: int = 0
    pending: int = 0
    dropped_suppressed: list[uuid.UUID] = field(default_factory=list)
    results: list[AddLeadsResult] = field(default_factory=list)
    error: str | None = None


@dataclass
class DispatchOutcome:
    campaign_name: str
    recorded: Recorded
    push: PushReport


def lead_for(row: Row[Any]) -> Lead:
    """The Instantly lead for one unpushed row (see DispatchRepository.unpushed)."""
    variables: dict[str, str | int | float | bool | None] = {
        "ravensearch_target_id": str(row.technician_id),
    }
    for key in ("trade", "city", "state"):
        value = getattr(row, key)
        if value:
            variables[key] = value
    return Lead(
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        company_name=row.business_name,
        phone=row.phone,
        website=row.website,
        custom_variables=variables,
    )


async def _claim_batch(
    session: AsyncSession, campaign_id: uuid.UUID, *, stale_before: timedelta | None
) -> tuple[list[Row[Any]], list[uuid.UUID]]:
    repository = DispatchRepository(session)
    now = utcnow()
    rows = await repository.unpushed(
        campaign_id,
        limit=BATCH_SIZE,
        older_than=now - stale_before if stale_before is not None else None,
    )
    # An address suppressed after it was recorded (a bounce elsewhere, an unsubscribe)
    # must not go out: drop its never-sent row.
    suppressed = await suppression_service.suppressed_among(session, [r.email for r in rows])
    await repository.delete([r.dispatch_id for r in rows if r.email in suppressed])
    keep = [r for r in rows if r.email not in suppressed]
    await repository.mark_attempt([r.dispatch_id for r in keep], now=now)
    return keep, [r.technician_id for r in rows if r.email in suppressed]


async def push_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    campaign_id: uuid.UUID,
    stale_before: timedelta | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PushReport:
    """Push every unpushed row of the campaign, one bulk call per ≤1000 rows."""
    report = PushReport()
    async with unit_of_work(sessionmaker) as session:
        campaign = await campaign_service.get(session, campaign_id)
        instantly_id = campaign.instantly_campaign_id
    while True:
        async with unit_of_work(sessionmaker) as session:
            batch, dropped = await _claim_batch(session, campaign_id, stale_before=stale_before)
        report.dropped_suppressed.extend(dropped)
        if not batch:
            break
        leads = [lead_for(row) for row in batch]
        try:
            results = await instantly.add_leads(instantly_id, leads)
        except InstantlyError as exc:
            report.error = explain_instantly_failure(exc).message
            async with unit_of_work(sessionmaker) as session:
                await DispatchRepository(session).mark_failed(
                    [r.dispatch_id for r in batch], error=str(exc), now=utcnow()
                )
            log.warning("dispatch.push.failed campaign_id=%s rows=%d", campaign_id, len(batch))
            break
        report.calls += len(results)
        report.results.extend(results)
        await _record_push(sessionmaker, campaign_id, batch, results)
        report.pushed += len(batch)
        if on_progress is not None:
            on_progress(len(batch))
    async with unit_of_work(sessionmaker) as session:
        report.pending = await DispatchRepository(session).count_unpushed(campaign_id)
        await refresh_counters(session, [campaign_id])
        # Webhooks for these leads may have come in before the rows were pushed.
        await events_service.requeue_unmatched(session, instantly_campaign_id=instantly_id)
    return report


async def _record_push(
    sessionmaker: async_sessionmaker[AsyncSession],
    campaign_id: uuid.UUID,
    batch: Sequence[Row[Any]],
    results: Sequence[AddLeadsResult],
) -> None:
    created: dict[int, str] = {}
    offset = 0
    for result in results:
        for lead in result.created_leads:
            created[offset + lead.index] = lead.id
        offset += result.total_sent
    first = results[0] if results else None
    push = InstantlyPush(
        campaign_id=campaign_id,
        lead_count=len(batch),
        leads_uploaded=sum(r.leads_uploaded for r in results),
        duplicated_leads=sum(r.duplicated_leads for r in results),
        skipped_count=sum(r.skipped_count for r in results),
        in_blocklist=sum(r.in_blocklist for r in results),
        invalid_email_count=sum(r.invalid_email_count for r in results),
        duplicate_email_count=sum(r.duplicate_email_count for r in results),
        remaining_in_plan=results[-1].remaining_in_plan if results else None,
        response=first.model_dump(exclude={"created_leads"}) if first else {},
    )
    lead_ids = {row.dispatch_id: created.get(i) for i, row in enumerate(batch)}
    async with unit_of_work(sessionmaker) as session:
        await DispatchRepository(session).mark_pushed(push, lead_ids, now=utcnow())


async def dispatch_targets(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    campaign_id: uuid.UUID,
    target_ids: Sequence[uuid.UUID] | None,
    on_progress: Callable[[int], None] | None = None,
) -> DispatchOutcome:
    """Record the selection (None = every ready target), then push what is pending."""
    async with unit_of_work(sessionmaker) as session:
        campaign = await campaign_service.get(session, campaign_id)
        if target_ids is None:
            target_ids = await dispatch_service.ready_target_ids(session, campaign=campaign)
        recorded = await dispatch_service.record(session, campaign=campaign, target_ids=target_ids)
        name = campaign.name
    push = await push_pending(
        sessionmaker, instantly, campaign_id=campaign_id, on_progress=on_progress
    )
    for dropped in push.dropped_suppressed:
        recorded.skipped.append((dropped, SkipReason.suppressed))
    return DispatchOutcome(campaign_name=name, recorded=recorded, push=push)


async def sweep_unpushed(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    stale_after: timedelta = timedelta(minutes=2),
) -> int:
    """Finish dispatches left pending by a crash or an outage; returns rows pushed."""
    async with unit_of_work(sessionmaker) as session:
        campaign_ids = await DispatchRepository(session).campaigns_with_unpushed(
            older_than=utcnow() - stale_after
        )
    pushed = 0
    for campaign_id in campaign_ids:
        report = await push_pending(
            sessionmaker, instantly, campaign_id=campaign_id, stale_before=stale_after
        )
        pushed += report.pushed
    return pushed
