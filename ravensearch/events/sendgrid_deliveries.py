"""SendGrid's events and inbound replies → `Delivery` rows for the same `webhook_events` table.

Pure. Each event of a batch is its own row (its own dedupe key, its own state), so a batch
SendGrid redelivers after a timeout stores nothing new, and a reply posted twice is one
row. Every stored text is made storable and bounded here: PostgreSQL must never refuse a
row SendGrid would then retry for days.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from ravensearch.events.parsing import MAX_EMAIL, MAX_EVENT_TYPE, Delivery
from ravensearch.kit.text import storable_text
from ravensearch.sendgrid.events import SendGridEvent
from ravensearch.sendgrid.inbound import InboundEmail

SENDGRID_SOURCE = "sendgrid"
INBOUND_SOURCE = "sendgrid_inbound"
REPLY_EVENT_TYPE = "reply"
# The subject of the List-Unsubscribe mailto (RFC 2369) in every SendGrid email; a mail
# with this subject to the reply-to address is an unsubscribe, not a reply.
UNSUBSCRIBE_SUBJECT_TEXT = "unsubscribe"
UNSUBSCRIBE_SUBJECT = re.compile(r"(?:re:\s*)*unsubscribe", re.IGNORECASE)
# Bounds of what a stored reply keeps: enough for any human reply, not a whole thread of
# quoted HTML with inline images.
MAX_REPLY_TEXT = 100_000
MAX_REPLY_HEADERS = 20_000
MAX_REPLY_FIELD = 2_000


def event_deliveries(events: list[SendGridEvent]) -> list[Delivery]:
    return [_event_delivery(event) for event in events]


def _event_delivery(event: SendGridEvent) -> Delivery:
    # ASCII JSON: escapes keep NULs and lone surrogates out of the stored text.
    raw_body = json.dumps(event.raw, separators=(",", ":"))
    if event.sg_event_id is not None:
        identity = f"{SENDGRID_SOURCE}\x00{event.sg_event_id}"
    else:  # SendGrid always sends one; without it the event's whole body is its identity
        identity = f"{SENDGRID_SOURCE}-body\x00" + json.dumps(event.raw, sort_keys=True)
    occurred_at = (
        datetime.fromtimestamp(event.timestamp, UTC) if event.timestamp is not None else None
    )
    return Delivery(
        raw_body=raw_body,
        payload=event.raw,
        event_type=storable_text(event.event)[:MAX_EVENT_TYPE],
        dedupe_key=_key(identity),
        instantly_campaign_id=None,
        lead_email=_email(event.email),
        occurred_at=occurred_at,
        source=SENDGRID_SOURCE,
    )


def inbound_delivery(mail: InboundEmail) -> Delivery:
    """The stored form of a reply: its text parts and threading headers, bounded."""
    payload: dict[str, Any] = {
        "from": mail.from_address,
        "to": [_bounded(a, MAX_REPLY_FIELD) for a in mail.to_addresses[:50]],
        "subject": _bounded(mail.subject, MAX_REPLY_FIELD),
        "text": _bounded(mail.text, MAX_REPLY_TEXT),
        "html": _bounded(mail.html, MAX_REPLY_TEXT),
        "message_id": _bounded(mail.message_id, MAX_REPLY_FIELD),
        "in_reply_to": [_bounded(m, MAX_REPLY_FIELD) for m in mail.in_reply_to[:20]],
        "references": [_bounded(m, MAX_REPLY_FIELD) for m in mail.references[-50:]],
        "auto_reply": mail.is_auto_reply,
        "headers": _bounded(mail.headers, MAX_REPLY_HEADERS),
    }
    if mail.message_id:
        identity = f"{INBOUND_SOURCE}\x00{mail.message_id}"
    else:  # no Message-ID (rare): the same sender, subject and text is the same reply
        parts = [mail.from_address, mail.subject, mail.text, mail.html]
        identity = f"{INBOUND_SOURCE}-body\x00" + json.dumps(parts)
    return Delivery(
        raw_body=json.dumps(payload, separators=(",", ":")),
        payload=payload,
        event_type=REPLY_EVENT_TYPE,
        dedupe_key=_key(identity),
        instantly_campaign_id=None,
        lead_email=_email(mail.from_address),
        occurred_at=None,
        source=INBOUND_SOURCE,
    )


def _key(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


def _email(value: str | None) -> str | None:
    if not value:
        return None
    email = storable_text(value).strip().lower()
    return email if email and len(email) <= MAX_EMAIL else None


def _bounded(value: str | None, limit: int) -> str | None:
    return storable_text(value)[:limit] if value else None
