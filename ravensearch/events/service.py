"""Record webhook deliveries (fast, before the 2xx) and apply stored events in batches."""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ravensearch.db.models import EventState
from ravensearch.events.counters import refresh_counters
from ravensearch.events.effects import EventContext, EventRejected, Writes, apply_event
from ravensearch.events.intake import DEFAULT_TIMEOUT_SECONDS, batcher_for
from ravensearch.events.matching import load_contexts
from ravensearch.events.parsing import Delivery
from ravensearch.events.records import DISPATCH_MUTABLE, DispatchState, FailedEvent, StoredEvent
from ravensearch.events.repository import WebhookEventRepository
from ravensearch.kit.clock import utcnow
from ravensearch.kit.text import storable_text
from ravensearch.notifications.service import notification_service
from ravensearch.pipeline.service import pipeline_service
from ravensearch.suppressions.service import suppression_service

log = logging.getLogger(__name__)

# A batch costs ~10 ms of queries whatever its size, then ~0.1 ms per event: at 400 the
# applier catches up twice as fast as at 100 (benchmarks/webhook_steps.py).
BATCH_SIZE = 400
MAX_ERROR_CHARS = 2000
PRUNABLE_STATES = (EventState.applied, EventState.ignored, EventState.foreign)


@dataclass(frozen=True)
class BatchResult:
    """How many events one batch took out of `pending`, and how many of those applied."""

    processed: int
    applied: int
    # Campaigns whose counters the batch changed but did not refresh (`refresh=False`).
    stale_counters: frozenset[uuid.UUID] = frozenset()


def delivery_row(delivery: Delivery, *, received_at: datetime) -> dict[str, Any]:
    """The `webhook_events` columns of a new delivery; id, state (pending) and attempts (0)
    are the table's defaults."""
    return {
        "source": delivery.source,
        "dedupe_key": delivery.dedupe_key,
        "event_type": delivery.event_type,
        "instantly_campaign_id": delivery.instantly_campaign_id,
        "lead_email": delivery.lead_email,
        "occurred_at": delivery.occurred_at,
        "raw_body": delivery.raw_body,
        "received_at": received_at,
    }


