"""What one stored event changes: dispatch timestamps and status, suppressions, notifications.

Pure (no IO): an effect changes the loaded records in memory and queues its inserts in
`Writes`; the service writes a whole batch at once. What can reject an event is checked
before anything is changed.

Total: every text taken from a payload is made storable (NUL dropped, lone surrogates
replaced, cut to its column), and what cannot apply raises `EventRejected` with the reason
(the event ends `ignored`, never stuck in `failed`).

Every effect is order-safe. A `*_at` keeps the first occurrence (the smallest event time),
texts come from the first reply / bounce, the interest status from the latest lead-status
event, and the status is recomputed from the timestamps, so the same events applied in any
order, or applied twice, end in the same rows.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ravensearch.db.models import EventState, NotificationKind, SuppressionKind
from ravensearch.errors import InvalidInput
from ravensearch.events.kinds import (
    DISPATCH_KINDS,
    INTEREST_STATUSES,
    STOPPING_KINDS,
    EventKind,
    status_of,
)
from ravensearch.events.records import CampaignRef, DispatchState, StoredEvent
from ravensearch.events.sendgrid_deliveries import INBOUND_SOURCE, SENDGRID_SOURCE
from ravensearch.kit.text import storable_text
from ravensearch.notifications.schemas import NotificationCreate
from ravensearch.pipeline.service import PipelineSignal
from ravensearch.suppressions.service import SuppressionEntry, parse_value

SNIPPET_CHARS = 280
MAX_SUBJECT = 500
MAX_URL = 500
MAX_TITLE = 300  # notifications.title
# Lead-status changes worth telling the admin about (the others only update the dispatch).
NOTIFY_INTEREST = {"interested": "Interested:", "meeting_booked": "Meeting booked:"}
# Events whose notification is titled with the target's business name.
NOTIFYING_KINDS = frozenset(
    {
        EventKind.replied,
        EventKind.bounced,
        EventKind.unsubscribed,
        EventKind.spam_reported,
        EventKind.interest,
    }
)
# Kind → (suppression reason, suppression source).
_SUPPRESSIONS = {
    EventKind.bounced: ("Bounced", "bounce"),
    EventKind.unsubscribed: ("Unsubscribed", "unsubscribe"),
    EventKind.spam_reported: ("Spam report", "spam_report"),
    EventKind.dropped: ("Dropped", "bounce"),
}
# SendGrid drops mail to addresses on its own lists ("Bounced Address", "Invalid",
# "Spam Reporting Address", "Unsubscribed Address"): those addresses are suppressed here
# too. Other drops ("Invalid SMTPAPI header", quota) say nothing about the address.
_ADDRESS_DROP = re.compile(r"bounce|invalid(?! smtpapi)|spam|unsubscrib", re.IGNORECASE)
_CHANNEL_NAMES = {SENDGRID_SOURCE: "SendGrid", INBOUND_SOURCE: "SendGrid"}
_ACCOUNT_ERROR_FIELDS = ("error_message", "error", "reason", "message", "description")


class EventRejected(ValueError):
    """The event can never be applied as it is (missing or unusable fields): `ignored`."""


@dataclass(eq=False)  # one context per event, hashed by identity
class EventContext:
    """One event with what it matched; `at` is when it happened (payload time, else receipt)."""

    event: StoredEvent
    payload: dict[str, Any]
    kind: EventKind
    at: datetime
    campaign: CampaignRef | None = None
    dispatch: DispatchState | None = None
    business_name: str | None = None  # of the dispatch's target, for notification titles
    # The event names one of our dispatches (SendGrid custom_args) or reached our inbound
    # address: without a dispatch it is `unmatched` (kept for a retry), never `foreign`.
    claimed: bool = False
    unmatched_reason: str | None = None


@dataclass
class Writes:
    """Rows to insert once the batch is done (all inserts ignore duplicates)."""

    sent_steps: dict[tuple[uuid.UUID, int], datetime] = field(default_factory=dict)
    suppressions: dict[str, SuppressionEntry] = field(default_factory=dict)
    notifications: list[NotificationCreate] = field(default_factory=list)
    completed_campaigns: set[uuid.UUID] = field(default_factory=set)
    # Replies and lead-status changes for the recruiting pipeline (applied by its service).
    pipeline: list[PipelineSignal] = field(default_factory=list)
    # Dispatches whose sequence stops: no next step, queued emails cancelled.
    stopped: set[uuid.UUID] = field(default_factory=set)

    def merge(self, other: Writes) -> None:
        for key, at in other.sent_steps.items():
            self.sent_steps[key] = min(at, self.sent_steps.get(key, at))
        for value, entry in other.suppressions.items():
            self.suppressions.setdefault(value, entry)
        self.notifications.extend(other.notifications)
        self.completed_campaigns |= other.completed_campaigns
        self.pipeline.extend(other.pipeline)
        self.stopped |= other.stopped


def apply_event(ctx: EventContext, writes: Writes) -> EventState:
    """Apply one event in memory; returns its new state or raises `EventRejected`."""
    if ctx.kind in DISPATCH_KINDS:
        if ctx.event.source == "instantly" and not ctx.event.instantly_campaign_id:
            raise EventRejected("event has no campaign_id")
        if not ctx.event.lead_email:
            raise EventRejected(_no_lead_email(ctx.payload))
        if _suppresses(ctx):
            # A bounced address is never emailed again, even before its dispatch is known.
            _suppress(ctx, writes)
        if ctx.dispatch is None:
            if ctx.campaign is None and not ctx.claimed:
                return EventState.foreign
            return EventState.unmatched
        _apply_to_dispatch(ctx, ctx.dispatch, writes)
        return EventState.applied
    if ctx.kind is EventKind.campaign_completed:
        if not ctx.event.instantly_campaign_id:
            raise EventRejected("event has no campaign_id")
        if ctx.campaign is None:
            return EventState.foreign
        _apply_campaign_completed(ctx, ctx.campaign, writes)
        return EventState.applied
    if ctx.kind is EventKind.account_error:
        _apply_account_error(ctx, writes)
        return EventState.applied
    # Custom labels and types we do not know: kept (raw body and all) but not applied.
    return EventState.ignored


def _apply_to_dispatch(ctx: EventContext, dispatch: DispatchState, writes: Writes) -> None:
    payload, at = ctx.payload, ctx.at
    if ctx.kind is EventKind.sent:
        dispatch.sent_at = _first(dispatch.sent_at, at)
        key = (dispatch.id, _step(payload))
        writes.sent_steps[key] = min(at, writes.sent_steps.get(key, at))
    elif ctx.kind is EventKind.opened:
        dispatch.opened_at = _first(dispatch.opened_at, at)
    elif ctx.kind is EventKind.clicked:
        dispatch.clicked_at = _first(dispatch.clicked_at, at)
    elif ctx.kind is EventKind.replied:
        _apply_reply(ctx, dispatch, writes)
    elif ctx.kind is EventKind.auto_replied:
        if _is_first(dispatch.auto_replied_at, at):
            dispatch.auto_reply_text = (
                inbound_text(payload)
                if ctx.event.source == INBOUND_SOURCE
                else text_of(payload, "reply_text", "reply_text_snippet")
            )
        dispatch.auto_replied_at = _first(dispatch.auto_replied_at, at)
    elif ctx.kind is EventKind.bounced:
        # Instantly's bounce payload documents no reason (instantly_v2.md §5.1), so there
        # `bounce_reason` stays empty and the page says "no reason given"; SendGrid's has one.
        if ctx.event.source == SENDGRID_SOURCE and _is_first(dispatch.bounced_at, at):
            dispatch.bounce_reason = text_of(payload, "reason")
        dispatch.bounced_at = _first(dispatch.bounced_at, at)
        _notify(ctx, writes, NotificationKind.bounce, "Bounced:", dispatch.bounce_reason)
    elif ctx.kind is EventKind.unsubscribed:
        dispatch.unsubscribed_at = _first(dispatch.unsubscribed_at, at)
        _notify(ctx, writes, NotificationKind.unsubscribe, "Unsubscribed:", None)
    elif ctx.kind is EventKind.spam_reported:
        # A spam complaint is the strongest unsubscribe there is.
        dispatch.spam_reported_at = _first(dispatch.spam_reported_at, at)
        dispatch.unsubscribed_at = _first(dispatch.unsubscribed_at, at)
        _notify(ctx, writes, NotificationKind.unsubscribe, "Spam report:", None)
    elif ctx.kind is EventKind.blocked:
        # Kept readable on the row; a later real bounce writes its own reason over it.
        if dispatch.bounced_at is None:
            dispatch.bounce_reason = blocked_note(text_of(payload, "reason"))
    elif ctx.kind is EventKind.delivered:
        dispatch.delivered_at = _first(dispatch.delivered_at, at)
    elif ctx.kind is EventKind.dropped:
        dispatch.dropped_at = _first(dispatch.dropped_at, at)
    elif ctx.kind is EventKind.interest:
        _apply_interest(ctx, dispatch, writes)
    dispatch.status = status_of(dispatch)
    if ctx.kind in STOPPING_KINDS:
        writes.stopped.add(dispatch.id)


def _apply_reply(ctx: EventContext, dispatch: DispatchState, writes: Writes) -> None:
    payload = ctx.payload
    inbound = ctx.event.source == INBOUND_SOURCE
    if inbound:
        text = body = inbound_text(payload)
        subject = text_of(payload, "subject")
    else:
        text = text_of(payload, "reply_text", "reply_text_snippet")
        body = text_of(payload, "reply_text_snippet", "reply_text")
        subject = text_of(payload, "reply_subject")
    if _is_first(dispatch.replied_at, ctx.at):
        dispatch.reply_text = text
        dispatch.reply_subject = subject[:MAX_SUBJECT] if subject else None
        dispatch.unibox_url = _url(payload) or dispatch.unibox_url
    dispatch.replied_at = _first(dispatch.replied_at, ctx.at)
    _notify(ctx, writes, NotificationKind.reply, "Reply from", body, link=_url(payload))
    writes.pipeline.append(PipelineSignal(dispatch.technician_id, ctx.at, ctx.event.id))


def _apply_interest(ctx: EventContext, dispatch: DispatchState, writes: Writes) -> None:
    status = INTEREST_STATUSES[ctx.event.event_type.strip().lower()]
    # The latest lead-status event wins, whatever order they arrive in.
    if dispatch.interest_at is None or ctx.at >= dispatch.interest_at:
        dispatch.interest_status = status
        dispatch.interest_at = ctx.at
    if status in NOTIFY_INTEREST:
        _notify(ctx, writes, NotificationKind.interest, NOTIFY_INTEREST[status], None)
    # Every event, not only the latest: the pipeline moves forward only, whatever the order.
    writes.pipeline.append(PipelineSignal(dispatch.technician_id, ctx.at, ctx.event.id, status))


def _apply_campaign_completed(ctx: EventContext, campaign: CampaignRef, writes: Writes) -> None:
    writes.completed_campaigns.add(campaign.id)
    writes.notifications.append(
        NotificationCreate(
            kind=NotificationKind.campaign_completed,
            title=f"Campaign completed: {campaign.name}",
            body="Instantly finished sending every step of this campaign.",
            campaign_id=campaign.id,
            event_id=ctx.event.id,
        )
    )


def _apply_account_error(ctx: EventContext, writes: Writes) -> None:
    account = text_of(ctx.payload, "email_account")
    detail = text_of(ctx.payload, *_ACCOUNT_ERROR_FIELDS)
    writes.notifications.append(
        NotificationCreate(
            kind=NotificationKind.account_error,
            title=_title(
                f"Instantly account error: {account}" if account else "Instantly account error"
            ),
            body=detail or "Instantly reported a problem with a sending account; check it there.",
            campaign_id=ctx.campaign.id if ctx.campaign else None,
            event_id=ctx.event.id,
        )
    )


def _suppresses(ctx: EventContext) -> bool:
    if ctx.kind is EventKind.dropped:
        reason = text_of(ctx.payload, "reason")
        return reason is not None and _ADDRESS_DROP.search(reason) is not None
    return ctx.kind in _SUPPRESSIONS


def _suppress(ctx: EventContext, writes: Writes) -> None:
    email = ctx.event.lead_email or ""
    try:
        value, kind = parse_value(email)
    except InvalidInput:
        kind = None
    if kind is not SuppressionKind.email:
        raise EventRejected(f"lead email {email!r} is not an email address")
    label, source = _SUPPRESSIONS[ctx.kind]
    channel = _CHANNEL_NAMES.get(ctx.event.source, "Instantly")
    reason = f"{label} ({channel} webhook)"
    if ctx.kind is EventKind.dropped:
        why = text_of(ctx.payload, "reason") or ""
        reason += f": {why}"
        # Listed by SendGrid for a complaint or an unsubscribe: the same source as those.
        for word, listed in (("spam", "spam_report"), ("unsubscrib", "unsubscribe")):
            source = listed if word in why.lower() else source
    writes.suppressions.setdefault(value, SuppressionEntry(value, reason, source))


def _notify(
    ctx: EventContext,
    writes: Writes,
    kind: NotificationKind,
    title_prefix: str,
    body: str | None,
    *,
    link: str | None = None,
) -> None:
    dispatch = ctx.dispatch
    assert dispatch is not None
    who = ctx.business_name or dispatch.email
    writes.notifications.append(
        NotificationCreate(
            kind=kind,
            title=_title(f"{title_prefix} {who}"),
            body=snippet(body) if body else None,
            link=link,
            campaign_id=dispatch.campaign_id,
            target_id=dispatch.technician_id,
            event_id=ctx.event.id,
        )
    )


def blocked_note(reason: str | None) -> str:
    """What a dispatch says after a SendGrid block (a temporary refusal, not a bad address)."""
    said = f": {reason}" if reason else ""
    return f"Blocked for now by the receiving server (not a bad address; not suppressed){said}"


def text_of(payload: dict[str, Any], *fields: str) -> str | None:
    """The first of `fields` holding a non-blank string, made storable."""
    for name in fields:
        value = payload.get(name)
        if isinstance(value, str):
            value = storable_text(value).strip()
            if value:
                return value
    return None


def inbound_text(payload: dict[str, Any]) -> str | None:
    """A received reply's plain text, or its HTML reduced to text when it has none."""
    text = text_of(payload, "text")
    if text is not None:
        return text
    markup = text_of(payload, "html")
    if markup is None:
        return None
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    flat = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return re.sub(r"[ \t]+", " ", flat).strip() or None


def _no_lead_email(payload: dict[str, Any]) -> str:
    value = payload.get("lead_email", payload.get("email"))
    if value is None or isinstance(value, str):
        return "event has no lead_email"
    return f"lead_email is a JSON {type(value).__name__}, not an email address"


def _title(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def snippet(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1].rstrip() + "…"


def _url(payload: dict[str, Any]) -> str | None:
    url = text_of(payload, "unibox_url")
    return url if url and len(url) <= MAX_URL else None


def _step(payload: dict[str, Any]) -> int:
    """Instantly's 1-based sequence step; 1 when absent or unreadable."""
    value = payload.get("step")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return value
    return 1


def _is_first(current: datetime | None, at: datetime) -> bool:
    return current is None or at < current


def _first(current: datetime | None, at: datetime) -> datetime:
    return at if current is None else min(current, at)
