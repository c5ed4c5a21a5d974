"""SQL for webhook events: the intake INSERT, claiming pending rows, and the rows they touch."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ravensearch.db.models import (
    Campaign,
    CampaignStatus,
    Channel,
    Dispatch,
    DispatchStep,
    EmailSend,
    EventState,
    SendState,
    Target,
    WebhookEvent,
)
from ravensearch.db.upsert import insert_ignoring_conflicts
from ravensearch.events.records import (
    DISPATCH_COLUMNS,
    EVENT_COLUMNS,
    FAILED_COLUMNS,
    CampaignRef,
    DispatchState,
    FailedEvent,
    StoredEvent,
)
from ravensearch.kit.clock import as_utc

_EVENTS = WebhookEvent.__table__
_DISPATCHES = Dispatch.__table__
_DISPATCH_TIMES = {name for name in DISPATCH_COLUMNS if name.endswith("_at")}


class WebhookEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_pending(
        self, limit: int, *, event_ids: Collection[uuid.UUID] | None = None
    ) -> list[StoredEvent]:
        """The oldest pending events (among `event_ids` if given), locked for this transaction.

        On PostgreSQL `SKIP LOCKED` lets several appliers run at once without ever taking
        the same event; SQLite ignores the clause (its writers are serialised anyway).
        """
        stmt = (
            select(*(_EVENTS.c[name] for name in EVENT_COLUMNS))
            .where(_EVENTS.c.state == EventState.pending)
            .order_by(_EVENTS.c.received_at, _EVENTS.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if event_ids is not None:
            stmt = stmt.where(_EVENTS.c.id.in_(sorted(event_ids)))
        return [StoredEvent(*row) for row in (await self.session.execute(stmt)).all()]

    async def pending_ids(self, limit: int) -> list[uuid.UUID]:
        stmt = (
            select(WebhookEvent.id)
            .where(WebhookEvent.state == EventState.pending)
            .order_by(WebhookEvent.received_at, WebhookEvent.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def mark_failed(self, event_id: uuid.UUID, error: str, *, processed_at: datetime) -> bool:
        stmt = (
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id, WebhookEvent.state == EventState.pending)
            .values(
                state=EventState.failed,
                error=error,
                attempts=WebhookEvent.attempts + 1,
                processed_at=processed_at,
            )
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def requeue_unmatched(
        self, *, instantly_campaign_id: str | None = None, campaign_id: uuid.UUID | None = None
    ) -> int:
        if campaign_id is not None:
            return await self._requeue(
                (EventState.unmatched,), WebhookEvent.campaign_id == campaign_id
            )
        if instantly_campaign_id is None:
            return await self._requeue((EventState.unmatched,))
        return await self._requeue(
            (EventState.unmatched, EventState.foreign),
            WebhookEvent.instantly_campaign_id == instantly_campaign_id,
        )

    async def requeue_failed(self, *, event_ids: Collection[uuid.UUID] | None = None) -> int:
        if event_ids is None:
            return await self._requeue((EventState.failed,))
        return await self._requeue((EventState.failed,), WebhookEvent.id.in_(sorted(event_ids)))

    async def count_by_state(self) -> dict[str, int]:
        stmt = select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        return {state: int(count) for state, count in (await self.session.execute(stmt)).all()}

    async def failed(self, *, limit: int, offset: int) -> list[FailedEvent]:
        """Failed events, the latest received first (the stored body is left out)."""
        stmt = (
            select(*(_EVENTS.c[name] for name in FAILED_COLUMNS))
            .where(WebhookEvent.state == EventState.failed)
            .order_by(WebhookEvent.received_at.desc(), WebhookEvent.id)
            .limit(limit)
            .offset(offset)
        )
        return [FailedEvent(*row) for row in (await self.session.execute(stmt)).all()]

    async def count_older(self, states: Collection[str], *, before: datetime) -> int:
        stmt = select(func.count()).where(*_older(states, before))
        return int(await self.session.scalar(stmt) or 0)

    async def delete_older(self, states: Collection[str], *, before: datetime, limit: int) -> int:
        """Delete up to `limit` events in `states` received before `before`.

        The state is checked again by the DELETE itself: an event requeued meanwhile (failed
        back to pending) is no longer in `states` and stays.
        """
        chunk = select(WebhookEvent.id).where(*_older(states, before)).limit(limit)
        stmt = (
            delete(WebhookEvent)
            .where(WebhookEvent.id.in_(chunk.scalar_subquery()), *_older(states, before))
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _requeue(self, states: Collection[EventState], *criteria: ColumnElement[bool]) -> int:
        """Put events in `states` (and matching `criteria`) back to pending for the applier."""
        stmt = (
            update(WebhookEvent)
            .where(WebhookEvent.state.in_(sorted(states)), *criteria)
            .values(state=EventState.pending, error=None)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def campaign_ids(self) -> list[uuid.UUID]:
        return list(await self.session.scalars(select(Campaign.id)))

    async def campaigns_by_instantly_id(self, ids: Collection[str]) -> dict[str, CampaignRef]:
        if not ids:
            return {}
        stmt = select(Campaign.instantly_campaign_id, Campaign.id, Campaign.name).where(
            Campaign.instantly_campaign_id.in_(sorted(ids))
        )
        rows = (await self.session.execute(stmt)).all()
        return {remote_id: CampaignRef(id_, name) for remote_id, id_, name in rows if remote_id}

    async def campaigns_by_id(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, CampaignRef]:
        if not ids:
            return {}
        stmt = select(Campaign.id, Campaign.name).where(Campaign.id.in_(sorted(ids)))
        return {id_: CampaignRef(id_, name) for id_, name in (await self.session.execute(stmt))}

    async def lock_dispatches(
        self,
        keys: Collection[tuple[uuid.UUID, str]],
        *,
        ids: Collection[uuid.UUID] = (),
    ) -> list[DispatchState]:
        """Dispatches by (campaign id, lower-cased email) or by id, locked until the
        transaction ends.

        Dispatch stores emails lower-cased (`normalize_email`), so this is a plain lookup
        on the unique (campaign_id, email) index. The lock (and fresh data after waiting
        for it) stops two appliers that hold different events of the same lead from
        overwriting each other's timestamps; rows are locked in id order, in one
        statement, against deadlocks.
        """
        criteria: list[ColumnElement[bool]] = []
        if keys:
            criteria.append(
                _DISPATCHES.c.campaign_id.in_(sorted({campaign_id for campaign_id, _ in keys}))
                & _DISPATCHES.c.email.in_(sorted({email for _, email in keys}))
            )
        if ids:
            criteria.append(_DISPATCHES.c.id.in_(sorted(ids)))
        if not criteria:
            return []
        stmt = (
            select(*(_DISPATCHES.c[name] for name in DISPATCH_COLUMNS))
            .where(or_(*criteria))
            .order_by(_DISPATCHES.c.id)
            .with_for_update()
        )
        found: list[DispatchState] = []
        for row in (await self.session.execute(stmt)).mappings():
            # SQLite hands back naive datetimes; the effects compare them with aware ones.
            values: dict[str, Any] = {
                name: as_utc(row[name]) if name in _DISPATCH_TIMES and row[name] else row[name]
                for name in DISPATCH_COLUMNS
            }
            found.append(DispatchState(**values))
        return found

    async def dispatches_by_message_id(self, message_ids: Collection[str]) -> dict[str, uuid.UUID]:
        """Our sent emails' Message-IDs (brackets removed) → their dispatch."""
        if not message_ids:
            return {}
        # Stored with or without the angle brackets of the header: both are looked up.
        wanted = sorted({*message_ids, *(f"<{m}>" for m in message_ids)})
        stmt = select(EmailSend.rfc_message_id, EmailSend.dispatch_id).where(
            EmailSend.rfc_message_id.in_(wanted)
        )
        rows = (await self.session.execute(stmt)).all()
        return {message_id.strip("<>"): dispatch_id for message_id, dispatch_id in rows}

    async def latest_sendgrid_dispatches(self, emails: Collection[str]) -> dict[str, uuid.UUID]:
        """For each address, the SendGrid dispatch to it sent last (else created last)."""
        if not emails:
            return {}
        stmt = (
            select(Dispatch.email, Dispatch.id)
            .where(Dispatch.email.in_(sorted(emails)), Dispatch.channel == Channel.sendgrid)
            .order_by(
                Dispatch.email,
                Dispatch.sent_at.is_(None),
                Dispatch.sent_at.desc(),
                Dispatch.created_at.desc(),
                Dispatch.id,
            )
        )
        found: dict[str, uuid.UUID] = {}
        for email, dispatch_id in (await self.session.execute(stmt)).all():
            found.setdefault(email, dispatch_id)
        return found

    async def stop_sequences(self, dispatch_ids: Collection[uuid.UUID]) -> None:
        """No further step for these dispatches: none due, and their queued emails cancelled
        (an email already `sending` or later is left as it is)."""
        if not dispatch_ids:
            return
        ids = sorted(dispatch_ids)
        await self.session.execute(
            update(Dispatch)
            .where(Dispatch.id.in_(ids), Dispatch.next_step.is_not(None))
            .values(next_step=None, next_step_due_at=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(EmailSend)
            .where(EmailSend.dispatch_id.in_(ids), EmailSend.state == SendState.queued)
            .values(state=SendState.cancelled)
            .execution_options(synchronize_session=False)
        )

    async def business_names(self, target_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not target_ids:
            return {}
        stmt = select(Target.id, Target.business_name).where(Target.id.in_(sorted(target_ids)))
        return {row.id: row.business_name for row in (await self.session.execute(stmt)).all()}

    async def add_sent_steps(self, steps: Mapping[tuple[uuid.UUID, int], datetime]) -> None:
        """Record (dispatch, step) pairs as sent; pairs already there are left alone."""
        rows = [{"dispatch_id": d, "step": step, "sent_at": at} for (d, step), at in steps.items()]
        if rows:
            stmt = insert_ignoring_conflicts(
                DispatchStep.__table__,  # type: ignore[arg-type]
                self.session.get_bind().dialect.name,
                {name: bindparam(name) for name in ("dispatch_id", "step", "sent_at")},
                index_elements=["dispatch_id", "step"],
            )
            await self.session.execute(stmt, rows)

    async def update_events(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the given columns of many events (each row has `_id` and the same keys)."""
        await self._update_many(_EVENTS, rows)

    async def update_dispatches(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the given columns of many dispatches (each row has `_id` and the same keys)."""
        await self._update_many(_DISPATCHES, rows)

    async def complete_campaigns(self, campaign_ids: Collection[uuid.UUID]) -> None:
        if campaign_ids:
            await self.session.execute(
                update(Campaign)
                .where(Campaign.id.in_(sorted(campaign_ids)))
                .values(status=CampaignStatus.completed)
                .execution_options(synchronize_session=False)
            )

    async def _update_many(self, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        # One executemany per table: one statement, its parameters pipelined.
        if not rows:
            return
        names = [name for name in rows[0] if name != "_id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        await self.session.execute(stmt, list(rows))


# Columns the intake sends, and their PostgreSQL array types for `unnest`.
_DELIVERY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR[]"),
    ("dedupe_key", "VARCHAR[]"),
    ("event_type", "VARCHAR[]"),
    ("instantly_campaign_id", "VARCHAR[]"),
    ("lead_email", "VARCHAR[]"),
    ("occurred_at", "TIMESTAMPTZ[]"),
    ("raw_body", "TEXT[]"),
    ("received_at", "TIMESTAMPTZ[]"),
)
# The rest is the same for every new delivery: the model's defaults, written by the database
# (an id made in Python and four more arrays to encode cost ~4 µs per event on the hot path).
_DELIVERY_DEFAULTS = {
    "id": "gen_random_uuid()",
    "state": f"'{EventState.pending.value}'",
    "attempts": "0",
}
# One column array per parameter, whatever the number of rows: the statement is compiled
# and prepared once, where a multi-row VALUES is a new statement for each batch size (its
# compilation cost as much CPU as the rest of the request).
_INSERT_DELIVERIES_PG = text(
    f"INSERT INTO webhook_events ({', '.join([*_DELIVERY_DEFAULTS, *dict(_DELIVERY_COLUMNS)])}) "
    f"SELECT {', '.join(_DELIVERY_DEFAULTS.values())}, * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {array})" for name, array in _DELIVERY_COLUMNS)
    + ") ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key"
)


async def insert_deliveries(conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[str]:
    """Store several deliveries (the `_DELIVERY_COLUMNS` of each, the rest from the model's
    defaults) in one INSERT; returns the dedupe keys actually added."""
    if conn.dialect.name == "postgresql":
        columns = {name: [row[name] for row in rows] for name, _ in _DELIVERY_COLUMNS}
        return set((await conn.execute(_INSERT_DELIVERIES_PG, columns)).scalars())
    stmt = (
        sqlite.insert(_EVENTS)  # type: ignore[arg-type]
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_EVENTS.c.dedupe_key)
    )
    return set((await conn.execute(stmt)).scalars())


def _older(states: Collection[str], before: datetime) -> tuple[ColumnElement[bool], ...]:
    return (WebhookEvent.state.in_(sorted(states)), WebhookEvent.received_at < before)
