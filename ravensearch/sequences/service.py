"""What people and events do to a sequence: stop it, unsubscribe, re-send one email, look."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.audit.service import audit_service
from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.service import campaign_service
from ravensearch.campaigns.templates import Recipient, TemplateProblem
from ravensearch.config import Settings
from ravensearch.db.models import Channel, Dispatch, EmailSend, SendState, User
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.errors import Conflict, InvalidInput, NotFound
from ravensearch.events.counters import refresh_counters
from ravensearch.events.kinds import status_of
from ravensearch.kit.clock import utcnow
from ravensearch.sequences.compose import TooLong, compose
from ravensearch.sequences.repository import STOPPED_STATUSES, SequenceRepository
from ravensearch.sequences.schemas import Preview, PreviewStep
from ravensearch.sequences.sender import NO_POSTAL_ADDRESS
from ravensearch.sequences.unsubscribe import make_token, signing_secret
from ravensearch.suppressions.service import suppression_service

UNSUBSCRIBE_SOURCE = "unsubscribe_link"
RESENDABLE = (SendState.uncertain, SendState.failed)


class EmailSendNotFound(NotFound):
    pass


class NotResendable(Conflict):
    pass


class SequenceService:
    async def stop(
        self, session: AsyncSession, dispatch_ids: Collection[uuid.UUID], *, now: datetime
    ) -> None:
        """No further step for these technicians (a reply, bounce, unsubscribe, spam
        report); their queued emails are cancelled. Emails already out stay as they are."""
        await SequenceRepository(session).stop(dispatch_ids, now=now)

    async def unsubscribe(self, session: AsyncSession, dispatch_id: uuid.UUID) -> Dispatch:
        """The technician clicked the one-click link: unsubscribed, suppressed on every
        channel, sequence stopped. Idempotent (a second click changes nothing)."""
        dispatch = await session.get(Dispatch, dispatch_id, with_for_update=True)
        if dispatch is None:
            raise NotFound("This unsubscribe link points at nothing we still hold.")
        now = utcnow()
        dispatch.unsubscribed_at = dispatch.unsubscribed_at or now
        dispatch.status = status_of(dispatch)
        dispatch.updated_at = now
        await session.flush()
        await suppression_service.add(
            session, dispatch.email, reason="unsubscribed (one-click link)",
            source=UNSUBSCRIBE_SOURCE,
        )  # fmt: skip
        await self.stop(session, [dispatch.id], now=now)
        await refresh_counters(session, [dispatch.campaign_id])
        return dispatch

    async def resend(
        self,
        session: AsyncSession,
        *,
        campaign_id: uuid.UUID,
        send_id: uuid.UUID,
        user: User | None,
        actor: str,
    ) -> EmailSend:
        """Queue an uncertain (or failed) email again, at a person's word; the next run
        sends it, inside the window and under the cap. Audited."""
        repository = SequenceRepository(session)
        send = await repository.get_send(send_id)
        if send is None or send.campaign_id != campaign_id:
            raise EmailSendNotFound(f"Campaign {campaign_id} has no email {send_id}.")
        if send.state not in RESENDABLE:
            raise NotResendable(
                f"Only uncertain or failed emails can be re-sent; this one is {send.state}."
            )
        dispatch = await session.get(Dispatch, send.dispatch_id, with_for_update=True)
        assert dispatch is not None  # the row cascades with its dispatch
        if dispatch.status in STOPPED_STATUSES or dispatch.next_step != send.step:
            raise NotResendable(
                f"The technician's sequence has stopped ({dispatch.status}); step "
                f"{send.step} is not sent again."
            )
        now = utcnow()
        previous = send.state
        send.state = SendState.queued
        send.not_before = None
        send.error = None
        send.updated_at = now
        if dispatch.next_step_due_at is None:
            dispatch.next_step_due_at = now
        await session.flush()
        await audit_service.record(
            session,
            action="email_send.resent",
            subject=f"email_send:{send.id}",
            user=user,
            detail=f"{previous} → queued by {actor}; campaign {campaign_id}, step {send.step}, "
            f"dispatch {send.dispatch_id}",
        )
        return send

    async def list_sends(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID,
        *,
        state: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[EmailSend], int]:
        if state is not None and state not in SendState.__members__:
            raise InvalidInput(f"Unknown state; use one of: {', '.join(SendState.__members__)}.")
        await campaign_service.get(session, campaign_id)
        return await SequenceRepository(session).list_sends(
            campaign_id, state=state, limit=limit, offset=offset
        )

    async def state_counts(self, session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, int]:
        """The campaign's outbox per state, every state present (0 when none)."""
        counts = await SequenceRepository(session).count_by_state(campaign_id)
        return {state: counts.get(state, 0) for state in SendState.__members__}

    async def preview(
        self,
        session: AsyncSession,
        settings: Settings,
        *,
        campaign_id: uuid.UUID,
        target_id: uuid.UUID,
    ) -> Preview:
        """Every step as this technician would receive it: subject, body with the footer,
        headers. The unsubscribe link is real once they are dispatched to the campaign."""
        campaign = await campaign_service.get(session, campaign_id)
        if campaign.channel != Channel.sendgrid:
            raise Conflict("Only a SendGrid campaign has a sequence to preview.")
        target = (await DispatchRepository(session).targets_by_id([target_id])).get(target_id)
        if target is None:
            raise NotFound(f"No technician has id {target_id}.")
        dispatch_id = await SequenceRepository(session).dispatch_id_of(campaign_id, target_id)
        warnings: list[str] = []
        if dispatch_id is None:
            warnings.append(
                "Not dispatched to this campaign yet: the unsubscribe link is a sample."
            )
        if not settings.SENDER_POSTAL_ADDRESS.strip():
            warnings.append(NO_POSTAL_ADDRESS)
        token = make_token(await signing_secret(session, settings), dispatch_id or uuid.UUID(int=0))
        recipient = Recipient(
            first_name=target.first_name, business_name=target.business_name, city=target.city,
            state=target.state, trade=target.trade, website=target.website,
        )  # fmt: skip
        steps: list[PreviewStep] = []
        for step in await CampaignRepository(session).steps(campaign_id):
            try:
                email = compose(
                    campaign, step, dispatch_id=dispatch_id or uuid.UUID(int=0),
                    to=target.email or "", recipient=recipient, token=token,
                    postal_address=settings.SENDER_POSTAL_ADDRESS or "[postal address not set]",
                    public_url=settings.PUBLIC_URL,
                )  # fmt: skip
            except (TemplateProblem, TooLong) as exc:
                warnings.append(f"Step {step.position}: {exc}")
                continue
            steps.append(
                PreviewStep(
                    step=step.position,
                    delay_days=step.delay_days,
                    subject=email.subject,
                    body=email.body,
                    headers=email.headers,
                )
            )
        return Preview(
            campaign_id=campaign.id, target_id=target.id, to=target.email,
            from_email=campaign.from_email, from_name=campaign.from_name,
            reply_to=campaign.reply_to or campaign.from_email, steps=steps, warnings=warnings,
        )  # fmt: skip


sequence_service = SequenceService()
