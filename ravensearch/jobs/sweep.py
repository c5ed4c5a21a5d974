"""The periodic sweep and sync: the database row is the truth, so anything stalled is picked
up again, and what Instantly holds is pulled in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.db.models import JobState, Target, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import settle_missing_lead_ids, sweep_unpushed
from ravensearch.errors import RavensearchError
from ravensearch.events.backfill import backfill
from ravensearch.instantly.errors import InstantlyError
from ravensearch.jobs.reconcile import reconcile_dispatch_jobs
from ravensearch.jobs.service import MAX_ATTEMPTS, job_service, stale_cutoffs
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime, SendGridNotConfigured
from ravensearch.sequences.sender import SendReport, mark_cut_off, send_due
from ravensearch.suppressions import flows as suppression_flows

log = logging.getLogger(__name__)

ENRICHING_STALE_AFTER = timedelta(minutes=15)
# The periodic backfill looks back a day: far longer than Instantly's retries, so a delivery
# it gave up on is picked up by several runs (the dedupe makes the repeats free).
BACKFILL_WINDOW = timedelta(days=1)


@dataclass
class SweepReport:
    requeued_jobs: list[str]
    failed_jobs: int
    targets_reset: int
    dispatches_pushed: int
    lead_ids_settled: int = 0
    suppressions_pushed: int = 0
    jobs_finished: int = 0
    emails_cut_off: int = 0


async def sweep(runtime: Runtime) -> SweepReport:
    """Reset targets stuck `enriching`, re-enqueue lost jobs, finish unpushed dispatches,
    push new suppressions to Instantly's block list (retries wait for `sync_suppressions`),
    and bring failed dispatch jobs in line with their rows."""
    now = utcnow()
    queued_before, heartbeat_before = stale_cutoffs(now)
    requeue: list[str] = []
    failed = 0
    async with unit_of_work(runtime.sessionmaker) as session:
        reset = await session.execute(
            update(Target)
            .where(
                Target.status == TargetStatus.enriching,
                Target.updated_at < now - ENRICHING_STALE_AFTER,
            )
            .values(status=TargetStatus.pending, status_reason="retrying after a stalled run")
            .execution_options(synchronize_session=False)
        )
        for job in await job_service.stalled(
            session, queued_before=queued_before, heartbeat_before=heartbeat_before
        ):
            if job.attempts >= MAX_ATTEMPTS:
                job.state = JobState.failed
                job.message = f"Gave up after {job.attempts} attempts."
                job.finished_at = now
                failed += 1
            else:
                job.state = JobState.queued
                job.updated_at = now
                requeue.append(str(job.id))
    try:
        # Rows marked pushed without a lead id: filled in, or sent again just below.
        settled = await settle_missing_lead_ids(runtime.sessionmaker, runtime.instantly)
    except InstantlyError as exc:
        settled = 0
        log.warning("dispatch.lead_ids.unsettled reason=%s", exc)
    pushed = await sweep_unpushed(runtime.sessionmaker, runtime.instantly)
    blocked = await suppression_flows.push_waiting(runtime.sessionmaker, runtime.instantly)
    async with unit_of_work(runtime.sessionmaker) as session:
        cut_off = await mark_cut_off(session, now=utcnow())
    return SweepReport(
        emails_cut_off=cut_off,
        lead_ids_settled=settled,
        jobs_finished=await reconcile_dispatch_jobs(runtime.sessionmaker),
        requeued_jobs=requeue,
        failed_jobs=failed,
        targets_reset=int(getattr(reset, "rowcount", 0) or 0),
        dispatches_pushed=pushed,
        suppressions_pushed=blocked.pushed,
    )


async def send_due_sequences(runtime: Runtime) -> SendReport | None:
    """Send the due steps of SendGrid sequences; None when SendGrid is not configured."""
    try:
        sender = runtime.sendgrid()
    except SendGridNotConfigured as exc:
        log.info("sequences.send.unavailable reason=%s", exc)
        return None
    report = await send_due(runtime.sessionmaker, sender, runtime.settings)
    if report.halted:
        log.warning("sequences.send.halted reason=%s", report.halted)
    return report


async def sync_all_campaigns(runtime: Runtime) -> int:
    """Pull name, status and analytics of every campaign not completed; returns how many."""
    async with unit_of_work(runtime.sessionmaker) as session:
        ids = [c.id for c in await CampaignRepository(session).list_syncable()]
    synced = 0
    for campaign_id in ids:
        try:
            await campaign_flows.sync(
                runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id
            )
            synced += 1
        except RavensearchError as exc:
            log.warning("campaigns.sync.failed campaign_id=%s reason=%s", campaign_id, exc.message)
    return synced


async def sync_suppressions(runtime: Runtime) -> suppression_flows.SyncReport:
    """Pull Instantly's block list into suppressions, then push (and retry) ours."""
    report = await suppression_flows.sync_blocklist(runtime.sessionmaker, runtime.instantly)
    if report.error:
        log.warning("suppressions.sync.failed reason=%s", report.error)
    return report


async def backfill_webhook_events(runtime: Runtime) -> int:
    """Store the deliveries Instantly failed to make in the last day; returns how many were
    new. A refusal (key scope, Instantly down) is logged: the next run tries again."""
    try:
        report = await backfill(runtime.engine, runtime.instantly, since=BACKFILL_WINDOW)
    except RavensearchError as exc:
        log.warning("events.backfill.failed reason=%s", exc.message)
        return 0
    if report.stored:
        runtime.events.wake()
    return report.stored
