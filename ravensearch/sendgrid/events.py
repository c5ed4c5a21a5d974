"""An Event Webhook body (a JSON array of events) → typed events. Pure: no IO.

SendGrid puts the `custom_args` of the email as top-level keys of each of its events, so
`dispatch_id`, `campaign_id` and `step` are read from the event itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

# Every type SendGrid documents; others are kept as they are (SendGrid may add some).
DELIVERY_EVENTS = frozenset({"processed", "deferred", "delivered", "bounce", "dropped"})
ENGAGEMENT_EVENTS = frozenset(
    {"open", "click", "spamreport", "unsubscribe", "group_unsubscribe", "group_resubscribe"}
)


class InvalidEventBatch(ValueError):
    """The body is not an Event Webhook batch; `str(exc)` says what is wrong (a 400)."""


@dataclass(frozen=True, slots=True)
class SendGridEvent:
    """One event of a batch, with the fields Ravensearch reads; `raw` is all of it."""

    event: str
    email: str | None
    timestamp: int | None  # Unix seconds
    sg_event_id: str | None
    sg_message_id: str | None
    dispatch_id: str | None
    campaign_id: str | None
    step: str | None
    reason: str | None
    raw: dict[str, Any]


def parse_event_batch(body: bytes) -> list[SendGridEvent]:
    """Decode a batch; raises `InvalidEventBatch` naming the first thing wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEventBatch("Body is not UTF-8 text.") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidEventBatch("Body is not valid JSON.") from None
    if not isinstance(payload, list):
        raise InvalidEventBatch("Body must be a JSON array of events.")
    return [_event(item, index) for index, item in enumerate(payload)]


def _event(item: object, index: int) -> SendGridEvent:
    if not isinstance(item, dict):
        raise InvalidEventBatch(f"Event {index} is not a JSON object.")
    name = item.get("event")
    if not isinstance(name, str) or not name.strip():
        raise InvalidEventBatch(f"Event {index} has no 'event' string.")
    return SendGridEvent(
        event=name.strip(),
        email=_text(item.get("email")),
        timestamp=_unix_time(item.get("timestamp")),
        sg_event_id=_text(item.get("sg_event_id")),
        sg_message_id=_text(item.get("sg_message_id")),
        dispatch_id=_text(item.get("dispatch_id")),
        campaign_id=_text(item.get("campaign_id")),
        step=_text(item.get("step")),
        reason=_text(item.get("reason")),
        raw=item,
    )


def _text(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _unix_time(value: object) -> int | None:
    """SendGrid sends an integer; a float or a numeric string is read too, anything else
    (or a time outside years 1970–9999) is None and the receipt time is used."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if math.isnan(value) or not 0 <= value < 253402300800:  # past 9999-12-31
        return None
    return int(value)
