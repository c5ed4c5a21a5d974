"""Recovering the deliveries Instantly failed to make (instantly_v2.md §5.3, §5.4).

Instantly keeps every delivery attempt, payload and all, in `GET /webhook-events`. Each
failed one is stored through the same intake and dedupe key as a live delivery, so one that
a later retry delivered, or that an earlier backfill stored, is never stored twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.events.parsing import Delivery, InvalidDelivery, delivery_from_payload
from ravensearch.events.registration import explain_webhook_failure
from ravensearch.events.service import events_service
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyError
from ravensearch.kit.clock import utcnow

log = logging.getLogger(__name__)

STORE_BATCH = 100  # a page of GET /webhook-events


@dataclass(frozen=True)
class BackfillReport:
    """Failed deliveries Instantly reported between two UTC days (inclusive)."""

    first_day: date
    last_day: date
    seen: int  # distinct deliveries (an event retried 3 times counts once)
    stored: int  # new here: stored as pending, the applier applies them
    already_had: int  # delivered after all (a retry, a backfill) or already stored
    unusable: int = 0  # bodies the intake refuses too (no event_type …)


async def backfill(
    engine: AsyncEngine,
    instantly: InstantlyClient,
    *,
    since: timedelta,
    now: datetime | None = None,
) -> BackfillReport:
    """Store every failed delivery of the last `since` (whole days: Instantly filters by
    day). Raises a `RavensearchError` that says what to fix when Instantly refuses."""
    now = now or utcnow()
    first_day, last_day = (now - since).date(), now.date()
    keys: set[str] = set()
    batch: list[Delivery] = []
    stored = already = unusable = 0
    try:
        async for attempt in instantly.iter_webhook_events(
            success=False, since=first_day, until=last_day
        ):
            raw = json.dumps(attempt.payload, ensure_ascii=False, separators=(",", ":"))
            try:
                delivery = delivery_from_payload(attempt.payload, raw)
            except InvalidDelivery:
                unusable += 1
                continue
            if delivery.dedupe_key in keys:
                continue  # another attempt of a delivery counted already
            keys.add(delivery.dedupe_key)
            batch.append(delivery)
            if len(batch) >= STORE_BATCH:
                new = await _store(engine, batch)
                stored, already, batch = stored + new, already + len(batch) - new, []
    except InstantlyError as exc:
        raise explain_webhook_failure(exc) from None
    new = await _store(engine, batch)
    stored, already = stored + new, already + len(batch) - new
    log.info(
        "events.backfill.done seen=%d stored=%d already_had=%d unusable=%d",
        len(keys), stored, already, unusable,
    )  # fmt: skip
    return BackfillReport(first_day, last_day, len(keys), stored, already, unusable)


async def _store(engine: AsyncEngine, deliveries: list[Delivery]) -> int:
    """Store together, as concurrent live deliveries are (one INSERT, see intake.py);
    returns how many were new."""
    results = await asyncio.gather(*(events_service.record(engine, d) for d in deliveries))
    return sum(results)
