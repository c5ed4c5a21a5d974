from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Dispatch,
    DispatchStatus,
    DispatchStep,
    EmailSend,
    SendState,
    Target,
)
from ravensearch.db.upsert import insert_ignoring_conflicts_many
from ravensearch.dispatch.repository import IN_CHUNK, chunked

_DISPATCHES = Dispatch.metadata.tables[Dispatch.__tablename__]
_SENDS = EmailSend.metadata.tables[EmailSend.__tablename__]
_STEPS = DispatchStep.metadata.tables[DispatchStep.__tablename__]
STOPPED_STATUSES = (DispatchStatus.replied, DispatchStatus.bounced, DispatchStatus.unsubscribed)
# States of an email that left, or may have (each counts against the daily cap).
OUT_STATES = (SendState.sending, SendState.sent, SendState.uncertain)


class SequenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sending_campaigns(self) -> Sequence[Campaign]:
        stmt = select(Campaign).where(
            Campaign.channel == Channel.sendgrid, Campaign.status == CampaignStatus.active
        )
        return (await self.session.scalars(stmt.order_by(Campaign.created_at))).all()

    async def due(
        self,
        campaign_id: uuid.UUID,
        *,
        now: datetime,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Any]:
        """Dispatches whose next step is due and not yet out: no email row for that step,
        or one queued again (a 429, SendGrid unreachable, a person's re-send) whose wait
        is over. Stopped sequences (reply, bounce, unsubscribe, spam report) never are."""
        send = EmailSend
        stmt = (
            select(
                Dispatch.id.label("dispatch_id"),
                Dispatch.email,
                Dispatch.next_step,
                Dispatch.next_step_due_at,
                Target.first_name,
                Target.business_name,
                Target.city,
                Target.state,
                Target.zip,
                Target.trade,
                Target.website,
                send.id.label("send_id"),
                send.rfc_message_id,
            )
            .join(Target, Target.id == Dispatch.technician_id)
            .outerjoin(send, and_(send.dispatch_id == Dispatch.id, send.step == Dispatch.next_step))
            .where(
                Dispatch.campaign_id == campaign_id,
                Dispatch.next_step.isnot(None),
                Dispatch.next_step_due_at <= now,
                Dispatch.status.notin_(STOPPED_STATUSES),
                Dispatch.replied_at.is_(None),
                Dispatch.bounced_at.is_(None),
                Dispatch.unsubscribed_at.is_(None),
                Dispatch.spam_reported_at.is_(None),
                or_(
                    send.id.is_(None),
                    and_(
                        send.state == SendState.queued,
                        or_(send.not_before.is_(None), send.not_before <= now),
                    ),
                ),
            )
            .order_by(Dispatch.next_step_due_at, Dispatch.id)
            .limit(limit)
        )
        if after is not None:
            due_at, dispatch_id = after
            stmt = stmt.where(
                or_(
                    Dispatch.next_step_due_at > due_at,
                    and_(Dispatch.next_step_due_at == due_at, Dispatch.id > dispatch_id),
                )
            )
        return (await self.session.execute(stmt)).all()

    async def out_since(self, campaign_id: uuid.UUID, since: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(EmailSend)
            .where(
                EmailSend.campaign_id == campaign_id,
                EmailSend.state.in_(OUT_STATES),
                EmailSend.sending_at >= since,
            )
        )
        return int(await self.session.scalar(stmt) or 0)

    async def insert_sends(self, rows: Sequence[dict[str, Any]]) -> None:
        """New outbox rows; a row another run wrote first for the same (dispatch, step) wins."""
        if rows:
            stmt = insert_ignoring_conflicts_many(_SENDS, self.session.get_bind().dialect.name)
            await self.session.execute(stmt, list(rows))

    async def claim_queued(
        self, ids: Collection[uuid.UUID], *, batch_id: uuid.UUID, now: datetime
    ) -> None:
        """Queued rows → sending under `batch_id` (rows no longer queued are left alone)."""
        for part in chunked(list(ids), IN_CHUNK):
            await self.session.execute(
                update(EmailSend)
                .where(EmailSend.id.in_(part), EmailSend.state == SendState.queued)
                .values(
                    state=SendState.sending,
                    batch_id=batch_id,
                    attempts=EmailSend.attempts + 1,
                    sending_at=now,
                    error=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )

    async def in_batch(self, batch_id: uuid.UUID) -> Sequence[EmailSend]:
        stmt = select(EmailSend).where(
            EmailSend.batch_id == batch_id, EmailSend.state == SendState.sending
        )
        return (await self.session.scalars(stmt)).all()

    async def set_state(
        self,
        ids: Collection[uuid.UUID],
        state: SendState,
        *,
        now: datetime,
        only_from: SendState | None = SendState.sending,
        **values: Any,
    ) -> int:
        changed = 0
        for part in chunked(list(ids), IN_CHUNK):
            stmt = update(EmailSend).where(EmailSend.id.in_(part))
            if only_from is not None:
                stmt = stmt.where(EmailSend.state == only_from)
            result = await self.session.execute(
                stmt.values(state=state, updated_at=now, **values).execution_options(
                    synchronize_session=False
                )
            )
            changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    async def stale_sending(self, *, before: datetime) -> Sequence[uuid.UUID]:
        stmt = select(EmailSend.id).where(
            EmailSend.state == SendState.sending, EmailSend.sending_at < before
        )
        return (await self.session.scalars(stmt)).all()

    async def dispatch_states_for_update(self, ids: Collection[uuid.UUID]) -> Sequence[Any]:
        """Status, timestamps and next step of these dispatches (columns only), locked on
        PostgreSQL so an event applied meanwhile is not overwritten."""
        found: list[Any] = []
        for part in chunked(list(ids), IN_CHUNK):
            stmt = (
                select(
                    Dispatch.id,
                    Dispatch.status,
                    Dispatch.next_step,
                    Dispatch.next_step_due_at,
                    Dispatch.sent_at,
                    Dispatch.opened_at,
                    Dispatch.clicked_at,
                    Dispatch.replied_at,
                    Dispatch.bounced_at,
                    Dispatch.unsubscribed_at,
                )
                .where(Dispatch.id.in_(part))
                .with_for_update()
            )
            found.extend((await self.session.execute(stmt)).all())
        return found

    async def record_sent(self, rows: Sequence[dict[str, Any]], *, now: datetime) -> None:
        """One executemany: each row's `b_id`, `b_status`, `b_sent_at`, `b_next_step`,
        `b_due` (parameter names differ from columns, which SQLAlchemy reserves for SET)."""
        if not rows:
            return
        await self.session.execute(
            update(_DISPATCHES)
            .where(_DISPATCHES.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                sent_at=bindparam("b_sent_at"),
                next_step=bindparam("b_next_step"),
                next_step_due_at=bindparam("b_due"),
                last_error=None,
                updated_at=now,
            ),
            list(rows),
        )

    async def add_sent_steps(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            stmt = insert_ignoring_conflicts_many(_STEPS, self.session.get_bind().dialect.name)
            await self.session.execute(stmt, list(rows))

    async def stop(self, dispatch_ids: Collection[uuid.UUID], *, now: datetime) -> None:
        """No further step for these dispatches; their queued emails are cancelled."""
        for part in chunked(list(dispatch_ids), IN_CHUNK):
            await self.session.execute(
                update(Dispatch)
                .where(Dispatch.id.in_(part))
                .values(next_step=None, next_step_due_at=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            await self.session.execute(
                update(EmailSend)
                .where(EmailSend.dispatch_id.in_(part), EmailSend.state == SendState.queued)
                .values(state=SendState.cancelled, updated_at=now)
                .execution_options(synchronize_session=False)
            )

    async def dispatch_id_of(
        self, campaign_id: uuid.UUID, target_id: uuid.UUID
    ) -> uuid.UUID | None:
        stmt = select(Dispatch.id).where(
            Dispatch.campaign_id == campaign_id, Dispatch.technician_id == target_id
        )
        return await self.session.scalar(stmt)

    async def get_send(self, send_id: uuid.UUID) -> EmailSend | None:
        return await self.session.get(EmailSend, send_id)

    async def count_by_state(self, campaign_id: uuid.UUID) -> dict[str, int]:
        stmt = (
            select(EmailSend.state, func.count())
            .where(EmailSend.campaign_id == campaign_id)
            .group_by(EmailSend.state)
        )
        return {str(state): int(n) for state, n in (await self.session.execute(stmt)).all()}

    async def list_sends(
        self, campaign_id: uuid.UUID, *, state: str | None, limit: int, offset: int
    ) -> tuple[Sequence[EmailSend], int]:
        where = [EmailSend.campaign_id == campaign_id]
        if state is not None:
            where.append(EmailSend.state == state)
        total = await self.session.scalar(select(func.count()).select_from(EmailSend).where(*where))
        stmt = (
            select(EmailSend)
            .where(*where)
            .order_by(EmailSend.created_at.desc(), EmailSend.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all(), int(total or 0)
