"""SQL for webhook events: the intake INSERT, claiming pending rows, and the rows they touch."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ravensearch.db.models import Campaign, Dispatch, DispatchStep, EventState, Target, WebhookEvent
from ravensearch.db.upsert import insert_ignoring_conflicts

_EVENTS = WebhookEvent.__table__
# Rows per multi-row INSERT: far below the bound-parameter limits of SQLite and asyncpg.
_INSERT_CHUNK = 200


_DELIVERY_COLUMNS = (
    "id",
    "source",
    "dedupe_key",
    "event_type",
    "instantly_campaign_id",
    "lead_email",
    "occurred_at",
    "raw_body",
    "received_at",
    "state",
    "attempts",
)
_delivery_inserts: dict[str, Insert] = {}


async def insert_delivery(conn: AsyncConnection, row: dict[str, Any]) -> bool:
    """Store one delivery unless its dedupe key is already there; True when a row was added.

    One statement with ON CONFLICT DO NOTHING, so two concurrent redeliveries cannot both
    insert (no SELECT-then-INSERT race) and neither gets an IntegrityError. `row` has
    exactly the keys of `_DELIVERY_COLUMNS`.
    """
    dialect = conn.dialect.name
    stmt = _delivery_inserts.get(dialect)
    if stmt is None:
        # Built once with bind parameters: building (and cache-keying) a fresh INSERT
        # per request cost as much CPU as the rest of the webhook endpoint.
        stmt = _delivery_inserts[dialect] = insert_ignoring_conflicts(
            _EVENTS,  # type: ignore[arg-type]
            dialect,
            {name: bindparam(name) for name in _DELIVERY_COLUMNS},
            index_elements=["dedupe_key"],
        )
    result = await conn.execute(stmt, row)
    return bool(result.rowcount)


class WebhookEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_pending(
        self, limit: int, *, event_ids: Collection[uuid.UUID] | None = None
    ) -> Sequence[WebhookEvent]:
        """The oldest pending events (among `event_ids` if given), locked for this transaction.

        On PostgreSQL `SKIP LOCKED` lets several appliers run at once without ever taking
        the same event; SQLite ignores the clause (its writers are serialised anyway).
        """
        stmt = (
            select(WebhookEvent)
            .where(WebhookEvent.state == EventState.pending)
            .order_by(WebhookEvent.received_at, WebhookEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if event_ids is not None:
            stmt = stmt.where(WebhookEvent.id.in_(sorted(event_ids)))
        return (await self.session.scalars(stmt)).all()

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

    async def requeue_unmatched(self, *, instantly_campaign_id: str | None = None) -> int:
        stmt = (
            update(WebhookEvent)
            .where(WebhookEvent.state == EventState.unmatched)
            .values(state=EventState.pending, error=None)
            .execution_options(synchronize_session=False)
        )
        if instantly_campaign_id is not None:
            stmt = stmt.where(WebhookEvent.instantly_campaign_id == instantly_campaign_id)
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_by_state(self) -> dict[str, int]:
        stmt = select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        return {state: int(count) for state, count in (await self.session.execute(stmt)).all()}

    async def campaigns_by_instantly_id(self, ids: Collection[str]) -> dict[str, Campaign]:
        if not ids:
            return {}
        stmt = select(Campaign).where(Campaign.instantly_campaign_id.in_(sorted(ids)))
        return {c.instantly_campaign_id: c for c in (await self.session.scalars(stmt)).all()}

    async def lock_dispatches(
        self, keys: Collection[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Dispatch]:
        """Dispatches by (campaign id, lower-cased email), locked until the transaction ends.

        Dispatch stores emails lower-cased (`normalize_email`), so this is a plain lookup
        on the unique (campaign_id, email) index. The lock (and fresh data after waiting
        for it) stops two appliers that hold different events of the same lead from
        overwriting each other's timestamps; rows are locked in id order against deadlocks.
        """
        if not keys:
            return {}
        stmt = (
            select(Dispatch)
            .where(
                Dispatch.campaign_id.in_(sorted({campaign_id for campaign_id, _ in keys})),
                Dispatch.email.in_(sorted({email for _, email in keys})),
            )
            .order_by(Dispatch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        rows = (await self.session.scalars(stmt)).all()
        found = {(d.campaign_id, d.email): d for d in rows}
        return {key: found[key] for key in keys if key in found}

    async def business_names(self, target_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not target_ids:
            return {}
        stmt = select(Target.id, Target.business_name).where(Target.id.in_(sorted(target_ids)))
        return {row.id: row.business_name for row in (await self.session.execute(stmt)).all()}

    async def add_sent_steps(self, steps: Mapping[tuple[uuid.UUID, int], datetime]) -> None:
        """Record (dispatch, step) pairs as sent; pairs already there are left alone."""
        rows = [{"dispatch_id": d, "step": step, "sent_at": at} for (d, step), at in steps.items()]
        dialect = self.session.get_bind().dialect.name
        for start in range(0, len(rows), _INSERT_CHUNK):
            stmt = insert_ignoring_conflicts(
                DispatchStep.__table__,  # type: ignore[arg-type]
                dialect,
                rows[start : start + _INSERT_CHUNK],
                index_elements=["dispatch_id", "step"],
            )
            await self.session.execute(stmt)

    async def update_events(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the given columns of many events (each row has `_id` and the same keys)."""
        await self._update_many(_EVENTS, rows)

    async def update_dispatches(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the given columns of many dispatches (each row has `_id` and the same keys)."""
        await self._update_many(Dispatch.__table__, rows)

    async def _update_many(self, table: Any, rows: Sequence[dict[str, Any]]) -> None:
        # One executemany per table. The ORM flush would send these one UPDATE (one round
        # trip) per row, because their changed columns differ from row to row.
        if not rows:
            return
        names = [name for name in rows[0] if name != "_id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        await self.session.execute(stmt, list(rows))
