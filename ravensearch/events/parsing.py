"""A webhook body → the few fields we index, and the key that makes redeliveries collapse.

Pure and fast: the intake endpoint calls `parse_delivery` once per request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ravensearch.events.kinds import EventKind, canonical_type, classify
from ravensearch.kit.clock import parse_iso
from ravensearch.kit.text import is_storable_text

# Column sizes of `webhook_events`; a longer value would make PostgreSQL refuse the row.
MAX_EVENT_TYPE = 80
MAX_CAMPAIGN_ID = 64
MAX_EMAIL = 320
# What `json.dumps(parts, ensure_ascii=False)` does, without building an encoder per call
# (the same bytes, so keys stored before still match).
_KEY_ENCODER = json.JSONEncoder(ensure_ascii=False)


class InvalidDelivery(ValueError):
    """The body is not an event we can store; `str(exc)` says why (answered as a 400)."""


class UnstorableDelivery(InvalidDelivery):
    """The database refused a value of the event: no retry will store it (a 400 too)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook body, parsed once, with what `webhook_events` indexes."""

    raw_body: str
    payload: dict[str, Any]
    event_type: str
    dedupe_key: str
    instantly_campaign_id: str | None
    lead_email: str | None
    occurred_at: datetime | None
    source: str = "instantly"  # or "sendgrid", "sendgrid_inbound" (events/sendgrid_deliveries.py)


def parse_delivery(body: bytes) -> Delivery:
    """Decode and check a webhook body; raises `InvalidDelivery` with a human reason."""
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidDelivery("Body is not UTF-8 text.") from None
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidDelivery("Body is not valid JSON.") from None
    return delivery_from_payload(payload, raw)


def delivery_from_payload(payload: object, raw_body: str) -> Delivery:
    if not isinstance(payload, dict):
        raise InvalidDelivery("Body must be a JSON object.")
    event_type = payload.get("event_type")
    if not isinstance(event_type, str) or not event_type.strip():
        raise InvalidDelivery("Body must have a non-empty string 'event_type'.")
    _check_storable(event_type, "event_type")
    campaign_id = _identifier(payload.get("campaign_id"), "campaign_id", MAX_CAMPAIGN_ID)
    lead_email = lead_email_of(payload)
    if lead_email is not None:
        _check_storable(lead_email, "lead_email", MAX_EMAIL)
    try:
        key = dedupe_key(payload, event_type=event_type, lead_email=lead_email)
    except (ValueError, RecursionError):
        raise InvalidDelivery("Body is nested too deeply.") from None
    return Delivery(
        raw_body=raw_body,
        payload=payload,
        event_type=event_type.strip()[:MAX_EVENT_TYPE],
        dedupe_key=key,
        instantly_campaign_id=campaign_id,
        lead_email=lead_email,
        occurred_at=parse_iso(payload.get("timestamp")),
    )


def lead_email_of(payload: dict[str, Any]) -> str | None:
    """Instantly sends `lead_email`; the merged lead data also carries `email`."""
    for field in ("lead_email", "email"):
        value = payload.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def dedupe_key(
    payload: dict[str, Any], *, event_type: str | None = None, lead_email: str | None = None
) -> str:
    """SHA-256 hex of the fields that identify one delivery.

    Instantly sends no event id and redelivers on failure, so the key is built from
    what stays the same across redeliveries. Custom or unknown types have no known
    identity, so their whole canonical body is the key.
    """
    event_type = event_type if event_type is not None else str(payload.get("event_type", ""))
    if classify(event_type) is EventKind.unknown:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        parts: list[str] = ["custom", body]
    else:
        if lead_email is None:
            lead_email = lead_email_of(payload)
        timestamp = payload.get("timestamp")
        parsed = parse_iso(timestamp)
        parts = [
            canonical_type(event_type),
            _scalar(payload.get("campaign_id")),
            lead_email or "",
            _scalar(payload.get("email_id")),
            _scalar(payload.get("step")),
            _scalar(payload.get("variant")),
            parsed.isoformat() if parsed is not None else _scalar(timestamp),
        ]
    encoded = _KEY_ENCODER.encode(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(encoded).hexdigest()


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _identifier(value: object, name: str, max_length: int) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidDelivery(f"'{name}' must be a string.")
    value = value.strip()
    _check_storable(value, name, max_length)
    return value


def _check_storable(value: str, name: str, max_length: int | None = None) -> None:
    # PostgreSQL refuses NUL characters and lone surrogates, and over-long strings in a
    # VARCHAR: answer 400 now rather than fail the INSERT (a 503 Instantly would retry).
    if max_length is not None and len(value) > max_length:
        raise InvalidDelivery(f"'{name}' must be at most {max_length} characters.")
    if not is_storable_text(value):
        raise InvalidDelivery(
            f"'{name}' must not contain NUL characters or unpaired UTF-16 surrogates."
        )
