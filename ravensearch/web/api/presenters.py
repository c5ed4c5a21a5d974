"""Service results → response models (kept out of handlers so they stay thin)."""

from __future__ import annotations

from ravensearch.db.models import REJECT_REASON_TEXT
from ravensearch.dispatch.flows import DispatchOutcome
from ravensearch.dispatch.schemas import DispatchResult, InstantlyCounts, Rejected, Skipped


def dispatch_result(outcome: DispatchOutcome) -> DispatchResult:
    results = outcome.push.results
    return DispatchResult(
        success=outcome.push.error is None,
        leads_sent=outcome.push.pushed,
        channel=outcome.channel,
        campaign=outcome.campaign_name,
        recorded=outcome.recorded.recorded,
        pending=outcome.push.pending,
        skipped=[Skipped(targetId=tid, reason=r) for tid, r in outcome.recorded.skipped],
        rejected=[
            Rejected(targetId=tid, reason=r, message=REJECT_REASON_TEXT[r])
            for tid, r in outcome.push.rejected
        ],
        instantly=InstantlyCounts(
            calls=outcome.push.calls,
            lookups=outcome.push.lookups,
            leads_uploaded=sum(r.leads_uploaded for r in results),
            duplicated_leads=sum(r.duplicated_leads for r in results),
            skipped_count=sum(r.skipped_count for r in results),
            in_blocklist=sum(r.in_blocklist for r in results),
            invalid_email_count=sum(r.invalid_email_count for r in results),
            duplicate_email_count=sum(r.duplicate_email_count for r in results),
            remaining_in_plan=results[-1].remaining_in_plan if results else None,
        ),
        error=outcome.push.error,
    )
