from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign, Channel, DispatchStatus, TargetStatus
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.kit.clock import utcnow
from ravensearch.kit.emails import is_valid_email, normalize_email
from ravensearch.suppressions.service import suppression_service


class SkipReason(StrEnum):
    not_found = "not_found"
    no_email = "no_email"
    invalid_email = "invalid_email"
    not_completed = "not_completed"
    suppressed = "suppressed"
    already_dispatched = "already_dispatched"
    duplicate_email = "duplicate_email"
    wrong_trade = "wrong_trade"


@dataclass
class Recorded:
    """What recording a selection did: rows written, and why the others were skipped."""

    recorded: int = 0
    skipped: list[tuple[uuid.UUID, SkipReason]] = field(default_factory=list)


@dataclass
class RowOutcomes:
    """Where a selection's dispatch rows stand now: held by Instantly, refused, or unsent."""

    pushed: int = 0
    pending: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.pushed + self.pending + sum(self.rejected.values())


class DispatchService:
    async def record(
        self,
        session: AsyncSession,
        *,
        campaign: Campaign,
        target_ids: Sequence[uuid.UUID],
        skip_if_in_other_campaign: bool | None = None,
    ) -> Recorded:
        """Write a pending dispatch row for each eligible target, before anything is sent.

        Rows are unique per (campaign, target) and (campaign, email), so recording the same
        selection twice writes nothing new. A target whose earlier row was recorded but never
        pushed is not skipped: the push that follows will finish it. Each row keeps the
        skip-if-in-another-campaign choice (None: the campaign's) for every retry.
        """
        if skip_if_in_other_campaign is None:
            skip_if_in_other_campaign = campaign.skip_if_in_other_campaign
        ids = list(dict.fromkeys(target_ids))
        repository = DispatchRepository(session)
        targets = await repository.target_states_by_id(ids)
        emails = {t.id: normalize_email(t.email) for t in targets.values()}
        present = [e for e in emails.values() if e]
        suppressed = await suppression_service.suppressed_among(session, present)
        existing, taken_emails = await repository.existing_for_campaign(
            campaign.id, target_ids=list(targets), emails=present
        )
        result = Recorded()
        rows = []
        # A SendGrid dispatch needs no push: its sequence is scheduled from now (step 1
        # due), and it counts as answered so the Instantly sweep leaves it alone.
        sendgrid = campaign.channel == Channel.sendgrid
        reopen: list[uuid.UUID] = []
        now = utcnow()
        for target_id in ids:
            target = targets.get(target_id)
            email = emails.get(target_id)
            reason: SkipReason | None = None
            if target is None:
                reason = SkipReason.not_found
            elif campaign.trade_filter and target.trade != campaign.trade_filter:
                # The campaign's copy speaks to one trade; every path (API, admin, CLI, jobs)
                # comes through here, so this is where the rule holds.
                reason = SkipReason.wrong_trade
            elif target_id in existing:
                row = existing[target_id]
                if row.status == DispatchStatus.rejected:
                    reopen.append(row.id)  # chosen again: a person retries the rejected lead
                    continue
                if row.pushed_at is not None:
                    reason = SkipReason.already_dispatched
                else:
                    continue  # recorded earlier, not pushed yet: the push finishes it
            elif not email:
                reason = SkipReason.no_email
            elif not is_valid_email(email):
                reason = SkipReason.invalid_email
            elif target.status != TargetStatus.completed:
                reason = SkipReason.not_completed
            elif email in suppressed:
                reason = SkipReason.suppressed
            elif email in taken_emails:
                reason = SkipReason.duplicate_email
            if reason is not None:
                result.skipped.append((target_id, reason))
                continue
            assert email is not None
            taken_emails.add(email)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "technician_id": target_id,
                    "campaign_id": campaign.id,
                    "channel": Channel.sendgrid if sendgrid else Channel.instantly,
                    "status": DispatchStatus.pending,
                    "email": email,
                    "attempts": 0,
                    "skip_if_in_other_campaign": skip_if_in_other_campaign,
                    "pushed_at": now if sendgrid else None,
                    "next_step": 1 if sendgrid else None,
                    "next_step_due_at": now if sendgrid else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await repository.insert_pending(rows)
        if reopen:
            await repository.reopen_rejected(campaign.id, reopen, now=now)
        result.recorded = len(rows) + len(reopen)
        return result

    async def ready_target_ids(
        self, session: AsyncSession, *, campaign: Campaign
    ) -> list[uuid.UUID]:
        return await DispatchRepository(session).ready_target_ids(
            campaign.id, campaign.trade_filter
        )

    async def outcomes(
        self,
        session: AsyncSession,
        *,
        campaign_id: uuid.UUID,
        target_ids: Sequence[uuid.UUID] | None,
        created_between: tuple[datetime, datetime],
    ) -> RowOutcomes:
        """Count the rows of a dispatch selection by outcome (see `outcome_counts`)."""
        groups = await DispatchRepository(session).outcome_counts(
            campaign_id, target_ids=target_ids, created_between=created_between
        )
        result = RowOutcomes()
        for status, reason, answered, rows in groups:
            if status == DispatchStatus.rejected:
                result.rejected[reason or "not_accepted"] += rows
            elif answered:
                result.pushed += rows
            else:
                result.pending += rows
        return result


dispatch_service = DispatchService()
