"""Dispatch across transactions: record the ledger, then push pending rows in bulk calls.

The ledger row is committed before Instantly is called, and no transaction is held open
during a call. Every row ends with an outcome Instantly answered (held, with its lead id,
or rejected with a reason; see `outcomes.py`), or stays pending with its error. A crash,
timeout or 5xx leaves rows with `pushed_at` NULL; running the flow again (or the sweep)
first asks Instantly which of them the campaign already holds, then sends the rest, and
Instantly never adds a lead twice to one campaign, so nobody is added twice.
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

from ravensearch.campaigns.service import campaign_service, instantly_id_of
from ravensearch.db.models import Channel, InstantlyPush, RejectReason
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.outcomes import LeadOutcome, ids_in_campaign, settle
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.dispatch.service import Recorded, SkipReason, dispatch_service
from ravensearch.events.counters import refresh_counters
from ravensearch.events.service import events_service
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import (
    InstantlyConnectionError,
    InstantlyError,
    InstantlyServerError,
)
from ravensearch.instantly.schemas import AddLeadsResult, Lead
from ravensearch.instantly.upstream import explain_instantly_failure
from ravensearch.kit.clock import utcnow
from ravensearch.suppressions.service import suppression_service

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # Instantly's maximum leads per POST /leads/add


@dataclass
class PushReport:
    pushed: int = 0  # leads Instantly now holds in the campaign (created or already there)
    calls: int = 0  # POST /leads/add calls
    lookups: int = 0  # batches settled by asking Instantly (POST /leads/list)
    pending: int = 0
    rejected: list[tuple[uuid.UUID, RejectReason]] = field(default_factory=list)
    dropped_suppressed: list[uuid.UUID] = field(default_factory=list)
    results: list[AddLeadsResult] = field(default_factory=list)
    error: str | None = None


@dataclass
class DispatchOutcome:
    campaign_name: str
    recorded: Recorded
    push: PushReport
    channel: str = Channel.instantly


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
    """Push every unpushed row of the campaign, one bulk call per ≤1000 rows, and give
    each row the outcome Instantly answered (held with its lead id, or rejected)."""
    report = PushReport()
    async with unit_of_work(sessionmaker) as session:
        campaign = await campaign_service.get(session, campaign_id)
        instantly_id = instantly_id_of(campaign)
    pusher = _Pusher(sessionmaker, instantly, campaign_id, instantly_id, report)
    while report.error is None:
        async with unit_of_work(sessionmaker) as session:
            batch, dropped = await _claim_batch(session, campaign_id, stale_before=stale_before)
        report.dropped_suppressed.extend(dropped)
        if not batch:
            break
        for skip in (False, True):
            rows = [r for r in batch if bool(r.skip_if_in_other_campaign) is skip]
            if rows and report.error is None:
                await pusher.push(rows, skip_if_in_other_campaign=skip)
        if on_progress is not None:
            on_progress(len(batch))
    async with unit_of_work(sessionmaker) as session:
        report.pending = await DispatchRepository(session).count_unpushed(campaign_id)
        await refresh_counters(session, [campaign_id])
        # Webhooks for these leads may have come in before the rows were pushed.
        await events_service.requeue_unmatched(session, instantly_campaign_id=instantly_id)
    return report


@dataclass
class _Pusher:
    """Sends one campaign's rows and writes each row's outcome; failures end the run
    with `report.error` set and the unsettled rows left pending for the sweep."""

    sessionmaker: async_sessionmaker[AsyncSession]
    instantly: InstantlyClient
    campaign_id: uuid.UUID
    instantly_id: str
    report: PushReport

    async def push(self, rows: Sequence[Row[Any]], *, skip_if_in_other_campaign: bool) -> None:
        try:
            rows = await self._settle_earlier_attempts(rows)
        except InstantlyError as exc:
            await self._fail(rows, exc)
            return
        if not rows:
            return
        emails = [r.email for r in rows]
        try:
            results = await self.instantly.add_leads(
                self.instantly_id,
                [lead_for(r) for r in rows],
                skip_if_in_other_campaign=skip_if_in_other_campaign,
            )
        except InstantlyError as exc:
            if is_ambiguous(exc):
                # The call may have committed: whatever the campaign now holds is settled,
                # the rest stays pending (a re-send cannot add a lead twice).
                await self._settle_or_fail(rows, None, failure=exc)
            else:
                await self._fail(rows, exc)
            return
        self.report.calls += len(results)
        self.report.results.extend(results)
        result = merge_results(results)
        await self._settle_or_fail(rows, result, failure=None, emails=emails)

    async def _settle_earlier_attempts(self, rows: Sequence[Row[Any]]) -> Sequence[Row[Any]]:
        """Rows an earlier run sent without recording the answer (a crash, a timeout) may
        be in the campaign already: ask before sending them again."""
        retried = [r for r in rows if r.attempts > 0]
        if not retried:
            return rows
        self.report.lookups += 1
        held = await ids_in_campaign(self.instantly, self.instantly_id, [r.email for r in retried])
        if held:
            found = {r.dispatch_id: held[r.email] for r in retried if r.email in held}
            await self._record(None, found, {})
            self.report.pushed += len(found)
        return [r for r in rows if r.email not in held]

    async def _settle_or_fail(
        self,
        rows: Sequence[Row[Any]],
        result: AddLeadsResult | None,
        *,
        failure: InstantlyError | None,
        emails: Sequence[str] | None = None,
    ) -> None:
        emails = emails or [r.email for r in rows]
        try:
            if result is None or len(result.created_leads) < len(rows):
                self.report.lookups += 1
            outcomes = await settle(
                self.instantly, instantly_campaign_id=self.instantly_id, emails=emails,
                result=result,
            )  # fmt: skip
        except InstantlyError as exc:
            # The lookup failed too: keep what the answer itself named, retry the rest.
            outcomes = _created_only(result, len(rows))
            failure = failure or exc
        pairs = list(zip(rows, outcomes, strict=True))
        held = {r.dispatch_id: o.lead_id for r, o in pairs if o.lead_id is not None}
        rejected = {r.dispatch_id: o.reason for r, o in pairs if o.reason is not None}
        push = _push_row(self.campaign_id, len(rows), result) if result is not None else None
        await self._record(push, held, rejected)
        self.report.pushed += len(held)
        self.report.rejected.extend((r.technician_id, o.reason) for r, o in pairs if o.reason)
        unsettled = [r for r, o in pairs if o.lead_id is None and o.reason is None]
        if unsettled:
            await self._fail(unsettled, failure or InstantlyError("outcome not confirmed"))

    async def _record(
        self,
        push: InstantlyPush | None,
        held: dict[uuid.UUID, str],
        rejected: dict[uuid.UUID, RejectReason],
    ) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            await DispatchRepository(session).record_outcomes(
                push, held=held, rejected={k: str(v) for k, v in rejected.items()}, now=utcnow()
            )

    async def _fail(self, rows: Sequence[Row[Any]], exc: InstantlyError) -> None:
        self.report.error = explain_instantly_failure(exc).message
        async with unit_of_work(self.sessionmaker) as session:
            await DispatchRepository(session).mark_failed(
                [r.dispatch_id for r in rows], error=str(exc), now=utcnow()
            )
        log.warning("dispatch.push.failed campaign_id=%s rows=%d", self.campaign_id, len(rows))


def is_ambiguous(exc: InstantlyError) -> bool:
    """A failure after which the call may or may not have been carried out."""
    return isinstance(exc, InstantlyConnectionError | InstantlyServerError)


def _created_only(result: AddLeadsResult | None, size: int) -> list[LeadOutcome]:
    outcomes = [LeadOutcome() for _ in range(size)]
    for created in result.created_leads if result is not None else ():
        if 0 <= created.index < size:
            outcomes[created.index] = LeadOutcome(lead_id=created.id)
    return outcomes


def merge_results(results: Sequence[AddLeadsResult]) -> AddLeadsResult:
    """One answer for a batch sent in several chunks (indexes made batch-wide)."""
    if len(results) == 1:
        return results[0]
    merged = AddLeadsResult(remaining_in_plan=results[-1].remaining_in_plan if results else None)
    offset = 0
    for result in results:
        for name in _COUNT_FIELDS:
            setattr(merged, name, getattr(merged, name) + getattr(result, name))
        merged.created_leads.extend(
            c.model_copy(update={"index": c.index + offset}) for c in result.created_leads
        )
        offset += result.total_sent
    return merged


_COUNT_FIELDS = (
    "total_sent", "leads_uploaded", "in_blocklist", "duplicated_leads", "skipped_count",
    "invalid_email_count", "incomplete_count", "duplicate_email_count",
)  # fmt: skip


def _push_row(campaign_id: uuid.UUID, lead_count: int, result: AddLeadsResult) -> InstantlyPush:
    return InstantlyPush(
        campaign_id=campaign_id,
        lead_count=lead_count,
        leads_uploaded=result.leads_uploaded,
        duplicated_leads=result.duplicated_leads,
        skipped_count=result.skipped_count,
        in_blocklist=result.in_blocklist,
        invalid_email_count=result.invalid_email_count,
        duplicate_email_count=result.duplicate_email_count,
        remaining_in_plan=result.remaining_in_plan,
        response=result.model_dump(exclude={"created_leads"}),
    )


async def dispatch_targets(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    campaign_id: uuid.UUID,
    target_ids: Sequence[uuid.UUID] | None,
    skip_if_in_other_campaign: bool | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DispatchOutcome:
    """Record the selection (None = every ready target), then push what is pending to
    Instantly, or (a SendGrid campaign) schedule each new row's sequence from now.

    `skip_if_in_other_campaign` None takes the campaign's own setting.
    """
    async with unit_of_work(sessionmaker) as session:
        campaign = await campaign_service.get(session, campaign_id)
        if target_ids is None:
            target_ids = await dispatch_service.ready_target_ids(session, campaign=campaign)
        recorded = await dispatch_service.record(
            session,
            campaign=campaign,
            target_ids=target_ids,
            skip_if_in_other_campaign=skip_if_in_other_campaign,
        )
        name = campaign.name
        if campaign.channel == Channel.sendgrid:
            # Nothing to push: the rows are scheduled, and the sequence sender sends them.
            await refresh_counters(session, [campaign_id])
            scheduled = PushReport(pushed=recorded.recorded)
            return DispatchOutcome(name, recorded, scheduled, channel=Channel.sendgrid)
    push = await push_pending(
        sessionmaker, instantly, campaign_id=campaign_id, on_progress=on_progress
    )
    for dropped in push.dropped_suppressed:
        recorded.skipped.append((dropped, SkipReason.suppressed))
    return DispatchOutcome(campaign_name=name, recorded=recorded, push=push)


async def retry_rejected(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    campaign_id: uuid.UUID,
    dispatch_ids: Sequence[uuid.UUID] | None = None,
) -> DispatchOutcome:
    """Send rejected rows again (all of the campaign's, or these), once a person fixed the
    cause: took the address off the block list, raised the plan, turned the skip off."""
    async with unit_of_work(sessionmaker) as session:
        campaign = await campaign_service.get(session, campaign_id)
        reopened = await DispatchRepository(session).reopen_rejected(
            campaign_id, dispatch_ids, now=utcnow()
        )
        name = campaign.name
    push = await push_pending(sessionmaker, instantly, campaign_id=campaign_id)
    return DispatchOutcome(campaign_name=name, recorded=Recorded(recorded=reopened), push=push)


async def settle_missing_lead_ids(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    *,
    limit: int = BATCH_SIZE,
) -> int:
    """Rows marked pushed without a lead id (answers read before lead ids were, or the
    old `skip_if_in_campaign` that made Instantly skip them): fill in the ids the campaign
    holds, and send again the never-emailed rows it does not hold. Returns rows settled."""
    async with unit_of_work(sessionmaker) as session:
        rows = await DispatchRepository(session).held_without_lead_id(limit=limit)
        campaigns = {
            c.id: c.instantly_campaign_id
            for c in await campaign_service.by_ids(session, {r.campaign_id for r in rows})
            if c.instantly_campaign_id is not None
        }
    settled = 0
    for campaign_id, instantly_id in campaigns.items():
        mine = [r for r in rows if r.campaign_id == campaign_id]
        held = await ids_in_campaign(instantly, instantly_id, [r.email for r in mine])
        async with unit_of_work(sessionmaker) as session:
            repository = DispatchRepository(session)
            found = {r.id: held[r.email] for r in mine if r.email in held}
            await repository.record_outcomes(None, held=found, rejected={}, now=utcnow())
            await repository.unpush([r.id for r in mine if r.email not in held], now=utcnow())
        settled += len(mine)
    return settled


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
