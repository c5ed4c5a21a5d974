"""What became of each lead of a bulk add: held by Instantly (with its lead id), rejected
with a reason, or not known yet.

Only `created_leads` names leads; every other field of a `POST /leads/add` answer is a
count. So the leads it does not name are looked up (`POST /leads/list`): those in the
campaign are held (already there, or created by an earlier attempt whose answer was lost);
the rest were rejected, and the counts, with a lookup where two causes are mixed, say why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ravensearch.db.models import RejectReason
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.schemas import AddLeadsResult
from ravensearch.kit.emails import email_domain


@dataclass(frozen=True)
class LeadOutcome:
    """Held (`lead_id` set), rejected (`reason` set), or neither: not known yet."""

    lead_id: str | None = None
    reason: RejectReason | None = None


async def ids_in_campaign(
    instantly: InstantlyClient, instantly_campaign_id: str, emails: Sequence[str]
) -> dict[str, str]:
    """email → Instantly lead id, for those of `emails` the campaign holds."""
    if not emails:
        return {}
    leads = await instantly.find_leads(emails, campaign_id=instantly_campaign_id)
    return {
        lead.email.lower(): lead.id
        for lead in leads
        if lead.email and (lead.campaign or "").lower() == instantly_campaign_id.lower()
    }


async def settle(
    instantly: InstantlyClient,
    *,
    instantly_campaign_id: str,
    emails: Sequence[str],
    result: AddLeadsResult | None,
) -> list[LeadOutcome]:
    """One outcome per email, in order. `result` is None when the call's fate is unknown
    (a timeout or a 5xx): then only what the campaign holds is settled, the rest is left
    to be sent again (Instantly never adds a lead twice to one campaign)."""
    outcomes = [LeadOutcome() for _ in emails]
    if result is not None:
        for created in result.created_leads:
            if 0 <= created.index < len(emails):
                outcomes[created.index] = LeadOutcome(lead_id=created.id)
    unnamed = [i for i, outcome in enumerate(outcomes) if outcome.lead_id is None]
    held = await ids_in_campaign(instantly, instantly_campaign_id, [emails[i] for i in unnamed])
    for i in unnamed:
        if emails[i] in held:
            outcomes[i] = LeadOutcome(lead_id=held[emails[i]])
    rejected = [i for i in unnamed if emails[i] not in held]
    if result is None or not rejected:
        return outcomes
    reasons = await _reasons(
        instantly, instantly_campaign_id, [emails[i] for i in rejected], result
    )
    for i, reason in zip(rejected, reasons, strict=True):
        outcomes[i] = LeadOutcome(reason=reason)
    return outcomes


def rejection_counts(result: AddLeadsResult) -> Counter[RejectReason]:
    """How many leads the answer says were left out, per reason we can name.

    Leads over the plan's limit are in no count: they are what the counts leave
    unexplained, with `remaining_in_plan` at 0.
    """
    counts: Counter[RejectReason] = Counter(
        {
            RejectReason.blocklisted: result.in_blocklist,
            RejectReason.invalid_email: result.invalid_email_count,
            RejectReason.in_other_campaign: result.skipped_count,
        }
    )
    explained = (
        result.leads_uploaded
        + result.duplicated_leads
        + result.in_blocklist
        + result.skipped_count
        + result.invalid_email_count
        + result.incomplete_count
        + result.duplicate_email_count
    )
    if result.remaining_in_plan == 0:
        counts[RejectReason.plan_limit] = max(0, result.total_sent - explained)
    return +counts  # drops the zeros


async def _reasons(
    instantly: InstantlyClient,
    instantly_campaign_id: str,
    emails: Sequence[str],
    result: AddLeadsResult,
) -> list[RejectReason]:
    counts = rejection_counts(result)
    if len(counts) == 1:
        # One cause in the answer: every lead it left out was left out for it.
        return [next(iter(counts))] * len(emails)
    decided: dict[str, RejectReason] = {}
    if counts[RejectReason.in_other_campaign]:
        for lead in await instantly.find_leads(emails):
            campaign = (lead.campaign or "").lower()
            if lead.email and campaign and campaign != instantly_campaign_id.lower():
                decided[lead.email.lower()] = RejectReason.in_other_campaign
    if counts[RejectReason.blocklisted]:
        undecided = [e for e in emails if e not in decided]
        for email in await _blocked_among(instantly, undecided):
            decided[email] = RejectReason.blocklisted
    # What the lookups could not name goes to the one cause left unexplained, if only one is.
    left = counts - Counter(decided.values())
    fallback = next(iter(left)) if len(left) == 1 else RejectReason.not_accepted
    return [decided.get(email, fallback) for email in emails]


async def _blocked_among(instantly: InstantlyClient, emails: Sequence[str]) -> set[str]:
    """Those of `emails` that the block list holds, as an address or by their domain.

    One search per domain finds both: the domain entry and every address on it.
    """
    blocked: set[str] = set()
    by_domain: dict[str, list[str]] = {}
    for email in emails:
        by_domain.setdefault(email_domain(email), []).append(email)
    for domain, addresses in by_domain.items():
        values = set()
        async for entry in instantly.iter_blocklist(search=domain):
            values.add(entry.bl_value.lower())
        if domain in values:
            blocked.update(addresses)
        else:
            blocked.update(a for a in addresses if a in values)
    return blocked
