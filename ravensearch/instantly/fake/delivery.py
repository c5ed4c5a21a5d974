"""Delivering a webhook payload as Instantly does (instantly_v2.md §5.3, §5.4).

A payload goes to every active webhook registered for its event and campaign; when none was
ever registered through the API, to the simulator's configured URL (a webhook made by hand
in the dashboard, as Ravensearch was set up before `webhook install`). Each failed delivery
is retried, and **every attempt** is kept in `state.webhook_events`, payload and all, so
GET /webhook-events can hand failures back for a backfill. After
`state.webhook_disable_after` failed deliveries in a row a registered webhook is disabled
(`status: -1`, `timestamp_error`) until resumed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog

from ravensearch.instantly.fake.state import (
    ActivityConfig,
    FakeInstantlyState,
    FakeWebhook,
    FakeWebhookEvent,
    WebhookDelivery,
    iso_now,
    new_id,
)

log = structlog.get_logger("ravensearch.instantly.fake")

# What the captured real delivery carried (§5.3); the webhook's own headers go on top.
BASE_HEADERS = {"User-Agent": "axios/0.21.4", "Accept": "application/json, text/plain, */*"}


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str]
    webhook: FakeWebhook | None = None  # None: the simulator's configured URL


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None
    response_time_ms: float

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def targets_for(
    state: FakeInstantlyState, config: ActivityConfig, event_type: str, campaign_id: str
) -> list[Target]:
    with state.lock:
        registered = list(state.webhooks.values())
    if not registered:
        return [Target(config.webhook_url, dict(config.headers))]
    return [
        Target(w.target_hook_url, dict(w.headers or {}), w)
        for w in registered
        if w.wants(event_type, campaign_id)
    ]


async def post_once(client: httpx.AsyncClient, target: Target, payload: dict[str, Any]) -> Attempt:
    started = time.perf_counter()
    try:
        response = await client.post(
            target.url, json=payload, headers={**BASE_HEADERS, **target.headers}
        )
    # In process (ASGITransport) the receiver's own exceptions surface here too; a failed
    # delivery is recorded and retried, never raised into the fake.
    except Exception as exc:  # noqa: BLE001
        return Attempt(None, type(exc).__name__, _elapsed_ms(started))
    error = (
        None if response.is_success else f"Request failed with status code {response.status_code}"
    )
    return Attempt(response.status_code, error, _elapsed_ms(started))


async def deliver(
    state: FakeInstantlyState,
    config: ActivityConfig,
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    payload: dict[str, Any],
    campaign_id: str,
) -> None:
    """Deliver `payload` to each of its targets (retrying each, never raising)."""
    event_type = str(payload.get("event_type", ""))
    for target in targets_for(state, config, event_type, campaign_id):
        await _deliver_to(state, config, client, gate, target, payload, campaign_id)


async def _deliver_to(
    state: FakeInstantlyState,
    config: ActivityConfig,
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    target: Target,
    payload: dict[str, Any],
    campaign_id: str,
) -> None:
    attempts = max(1, config.delivery_attempts)
    group = new_id()
    last: Attempt | None = None
    tried = 0
    for tried in range(1, attempts + 1):
        if target.webhook is not None and target.webhook.status != 1:
            break  # disabled meanwhile (by another delivery's failure): no more attempts
        async with gate:
            last = await post_once(client, target, payload)
        will_retry = not last.success and tried < attempts
        delay = config.retry_delay_seconds * tried
        _record_attempt(state, target, payload, last, tried, group, will_retry, delay)
        if last.success:
            break
        if will_retry:
            await asyncio.sleep(delay)
    if last is None:
        return
    _settle(state, target.webhook, success=last.success)
    state.webhook_log.append(
        WebhookDelivery(
            str(payload["event_type"]), campaign_id, last.success, tried, last.status_code
        )
    )
    if not last.success:
        log.warning(
            "instantly_fake.webhook.failed",
            event_type=payload["event_type"],
            campaign_id=campaign_id,
            status=last.status_code,
            attempts=tried,
        )


def _record_attempt(
    state: FakeInstantlyState,
    target: Target,
    payload: dict[str, Any],
    attempt: Attempt,
    number: int,
    group: str,
    will_retry: bool,
    delay: float,
) -> None:
    next_retry = None
    if will_retry:
        at = datetime.now(UTC) + timedelta(seconds=delay)
        next_retry = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    state.webhook_events.append(
        FakeWebhookEvent(
            id=new_id(),
            webhook_url=target.url,
            payload=payload,
            success=attempt.success,
            status_code=attempt.status_code,
            retry_count=number - 1,
            will_retry=will_retry,
            retry_group_id=group,
            error_message=attempt.error,
            response_time_ms=attempt.response_time_ms,
            timestamp_next_retry=next_retry,
            retry_successful=attempt.success if number > 1 else None,
        )
    )


def _settle(state: FakeInstantlyState, webhook: FakeWebhook | None, *, success: bool) -> None:
    """Count failed deliveries in a row; disable the webhook at the threshold."""
    if webhook is None:
        return
    with state.lock:
        if success:
            webhook.consecutive_failures = 0
            return
        webhook.consecutive_failures += 1
        if webhook.status == 1 and webhook.consecutive_failures >= state.webhook_disable_after:
            webhook.status = -1
            webhook.timestamp_error = iso_now()
            log.warning("instantly_fake.webhook.disabled", webhook_id=webhook.id)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
