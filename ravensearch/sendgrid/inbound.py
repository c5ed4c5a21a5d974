"""An Inbound Parse POST (multipart/form-data) → the reply it carries. Pure: no IO.

SendGrid posts the mail's raw header block as the `headers` field, `from`, `to`,
`subject`, `text`, `html`, `envelope` (JSON) and a `charsets` JSON saying how each field
is encoded; attachments come as further parts and are not read here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# RFC 3834 `Auto-Submitted`; the rest are the de-facto marks of vacation responders.
_AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})
_AUTO_FLAGS = ("X-Autoreply", "X-Autorespond")
_TEXT_FIELDS = ("headers", "from", "to", "subject", "text", "html", "envelope", "charsets")


class InvalidInbound(ValueError):
    """Not an Inbound Parse post; `str(exc)` says what is wrong (a 400)."""


@dataclass(frozen=True, slots=True)
class InboundEmail:
    """A received mail as Ravensearch reads it; Message-IDs without their angle brackets."""

    from_address: str | None  # lower-cased
    to_addresses: list[str]
    subject: str | None
    text: str | None
    html: str | None
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    is_auto_reply: bool
    headers: str


def parse_inbound(body: bytes, content_type: str) -> InboundEmail:
    """Read the form; raises `InvalidInbound` when it is not multipart or has no sender."""
    fields = _form_fields(body, content_type)
    headers_text = fields.get("headers", "")
    headers = HeaderParser().parsestr(headers_text)
    sender = fields.get("from") or str(headers.get("From", "") or "")
    if not sender:
        envelope = _envelope(fields.get("envelope"))
        sender = envelope if isinstance(envelope, str) else ""
    from_address = parseaddr(sender)[1].strip().lower() or None
    if from_address is None:
        raise InvalidInbound("The form has no 'from' field (nor a From header).")
    to_field = fields.get("to") or str(headers.get("To", "") or "")
    return InboundEmail(
        from_address=from_address,
        to_addresses=[addr.lower() for _, addr in getaddresses([to_field]) if addr],
        subject=fields.get("subject") or _header(headers, "Subject"),
        text=fields.get("text") or None,
        html=fields.get("html") or None,
        message_id=next(iter(message_ids(_header(headers, "Message-ID"))), None),
        in_reply_to=message_ids(_header(headers, "In-Reply-To")),
        references=message_ids(_header(headers, "References")),
        is_auto_reply=is_auto_reply(headers),
        headers=headers_text,
    )


def message_ids(value: str | None) -> list[str]:
    """The `<id>`s of a Message-ID, In-Reply-To or References header, brackets removed."""
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if found:
        return found
    bare = value.strip()
    return [bare] if bare and " " not in bare else []


def is_auto_reply(headers: Message) -> bool:
    submitted = (_header(headers, "Auto-Submitted") or "no").lower()
    if not submitted.startswith("no"):
        return True
    if any(headers.get(flag) is not None for flag in _AUTO_FLAGS):
        return True
    precedence = (_header(headers, "Precedence") or "").lower()
    return precedence in _AUTO_PRECEDENCE


def _form_fields(body: bytes, content_type: str) -> dict[str, str]:
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidInbound("Content-Type must be multipart/form-data.")
    if "boundary=" not in content_type.lower():
        raise InvalidInbound("Content-Type has no multipart boundary.")
    # The stdlib MIME parser reads form-data like any multipart message.
    head = b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    form = message_from_bytes(head + body)
    parts = form.get_payload() if form.is_multipart() else None
    if not isinstance(parts, list) or not parts:
        raise InvalidInbound("The body has no form fields for its multipart boundary.")
    raw: dict[str, bytes] = {}
    for part in parts:
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and name in _TEXT_FIELDS and name not in raw:
            payload = part.get_payload(decode=True)
            raw[name] = payload if isinstance(payload, bytes) else b""
    charsets = _charsets(raw.get("charsets", b""))
    return {name: _decode(value, charsets.get(name)) for name, value in raw.items()}


def _charsets(value: bytes) -> dict[str, str]:
    try:
        parsed = json.loads(value or b"{}")
    except (ValueError, RecursionError):
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {k: v for k, v in parsed.items() if isinstance(k, str) and isinstance(v, str)}


def _decode(value: bytes, charset: str | None) -> str:
    try:
        return value.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return value.decode("utf-8", errors="replace")


def _envelope(value: str | None) -> object:
    try:
        parsed = json.loads(value or "{}")
    except (ValueError, RecursionError):
        return None
    return parsed.get("from") if isinstance(parsed, dict) else None


def _header(headers: Message, name: str) -> str | None:
    value = headers.get(name)
    return str(value).strip() or None if value is not None else None