class EventsService:
    """Stores Instantly deliveries and applies them to campaigns, dispatches and notifications."""

    async def record(
        self,
        engine: AsyncEngine,
        delivery: Delivery,
        *,
        received_at: datetime | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> bool:
        """Store a delivery in its own short transaction; False when it was a redelivery.

        Runs on the engine with core INSERTs shared by concurrent deliveries (group commit, see
        intake.py): this is the hot path of the webhook endpoint. Database errors, and
        `TimeoutError` after about `timeout` s, propagate for the caller to answer 503.
        """
        row = delivery_row(delivery, received_at=received_at or utcnow())
        return await batcher_for(engine).store(row, timeout=timeout)

    async def record_many(
        self,
        engine: AsyncEngine,
        deliveries: Sequence[Delivery],
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> int:
        """`record` for the events of one request; returns how many were new. Raises like
        `record` when any could not be stored (those stored meanwhile stay stored)."""
        received_at = utcnow()
        rows = [delivery_row(d, received_at=received_at) for d in deliveries]
        return sum(await batcher_for(engine).store_many(rows, timeout=timeout))

    async def apply_pending(
        self,
        session: AsyncSession,
        *,
        limit: int = BATCH_SIZE,
        event_ids: Collection[uuid.UUID] | None = None,
        refresh: bool = True,
    ) -> BatchResult:
        """Apply up to `limit` pending events (or just `event_ids`), then refresh the
        counters of the campaigns they touched (or, with `refresh=False`, return those
        campaigns for the caller to refresh later). The caller commits.

        An event that cannot be applied ends `failed` (error kept, attempts + 1) and the
        rest of the batch still applies. All writes happen together at the end, so a
        database error fails the whole batch; `EventApplier` then retries event by event.
        """
        repository = WebhookEventRepository(session)
        events = await repository.claim_pending(limit, event_ids=event_ids)
        if not events:
            return BatchResult(processed=0, applied=0)
        contexts = await load_contexts(repository, events)
        writes = Writes()
        touched: set[uuid.UUID] = set()
        changed: dict[uuid.UUID, DispatchState] = {}
        applied = 0
        now = utcnow()
        for event in events:
            event.attempts += 1
            ctx = contexts.get(event.id)
            if ctx is None:
                self._ignore(event, "stored body is not a JSON object")
                continue
            state = self._apply_one(ctx, event, writes)
            if state == EventState.applied:
                applied += 1
                if ctx.campaign is not None:
                    touched.add(ctx.campaign.id)
                if ctx.dispatch is not None:
                    changed[ctx.dispatch.id] = ctx.dispatch
        await repository.update_events([_event_row(event, now) for event in events])
        await repository.update_dispatches([_dispatch_row(d, now) for d in changed.values()])
        await repository.complete_campaigns(writes.completed_campaigns)
        await repository.add_sent_steps(writes.sent_steps)
        await repository.stop_sequences(writes.stopped)
        await suppression_service.add_many(session, writes.suppressions.values())
        await notification_service.create_many(session, writes.notifications)
        await pipeline_service.apply_signals(session, writes.pipeline)
        if refresh:
            await refresh_counters(session, touched)
        log.info("events.batch.applied processed=%d applied=%d", len(events), applied)
        stale = frozenset() if refresh else frozenset(touched)
        return BatchResult(processed=len(events), applied=applied, stale_counters=stale)

    async def pending_ids(self, session: AsyncSession, *, limit: int) -> list[uuid.UUID]:
        return await WebhookEventRepository(session).pending_ids(limit)

    async def mark_failed(self, session: AsyncSession, event_id: uuid.UUID, error: str) -> bool:
        """Fail a still-pending event that cannot be written (attempts + 1)."""
        return await WebhookEventRepository(session).mark_failed(
            event_id, storable_text(error)[:MAX_ERROR_CHARS], processed_at=utcnow()
        )

    async def requeue_unmatched(
        self,
        session: AsyncSession,
        *,
        instantly_campaign_id: str | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> int:
        """Put unmatched events (of one Instantly campaign, or all) back to pending; for one
        Instantly campaign its `foreign` events too (it is linked now, so they may apply).
        With `campaign_id` (a SendGrid campaign): the unmatched events that named it.

        Call it after linking a campaign or recording dispatches; the applier then picks
        them up again. Returns how many were requeued.
        """
        return await WebhookEventRepository(session).requeue_unmatched(
            instantly_campaign_id=instantly_campaign_id, campaign_id=campaign_id
        )

    async def count_by_state(self, session: AsyncSession) -> dict[str, int]:
        return await WebhookEventRepository(session).count_by_state()

    async def requeue_failed(
        self, session: AsyncSession, *, event_ids: Collection[uuid.UUID] | None = None
    ) -> int:
        """Put failed events (these ids, or all) back to pending, their error cleared.

        The applier then tries them again; `attempts` keeps counting across tries. Ids that
        are not (or no longer) failed are left alone. Returns how many were requeued.
        """
        return await WebhookEventRepository(session).requeue_failed(event_ids=event_ids)

    async def list_failed(
        self, session: AsyncSession, *, limit: int, offset: int = 0
    ) -> list[FailedEvent]:
        return await WebhookEventRepository(session).failed(limit=limit, offset=offset)

    async def count_prunable(
        self, session: AsyncSession, *, before: datetime, include_failed: bool = False
    ) -> int:
        return await WebhookEventRepository(session).count_older(
            prunable_states(include_failed=include_failed), before=before
        )

    async def prune_chunk(
        self, session: AsyncSession, *, before: datetime, limit: int, include_failed: bool = False
    ) -> int:
        """Delete up to `limit` applied and ignored (and, if asked, failed) events received
        before `before`; returns how many. `flows.prune` repeats it, a transaction each."""
        return await WebhookEventRepository(session).delete_older(
            prunable_states(include_failed=include_failed), before=before, limit=limit
        )

    def _apply_one(self, ctx: EventContext, event: StoredEvent, writes: Writes) -> EventState:
        saved = copy.copy(ctx.dispatch)
        own = Writes()
        try:
            state = apply_event(ctx, own)
        except EventRejected as exc:
            # Data that will never apply: kept (raw body and reason) but not retried.
            self._restore(ctx, saved)
            self._ignore(event, str(exc))
            return EventState.ignored
        except Exception as exc:
            # Bad data in one event must not block the batch: undo, record it, go on.
            log.warning("events.apply.failed event_id=%s", event.id, exc_info=True)
            self._restore(ctx, saved)
            self._fail(event, f"{type(exc).__name__}: {exc}")
            return EventState.failed
        writes.merge(own)
        event.state = state
        event.error = ctx.unmatched_reason if state == EventState.unmatched else None
        event.campaign_id = ctx.campaign.id if ctx.campaign else None
        event.dispatch_id = ctx.dispatch.id if ctx.dispatch else None
        return state

    def _restore(self, ctx: EventContext, saved: DispatchState | None) -> None:
        """Undo what an event changed in memory before it was rejected."""
        if ctx.dispatch is not None and saved is not None:
            for name in DISPATCH_MUTABLE:
                setattr(ctx.dispatch, name, getattr(saved, name))

    def _fail(self, event: StoredEvent, error: str) -> None:
        event.state = EventState.failed
        event.error = storable_text(error)[:MAX_ERROR_CHARS]

    def _ignore(self, event: StoredEvent, reason: str) -> None:
        event.state = EventState.ignored
        event.error = storable_text(reason)[:MAX_ERROR_CHARS]


def prunable_states(*, include_failed: bool) -> tuple[EventState, ...]:
    """What pruning may delete: never `pending` or `unmatched` (accepted, not yet applied);
    `foreign` ones belong to campaigns not linked here and would otherwise grow for ever."""
    return PRUNABLE_STATES + ((EventState.failed,) if include_failed else ())


def _event_row(event: StoredEvent, now: datetime) -> dict[str, Any]:
    return {
        "_id": event.id,
        "state": event.state,
        "error": event.error,
        "attempts": event.attempts,
        "processed_at": now,
        "campaign_id": event.campaign_id,
        "dispatch_id": event.dispatch_id,
    }


def _dispatch_row(dispatch: DispatchState, now: datetime) -> dict[str, Any]:
    row = {name: getattr(dispatch, name) for name in DISPATCH_MUTABLE}
    row.update(_id=dispatch.id, updated_at=now)
    return row


events_service = EventsService()
