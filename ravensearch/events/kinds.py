"""What each webhook `event_type` means, and the forward-only order of dispatch statuses.

Pure: no IO. Instantly's payload names, its subscription names and the design's dotted
names all map onto one `EventKind`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ravensearch.db.models import DispatchStatus


class EventKind(StrEnum):
    sent = "sent"
    opened = "opened"
    clicked = "clicked"
    replied = "replied"
    auto_replied = "auto_replied"
    bounced = "bounced"
    unsubscribed = "unsubscribed"
    interest = "interest"
    # SendGrid's delivery reports (Instantly sends none of these).
    delivered = "delivered"
    dropped = "dropped"
    spam_reported = "spam_reported"
    # A `bounce` of type `blocked`: the receiving server refused the message for now (its
    # policy, the sender's reputation), not the address: nothing is suppressed or stopped.
    blocked = "blocked"
    campaign_completed = "campaign_completed"
    account_error = "account_error"
    unknown = "unknown"


_KINDS: dict[str, EventKind] = {
    "email_sent": EventKind.sent,
    "email.sent": EventKind.sent,
    "email_opened": EventKind.opened,
    "email.opened": EventKind.opened,
    # Instantly delivers `link_clicked` but the subscription enum says `email_link_clicked`.
    "link_clicked": EventKind.clicked,
    "email_link_clicked": EventKind.clicked,
    "email.clicked": EventKind.clicked,
    "reply_received": EventKind.replied,
    "email.replied": EventKind.replied,
    "auto_reply_received": EventKind.auto_replied,
    "email_bounced": EventKind.bounced,
    "email.bounced": EventKind.bounced,
    "lead_unsubscribed": EventKind.unsubscribed,
    "campaign_completed": EventKind.campaign_completed,
    "account_error": EventKind.account_error,
}

# SendGrid's `event` names; processed, deferred and group_resubscribe have nothing to apply
# (a resubscribe lifts no suppression: a person decides that).
_SENDGRID_KINDS: dict[str, EventKind] = {
    "delivered": EventKind.delivered,
    "open": EventKind.opened,
    "click": EventKind.clicked,
    "bounce": EventKind.bounced,
    "dropped": EventKind.dropped,
    "spamreport": EventKind.spam_reported,
    "unsubscribe": EventKind.unsubscribed,
    "group_unsubscribe": EventKind.unsubscribed,
}

# Lead-status events → the `interest_status` they set on the dispatch.
INTEREST_STATUSES: dict[str, str] = {
    "lead_interested": "interested",
    "lead_not_interested": "not_interested",
    "lead_neutral": "neutral",
    "lead_meeting_booked": "meeting_booked",
    "lead_meeting_completed": "meeting_completed",
    "lead_closed": "closed",
    "lead_out_of_office": "out_of_office",
    "lead_wrong_person": "wrong_person",
    "lead_no_show": "no_show",
}

# Kinds that concern one lead and so need a matching dispatch to be applied.
DISPATCH_KINDS = frozenset(
    {
        EventKind.sent,
        EventKind.opened,
        EventKind.clicked,
        EventKind.replied,
        EventKind.auto_replied,
        EventKind.bounced,
        EventKind.unsubscribed,
        EventKind.interest,
        EventKind.delivered,
        EventKind.dropped,
        EventKind.spam_reported,
        EventKind.blocked,
    }
)
# Kinds after which no further step of a sequence is sent (SendGrid channel).
STOPPING_KINDS = frozenset(
    {
        EventKind.replied,
        EventKind.bounced,
        EventKind.unsubscribed,
        EventKind.spam_reported,
        EventKind.dropped,
    }
)


def classify(event_type: str) -> EventKind:
    """The meaning of an `event_type` as received; custom labels are `unknown`."""
    name = event_type.strip().lower()
    if name in INTEREST_STATUSES:
        return EventKind.interest
    return _KINDS.get(name, EventKind.unknown)


def classify_sendgrid(event_type: str, bounce_type: object = None) -> EventKind:
    """The meaning of a SendGrid Event Webhook `event` (and, for a bounce, its `type`:
    `bounce` is permanent, `blocked` temporary); types with nothing to apply are `unknown`."""
    kind = _SENDGRID_KINDS.get(event_type.strip().lower(), EventKind.unknown)
    if kind is EventKind.bounced and str(bounce_type or "").strip().lower() == "blocked":
        return EventKind.blocked
    return kind


def canonical_type(event_type: str) -> str:
    """One spelling per meaning (for dedupe); unknown types are kept as received."""
    name = event_type.strip().lower()
    kind = classify(name)
    if kind is EventKind.interest:
        return name
    if kind is EventKind.unknown:
        return event_type
    return kind.value


_RANK: dict[str, int] = {
    DispatchStatus.pending: 0,
    DispatchStatus.sent: 1,
    DispatchStatus.opened: 2,
    DispatchStatus.clicked: 3,
    DispatchStatus.replied: 4,
}
TERMINAL_STATUSES = frozenset({DispatchStatus.bounced, DispatchStatus.unsubscribed})


class EventTimes(Protocol):
    """A dispatch as `status_of` reads it: its status and first-occurrence times."""

    @property
    def status(self) -> str: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def opened_at(self) -> datetime | None: ...
    @property
    def clicked_at(self) -> datetime | None: ...
    @property
    def replied_at(self) -> datetime | None: ...
    @property
    def bounced_at(self) -> datetime | None: ...
    @property
    def unsubscribed_at(self) -> datetime | None: ...


def status_of(dispatch: EventTimes) -> str:
    """`resolve_status` of a dispatch's own times."""
    return resolve_status(
        dispatch.status,
        sent_at=dispatch.sent_at,
        opened_at=dispatch.opened_at,
        clicked_at=dispatch.clicked_at,
        replied_at=dispatch.replied_at,
        bounced_at=dispatch.bounced_at,
        unsubscribed_at=dispatch.unsubscribed_at,
    )


def resolve_status(
    current: str,
    *,
    sent_at: datetime | None = None,
    opened_at: datetime | None = None,
    clicked_at: datetime | None = None,
    replied_at: datetime | None = None,
    bounced_at: datetime | None = None,
    unsubscribed_at: datetime | None = None,
) -> str:
    """The dispatch status implied by its first-occurrence timestamps, never moving back.

    It depends only on which timestamps are set (not on the order events arrived), so
    applying the same events in any order ends in the same status. A bounce or an
    unsubscribe is terminal; when both happened, the earlier one wins (a tie: bounced).
    """
    terminal = [
        (at, rank, status)
        for rank, (at, status) in enumerate(
            ((bounced_at, DispatchStatus.bounced), (unsubscribed_at, DispatchStatus.unsubscribed))
        )
        if at is not None
    ]
    if terminal:
        return min(terminal)[2].value
    if current in TERMINAL_STATUSES:
        return current
    best = _RANK.get(current, 0)
    for at, status in (
        (sent_at, DispatchStatus.sent),
        (opened_at, DispatchStatus.opened),
        (clicked_at, DispatchStatus.clicked),
        (replied_at, DispatchStatus.replied),
    ):
        if at is not None:
            best = max(best, _RANK[status])
    return next(status for status, rank in _RANK.items() if rank == best)
