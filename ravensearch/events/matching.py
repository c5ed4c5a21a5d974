"""Which campaign and dispatch each event of a batch concerns, loaded in a few queries.

Instantly names its campaign and the lead's email. SendGrid events carry our dispatch id
(the email's `custom_args`). An inbound reply points at one of our Message-IDs through
In-Reply-To / References, or failing that comes from the address of a SendGrid dispatch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from ravensearch.events.effects import NOTIFYING_KINDS, EventContext
from ravensearch.events.kinds import DISPATCH_KINDS, EventKind, classify, classify_sendgrid
from ravensearch.events.records import StoredEvent
from ravensearch.events.repository import WebhookEventRepository
from ravensearch.events.sendgrid_deliveries import (
    INBOUND_SOURCE,
    SENDGRID_SOURCE,
    UNSUBSCRIBE_SUBJECT,
)
from ravensearch.kit.clock import as_utc


async def load_contexts(
    repository: WebhookEventRepository, events: Sequence[StoredEvent]
) -> dict[uuid.UUID, EventContext]:
    """Parse every event and load the campaigns, dispatches (locked) and target names the
    batch needs. Unparseable events are left out."""
    contexts: dict[uuid.UUID, EventContext] = {}
    for event in events:
        try:
            payload = json.loads(event.raw_body)
        except (ValueError, RecursionError):
            continue
        if isinstance(payload, dict):
            at = as_utc(event.occurred_at or event.received_at)
            contexts[event.id] = EventContext(event, payload, _kind(event, payload), at)
    ours = (SENDGRID_SOURCE, INBOUND_SOURCE)
    by_key = await _match_instantly(
        repository, [c for c in contexts.values() if c.event.source not in ours]
    )
    wanted = [c for c in contexts.values() if c.kind in DISPATCH_KINDS]
    by_id = await _match_sendgrid(repository, [c for c in wanted if c.event.source in ours])
    dispatches = await repository.lock_dispatches(set(by_key.values()), ids=set(by_id.values()))
    found_by_key = {(d.campaign_id, d.email): d for d in dispatches}
    found_by_id = {d.id: d for d in dispatches}
    for ctx, key in by_key.items():
        ctx.dispatch = found_by_key.get(key)
    for ctx, dispatch_id in by_id.items():
        ctx.dispatch = found_by_id.get(dispatch_id)
        if ctx.dispatch is None:
            ctx.unmatched_reason = f"dispatch {dispatch_id} is not (or no longer) here"
    campaign_ids = {ctx.dispatch.campaign_id for ctx in by_id if ctx.dispatch is not None}
    campaign_ids |= {cid for ctx in by_id if (cid := _uuid(ctx.payload.get("campaign_id")))}
    campaigns = await repository.campaigns_by_id(campaign_ids)
    for ctx in by_id:
        named = _uuid(ctx.payload.get("campaign_id"))
        owner = ctx.dispatch.campaign_id if ctx.dispatch is not None else named
        ctx.campaign = campaigns.get(owner) if owner is not None else None
    notifying = [c for c in wanted if c.dispatch and c.kind in NOTIFYING_KINDS]
    names = await repository.business_names(
        {c.dispatch.technician_id for c in notifying if c.dispatch}
    )
    for ctx in notifying:
        if ctx.dispatch:
            ctx.business_name = names.get(ctx.dispatch.technician_id)
    return contexts


def _kind(event: StoredEvent, payload: dict[str, Any]) -> EventKind:
    if event.source == SENDGRID_SOURCE:
        return classify_sendgrid(event.event_type, payload.get("type"))
    if event.source == INBOUND_SOURCE:
        if payload.get("auto_reply") is True:
            return EventKind.auto_replied
        # The List-Unsubscribe mailto: a mail client's "Unsubscribe" sends exactly this.
        subject = str(payload.get("subject") or "")
        if UNSUBSCRIBE_SUBJECT.fullmatch(subject.strip()):
            return EventKind.unsubscribed
        return EventKind.replied
    return classify(event.event_type)


async def _match_instantly(
    repository: WebhookEventRepository, contexts: list[EventContext]
) -> dict[EventContext, tuple[uuid.UUID, str]]:
    campaigns = await repository.campaigns_by_instantly_id(
        {c.event.instantly_campaign_id for c in contexts if c.event.instantly_campaign_id}
    )
    keys: dict[EventContext, tuple[uuid.UUID, str]] = {}
    for ctx in contexts:
        if ctx.event.instantly_campaign_id:
            ctx.campaign = campaigns.get(ctx.event.instantly_campaign_id)
        if ctx.campaign and ctx.event.lead_email and ctx.kind in DISPATCH_KINDS:
            keys[ctx] = (ctx.campaign.id, ctx.event.lead_email)
    return keys


async def _match_sendgrid(
    repository: WebhookEventRepository, contexts: list[EventContext]
) -> dict[EventContext, uuid.UUID]:
    """The dispatch id each SendGrid event or reply points at (unmatched ones get a reason)."""
    ids: dict[EventContext, uuid.UUID] = {}
    replies: list[EventContext] = []
    for ctx in contexts:
        if ctx.event.source == INBOUND_SOURCE:
            ctx.claimed = True  # it reached our inbound address
            replies.append(ctx)
            continue
        raw_id = ctx.payload.get("dispatch_id")
        dispatch_id = _uuid(raw_id)
        if dispatch_id is not None:
            ctx.claimed = True
            ids[ctx] = dispatch_id
        elif raw_id is not None:
            ctx.claimed = True
            ctx.unmatched_reason = f"custom_args dispatch_id {raw_id!r} is not a UUID"
    threads = {ctx: _thread_ids(ctx.payload) for ctx in replies}
    by_message = await repository.dispatches_by_message_id(
        {m for found in threads.values() for m in found}
    )
    by_sender: list[EventContext] = []
    for ctx, thread in threads.items():
        match = next((by_message[m] for m in thread if m in by_message), None)
        if match is not None:
            ids[ctx] = match
        else:
            by_sender.append(ctx)
    latest = await repository.latest_sendgrid_dispatches(
        {c.event.lead_email for c in by_sender if c.event.lead_email}
    )
    for ctx in by_sender:
        match = latest.get(ctx.event.lead_email or "")
        if match is not None:
            ids[ctx] = match
        else:
            ctx.unmatched_reason = (
                "no email we sent has a Message-ID in its In-Reply-To or References, "
                f"and no SendGrid dispatch went to {ctx.event.lead_email or 'its sender'}"
            )
    return ids


def _thread_ids(payload: dict[str, Any]) -> list[str]:
    """In-Reply-To first, then References from the most recent back."""
    found: list[str] = []
    for name, reverse in (("in_reply_to", False), ("references", True)):
        values = payload.get(name)
        if isinstance(values, list):
            found += [v for v in (reversed(values) if reverse else values) if isinstance(v, str)]
    return found


def _uuid(value: object) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None
