"""Webhook routes of the fake: manage webhooks and read the delivery log (§5.4).

Bodies are checked like Instantly's AJV schemas (`additionalProperties: false`, types,
the event-type enum, `^https?://` URLs); ids are UUIDs; unknown ids answer 404.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Request

from ravensearch.instantly.fake import delivery
from ravensearch.instantly.fake.responses import (
    StateDep,
    bad_request,
    check_properties,
    cursor_page,
    not_found,
    parse_limit,
    read_json_object,
    require_uuid,
)
from ravensearch.instantly.fake.state import (
    ActivityConfig,
    FakeInstantlyState,
    FakeWebhook,
    FakeWebhookEvent,
)

router = APIRouter()

# The subscription enum of POST/PATCH /webhooks (§5.2); GET's filter lacks the last two.
EVENT_TYPES = (
    "all_events", "email_sent", "email_opened", "email_link_clicked", "reply_received",
    "email_bounced", "lead_unsubscribed", "campaign_completed", "account_error", "lead_neutral",
    "lead_interested", "lead_not_interested", "lead_meeting_booked", "lead_meeting_completed",
    "lead_closed", "lead_out_of_office", "lead_wrong_person", "lead_no_show",
    "supersearch_enrichment_completed",
)  # fmt: skip
LIST_FILTER_EVENT_TYPES = EVENT_TYPES[:-2]
WEBHOOK_FIELDS = {
    "target_hook_url", "event_type", "campaign", "name", "custom_interest_value", "headers"
}  # fmt: skip
URL_PATTERN = re.compile(r"^https?://")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _get_webhook(state: FakeInstantlyState, webhook_id: str) -> FakeWebhook:
    webhook = state.webhooks.get(require_uuid(webhook_id, "params/id"))
    if webhook is None:
        raise not_found()
    return webhook


def _check_webhook_body(body: dict[str, Any], *, creating: bool) -> None:
    required = ("target_hook_url",) if creating else ()
    check_properties(body, "body", allowed=WEBHOOK_FIELDS, required=required)
    if not creating and not body:
        raise bad_request("body must NOT have fewer than 1 properties")
    if "target_hook_url" in body:
        url = body["target_hook_url"]
        if not isinstance(url, str):
            raise bad_request("body/target_hook_url must be string")
        if not URL_PATTERN.match(url):
            raise bad_request('body/target_hook_url must match pattern "^https?://"')
        if not urlsplit(url).netloc:
            raise bad_request('body/target_hook_url must match format "uri"')
    event_type = body.get("event_type")
    if event_type is not None and not isinstance(event_type, str):
        raise bad_request("body/event_type must be string,null")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise bad_request("body/event_type must be equal to one of the allowed values")
    for name in ("campaign", "name"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise bad_request(f"body/{name} must be string,null")
    value = body.get("custom_interest_value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise bad_request("body/custom_interest_value must be number,null")
    headers = body.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            raise bad_request("body/headers must be object,null")
        for name, header in headers.items():
            if not isinstance(header, str):
                raise bad_request(f"body/headers/{name} must be string")


@router.post("/webhooks")
async def create_webhook(request: Request, state: StateDep) -> dict[str, Any]:
    body = await read_json_object(request)
    _check_webhook_body(body, creating=True)
    return state.add_webhook(**body).to_json()


@router.get("/webhooks")
async def list_webhooks(
    state: StateDep,
    limit: str | None = None,
    starting_after: str | None = None,
    campaign: str | None = None,
    event_type: str | None = None,
) -> dict[str, Any]:
    # GET /webhooks lists no scope in the spec (§1.2): any valid key may read it.
    if event_type is not None and event_type not in LIST_FILTER_EVENT_TYPES:
        raise bad_request("querystring/event_type must be equal to one of the allowed values")
    webhooks = list(state.webhooks.values())
    if campaign:
        webhooks = [w for w in webhooks if w.campaign == campaign]
    if event_type:
        webhooks = [w for w in webhooks if w.event_type == event_type]
    return cursor_page(
        webhooks,
        key=lambda w: w.id,
        render=FakeWebhook.to_json,
        limit=parse_limit(limit),
        starting_after=starting_after,
        cursor_on_last_page=state.cursor_on_last_page,
    )


@router.get("/webhooks/event-types")
async def event_types() -> dict[str, Any]:
    return {
        "event_types": [
            {"id": name, "label": name.replace("_", " ").capitalize(), "type": "standard"}
            for name in EVENT_TYPES
        ]
    }


@router.get("/webhooks/{webhook_id}")
async def get_webhook(webhook_id: str, request: Request, state: StateDep) -> dict[str, Any]:
    return _get_webhook(state, webhook_id).to_json()


@router.patch("/webhooks/{webhook_id}")
async def patch_webhook(webhook_id: str, request: Request, state: StateDep) -> dict[str, Any]:
    webhook = _get_webhook(state, webhook_id)
    body = await read_json_object(request)
    _check_webhook_body(body, creating=False)
    with state.lock:
        for name, value in body.items():
            setattr(webhook, name, value)
    return webhook.to_json()


@router.delete("/webhooks/{webhook_id}")
async def delete_webhook(webhook_id: str, request: Request, state: StateDep) -> dict[str, Any]:
    webhook = _get_webhook(state, webhook_id)
    with state.lock:
        state.webhooks.pop(webhook.id, None)
    return webhook.to_json()


@router.post("/webhooks/{webhook_id}/resume")
async def resume_webhook(webhook_id: str, request: Request, state: StateDep) -> dict[str, Any]:
    webhook = _get_webhook(state, webhook_id)
    with state.lock:
        webhook.status = 1
        webhook.timestamp_error = None
        webhook.consecutive_failures = 0
    return webhook.to_json()


@router.post("/webhooks/{webhook_id}/test")
async def test_webhook(webhook_id: str, state: StateDep) -> dict[str, Any]:
    """One test delivery, not retried and not logged (what Instantly's Test button does)."""
    webhook = _get_webhook(state, webhook_id)
    payload = {"event_type": "webhook_test", "timestamp": webhook.timestamp_created}
    target = delivery.Target(webhook.target_hook_url, dict(webhook.headers or {}), webhook)
    config = state.simulate_activity or ActivityConfig(webhook_url=webhook.target_hook_url)
    if config.http_client is not None:
        attempt = await delivery.post_once(config.http_client, target, payload)
    else:
        async with httpx.AsyncClient(timeout=10.0) as client:
            attempt = await delivery.post_once(client, target, payload)
    result: dict[str, Any] = {
        "success": attempt.success,
        "message": "Webhook test succeeded" if attempt.success else "Webhook test failed",
        "response_time_ms": attempt.response_time_ms,
    }
    if attempt.status_code is not None:
        result["status_code"] = attempt.status_code
    if attempt.error is not None:
        result["error"] = attempt.error
    return result


@router.get("/webhook-events")
async def list_webhook_events(
    request: Request,
    state: StateDep,
    limit: str | None = None,
    starting_after: str | None = None,
    success: str | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    since = _parse_date(request.query_params.get("from"), "from")
    until = _parse_date(request.query_params.get("to"), "to")
    if since and until and since > until:
        raise bad_request("Start Date must be earlier than End Date")
    events = list(state.webhook_events)
    if success is not None:
        if success not in ("true", "false"):
            raise bad_request("querystring/success must be boolean")
        events = [e for e in events if e.success is (success == "true")]
    if since:
        events = [e for e in events if e.created_date >= since.isoformat()]
    if until:
        events = [e for e in events if e.created_date <= until.isoformat()]
    if search:
        events = [e for e in events if search in (e.webhook_url, e.lead_email)]
    return cursor_page(
        events,
        key=lambda e: e.id,
        render=FakeWebhookEvent.to_json,
        limit=parse_limit(limit),
        starting_after=starting_after,
        cursor_on_last_page=state.cursor_on_last_page,
    )


def _parse_date(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        if not DATE_PATTERN.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f'querystring/{name} must match format "date"') from None
