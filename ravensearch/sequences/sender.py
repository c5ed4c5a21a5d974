"""Send the due steps of SendGrid sequences, each (dispatch, step) email at most once.

Each batch's outbox rows are committed in state `sending` before SendGrid is called, and
no transaction is held open during the call. An email whose outcome is unknown (SendGrid's
answer lost, or the process killed mid-call: rows left `sending` past a grace period) is
marked `uncertain` and never sent again automatically: a duplicate cold email is worse than
a missing one, so a person decides (`resend`).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.templates import Recipient, TemplateProblem
from ravensearch.config import Settings
from ravensearch.db.models import Campaign, CampaignStep, SendState
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.events.counters import refresh_counters
from ravensearch.events.kinds import resolve_status
from ravensearch.kit.clock import as_utc, utcnow
from ravensearch.sendgrid.errors import (
    SendGridAuthFailed,
    SendGridError,
    SendGridRateLimited,
    SendGridRefused,
    SendGridUncertain,
    SendGridUnreachable,
)
from ravensearch.sendgrid.mail import MAX_PERSONALIZATIONS, Accepted, MailBatch
from ravensearch.sequences.compose import Email, TooLong, batch_of, compose, new_message_id
from ravensearch.sequences.repository import SequenceRepository
from ravensearch.sequences.timezones import in_window, zone_of
from ravensearch.sequences.unsubscribe import make_token, signing_secret
from ravensearch.suppressions.service import suppression_service

log = logging.getLogger(__name__)

# Longer than a send can take with the client's retries (timeout × attempts): a row still
# `sending` after this was cut off mid-call.
STALE_SENDING_AFTER = timedelta(minutes=10)
PAGE = 2000
NO_POSTAL_ADDRESS = (
    "RAVENSEARCH_SENDER_POSTAL_ADDRESS is not set: every commercial email must carry the "
    "sender's postal address (CAN-SPAM), so nothing is sent until it is."
)
CUT_OFF = (
    "The process stopped while this email was being handed to SendGrid, so it may have gone "
    "out; it is not sent again automatically (re-send it by hand if it did not arrive)."
)


class MailSender(Protocol):
    """What sending needs from SendGrid (ravensearch.sendgrid.client.SendGridClient)."""

    async def send(self, batch: MailBatch) -> Accepted:
        """Hand one batch to SendGrid.

        Raises:
            SendGridRefused / SendGridAuthFailed: certainly not sent.
            SendGridRateLimited: not sent; try again at `retry_at`.
            SendGridUnreachable: the request never left.
            SendGridUncertain: it may have been accepted.
        """
        ...


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    requeued: int = 0
    uncertain: int = 0
    stopped: int = 0  # sequences stopped before sending: suppressed, or no such step
    cut_off: int = 0  # rows left `sending` by an earlier run, now `uncertain`
    batches: list[int] = field(default_factory=list)  # size of each request
    halted: str | None = None  # why the run stopped early (it resumes on the next)
    auth_failed: bool = False


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: MailSender,
    settings: Settings,
    *,
    now: datetime | None = None,
    batch_size: int = MAX_PERSONALIZATIONS,
) -> SendReport:
    """Send every due step of every active SendGrid campaign that is inside its window and
    under its daily cap (`now` is injectable for tests)."""
    now = now or utcnow()
    report = SendReport()
    async with unit_of_work(sessionmaker) as session:
        report.cut_off = await mark_cut_off(session, now=now)
        if not settings.SENDER_POSTAL_ADDRESS.strip():
            report.halted = NO_POSTAL_ADDRESS
            return report
        secret = await signing_secret(session, settings)
        campaigns = await SequenceRepository(session).sending_campaigns()
        steps = {c.id: await CampaignRepository(session).steps(c.id) for c in campaigns}
    for campaign in campaigns:
        run = _CampaignRun(
            sessionmaker, sender, settings, campaign, steps[campaign.id], secret, now, report,
            batch_size,
        )  # fmt: skip
        await run.run()
        if report.halted:
            break
    if report.sent or report.failed or report.uncertain:
        log.info(
            "sequences.sent sent=%d failed=%d requeued=%d uncertain=%d batches=%d",
            report.sent, report.failed, report.requeued, report.uncertain, len(report.batches),
        )  # fmt: skip
    return report


async def mark_cut_off(session: AsyncSession, *, now: datetime) -> int:
    """Rows left `sending` past the grace period → `uncertain` (never re-sent on their own)."""
    repository = SequenceRepository(session)
    ids = await repository.stale_sending(before=now - STALE_SENDING_AFTER)
    return await repository.set_state(ids, SendState.uncertain, now=now, error=CUT_OFF)


@dataclass
class _CampaignRun:
    sessionmaker: async_sessionmaker[AsyncSession]
    sender: MailSender
    settings: Settings
    campaign: Campaign
    steps_list: Sequence[CampaignStep]
    secret: str
    now: datetime
    report: SendReport
    batch_size: int
    handled: set[uuid.UUID] = field(default_factory=set)

    @property
    def steps(self) -> dict[int, CampaignStep]:
        return {s.position: s for s in self.steps_list}

    async def run(self) -> None:
        campaign = self.campaign
        room = await self._room()
        after: tuple[datetime, uuid.UUID] | None = None
        while room is None or room > 0:
            async with unit_of_work(self.sessionmaker) as session:
                page = await SequenceRepository(session).due(
                    campaign.id, now=self.now, after=after, limit=PAGE
                )
            if not page:
                return
            after = (page[-1].next_step_due_at, page[-1].dispatch_id)
            by_step: dict[int, list[Any]] = defaultdict(list)
            for row in page:
                # One step per technician per run, whatever the next step's delay.
                if row.dispatch_id not in self.handled and self._in_window(row):
                    by_step[row.next_step].append(row)
            for step, rows in sorted(by_step.items()):
                while rows and (room is None or room > 0):
                    size = self.batch_size if room is None else min(self.batch_size, room)
                    chunk, rows = rows[:size], rows[size:]
                    self.handled.update(r.dispatch_id for r in chunk)
                    claimed = await self._claim(step, chunk)
                    if room is not None:
                        room -= len(claimed)
                    if claimed:
                        await self._send(claimed)
                    if self.report.halted:
                        return
            if len(page) < PAGE:
                return

    async def _room(self) -> int | None:
        """Emails the daily cap still allows today (UTC day); None without a cap."""
        if self.campaign.daily_cap is None:
            return None
        day = as_utc(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        async with unit_of_work(self.sessionmaker) as session:
            out = await SequenceRepository(session).out_since(self.campaign.id, day)
        return max(0, self.campaign.daily_cap - out)

    def _in_window(self, row: Any) -> bool:
        return in_window(
            self.now,
            zone_of(zip_code=row.zip, state=row.state),
            start_hour=self.campaign.window_start_hour,
            end_hour=self.campaign.window_end_hour,
            weekdays_only=self.campaign.weekdays_only,
        )

    async def _claim(self, step_no: int, rows: Sequence[Any]) -> list[tuple[uuid.UUID, Email]]:
        """Write (and commit) the rows of one request as `sending`; returns (send id, email)
        of those this run won (another run may have claimed some first)."""
        step = self.steps.get(step_no)
        batch_id = uuid.uuid4()
        async with unit_of_work(self.sessionmaker) as session:
            repository = SequenceRepository(session)
            # Checked now, just before sending: a bounce or unsubscribe may be minutes old.
            suppressed = await suppression_service.suppressed_among(
                session, [r.email for r in rows]
            )
            stop = [r.dispatch_id for r in rows if step is None or r.email in suppressed]
            await repository.stop(stop, now=self.now)
            self.report.stopped += len(stop)
            new: list[dict[str, Any]] = []
            queued: list[uuid.UUID] = []
            emails: dict[uuid.UUID, Email] = {}
            for row in rows:
                if step is None or row.email in suppressed:
                    continue
                try:
                    email = self._compose(step, row)
                except (TemplateProblem, TooLong) as exc:
                    await self._fail_unrenderable(repository, row, step_no, str(exc))
                    continue
                emails[row.dispatch_id] = email
                if row.send_id is not None:
                    queued.append(row.send_id)
                else:
                    new.append(self._row(email, batch_id))
            await repository.insert_sends(new)
            await repository.claim_queued(queued, batch_id=batch_id, now=self.now)
            won = await repository.in_batch(batch_id)
        return [(send.id, emails[send.dispatch_id]) for send in won]

    def _compose(self, step: CampaignStep, row: Any) -> Email:
        recipient = Recipient(
            first_name=row.first_name,
            business_name=row.business_name,
            city=row.city,
            state=row.state,
            trade=row.trade,
            website=row.website,
        )
        return compose(
            self.campaign,
            step,
            dispatch_id=row.dispatch_id,
            to=row.email,
            recipient=recipient,
            token=make_token(self.secret, row.dispatch_id),
            postal_address=self.settings.SENDER_POSTAL_ADDRESS,
            public_url=self.settings.PUBLIC_URL,
            message_id=row.rfc_message_id,
        )

    def _row(self, email: Email, batch_id: uuid.UUID | None, **values: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "dispatch_id": email.dispatch_id,
            "campaign_id": email.campaign_id,
            "step": email.step,
            "state": SendState.sending,
            "to_email": email.to,
            "subject": email.subject,
            "rfc_message_id": email.rfc_message_id,
            "message_id": None,
            "batch_id": batch_id,
            "attempts": 1,
            "not_before": None,
            "sending_at": self.now,
            "sent_at": None,
            "error": None,
            "created_at": self.now,
            "updated_at": self.now,
        }
        row.update(values)
        return row

    async def _fail_unrenderable(
        self, repository: SequenceRepository, row: Any, step_no: int, error: str
    ) -> None:
        self.report.failed += 1
        if row.send_id is not None:
            await repository.set_state(
                [row.send_id], SendState.failed, now=self.now, only_from=SendState.queued,
                error=error,
            )  # fmt: skip
            return
        placeholder = Email(
            row.dispatch_id, self.campaign.id, step_no, row.email, "", "",
            # A real Message-ID: a person's re-send (once the template is fixed) keeps it.
            {"Message-ID": new_message_id(self.campaign.from_email or "")},
        )  # fmt: skip
        await repository.insert_sends(
            [self._row(placeholder, None, state=SendState.failed, attempts=0, error=error)]
        )

    async def _send(self, claimed: list[tuple[uuid.UUID, Email]]) -> None:
        ids = [send_id for send_id, _ in claimed]
        self.report.batches.append(len(claimed))
        try:
            accepted = await self.sender.send(batch_of(self.campaign, [e for _, e in claimed]))
        except SendGridAuthFailed as exc:
            self.report.auth_failed = True
            self.report.halted = (
                f"SendGrid refused the API key ({exc.message}): check SENDGRID_API_KEY and its "
                "mail.send permission. The emails of this batch are marked failed; re-send "
                "them once the key works."
            )
            await self._settle(claimed, SendState.failed, exc)
        except SendGridRefused as exc:
            await self._settle(claimed, SendState.failed, exc)
        except SendGridRateLimited as exc:
            when = exc.retry_at.isoformat() if exc.retry_at else "later"
            self.report.halted = f"SendGrid's rate limit: sending resumes after {when}."
            await self._settle(claimed, SendState.queued, exc, not_before=exc.retry_at)
        except SendGridUnreachable as exc:
            self.report.halted = f"SendGrid is unreachable ({exc.message}); the next run retries."
            await self._settle(claimed, SendState.queued, exc)
        except SendGridUncertain as exc:
            self.report.halted = (
                f"SendGrid's answer was lost ({exc.message}); {len(ids)} email(s) may have "
                "gone out and are marked uncertain (never re-sent automatically)."
            )
            await self._settle(claimed, SendState.uncertain, exc)
        else:
            await self._record_sent(claimed, accepted.message_id)

    async def _settle(
        self,
        claimed: list[tuple[uuid.UUID, Email]],
        state: SendState,
        exc: SendGridError,
        *,
        not_before: datetime | None = None,
    ) -> None:
        error = _explain(exc)
        async with unit_of_work(self.sessionmaker) as session:
            ids = [send_id for send_id, _ in claimed]
            await SequenceRepository(session).set_state(
                ids, state, now=self.now, error=error, not_before=not_before
            )
            await DispatchRepository(session).mark_failed(
                [e.dispatch_id for _, e in claimed], error=error, now=self.now
            )
        counter = {SendState.failed: "failed", SendState.queued: "requeued"}.get(state, "uncertain")
        setattr(self.report, counter, getattr(self.report, counter) + len(claimed))
        log.warning(
            "sequences.batch.%s campaign_id=%s emails=%d status=%s",
            counter, self.campaign.id, len(claimed), exc.status,
        )  # fmt: skip

    async def _record_sent(self, claimed: list[tuple[uuid.UUID, Email]], message_id: str) -> None:
        """SendGrid took the batch: each email sent, its dispatch `sent` (forward-only), the
        step counted, and the sequence moved on to the next step's due time."""
        now = self.now
        step_of = {e.dispatch_id: e.step for _, e in claimed}
        async with unit_of_work(self.sessionmaker) as session:
            repository = SequenceRepository(session)
            await repository.set_state(
                [send_id for send_id, _ in claimed], SendState.sent, now=now,
                message_id=message_id, sent_at=now, error=None, not_before=None,
            )  # fmt: skip
            updates = []
            for d in await repository.dispatch_states_for_update(step_of):
                step = step_of[d.id]
                sent_at = d.sent_at or now
                status = resolve_status(
                    d.status, sent_at=sent_at, opened_at=d.opened_at, clicked_at=d.clicked_at,
                    replied_at=d.replied_at, bounced_at=d.bounced_at,
                    unsubscribed_at=d.unsubscribed_at,
                )  # fmt: skip
                next_step, due = d.next_step, d.next_step_due_at  # stopped meanwhile: kept
                if d.next_step == step:
                    following = self.steps.get(step + 1)
                    next_step = following.position if following else None
                    due = now + timedelta(days=following.delay_days) if following else None
                updates.append(
                    {"b_id": d.id, "b_status": status, "b_sent_at": sent_at,
                     "b_next_step": next_step, "b_due": due}
                )  # fmt: skip
            await repository.record_sent(updates, now=now)
            await repository.add_sent_steps(
                [{"dispatch_id": d, "step": s, "sent_at": now} for d, s in step_of.items()]
            )
            await refresh_counters(session, [self.campaign.id])
        self.report.sent += len(claimed)


def _explain(exc: SendGridError) -> str:
    details = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in exc.errors)
    status = f"HTTP {exc.status}: " if exc.status else ""
    return f"{status}{exc.message}" + (f" ({details})" if details else "")
