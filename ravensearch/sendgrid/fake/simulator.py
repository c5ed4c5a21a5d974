"""Playing SendGrid's side after a send: signed Event Webhook batches and Inbound Parse replies
about the mail the fake accepted, posted to a Ravensearch base URL (REFERENCE.md §4–§6).

It signs with its own P-256 key (`public_key` is what Ravensearch's
SENDGRID_WEBHOOK_PUBLIC_KEY must hold) and can also sign stale or forged batches.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from email.utils import formatdate
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ravensearch.kit.closing import AsyncClosing
from ravensearch.sendgrid.fake.state import FakeMessage
from ravensearch.sendgrid.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generate_key_pair,
    sign,
)

EventKind = Literal[
    "processed",
    "deferred",
    "delivered",
    "open",
    "click",
    "bounce",
    "dropped",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
    "group_resubscribe",
]
EVENTS_PATH = "/api/webhooks/sendgrid"
INBOUND_PATH = "/api/webhooks/sendgrid/inbound/{secret}"
USER_AGENT = "SendGrid Event API"
_IP = "192.0.2.10"  # TEST-NET-1: no real address
_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"


class SendGridSimulator(AsyncClosing):
    """Posts what SendGrid would post about `FakeMessage`s to `base_url` (Ravensearch).

    ```python
    simulator = SendGridSimulator(base_url="http://testserver", transport=ASGITransport(web))
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = simulator.public_key
    await simulator.post_events([simulator.event(m, "delivered") for m in fake.messages])
    ```
    """

    def __init__(
        self,
        *,
        base_url: str,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if private_key is None:
            private_key, self.public_key = generate_key_pair()
        else:
            self.public_key = _public_text(private_key)
        self.private_key = private_key
        self._clock = clock
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- events ----------------------------------------------------------------------

    def event(self, message: FakeMessage, kind: EventKind, **extra: Any) -> dict[str, Any]:
        """One event about `message` with the fields SendGrid documents for `kind`; its
        custom_args become top-level keys. `extra` adds or overrides fields."""
        event: dict[str, Any] = {
            **message.custom_args,
            "email": message.to,
            "timestamp": int(self._clock()),
            "event": kind,
            "sg_event_id": secrets.token_urlsafe(16),
            "sg_message_id": message.sg_message_id,
            "smtp-id": f"<{message.x_message_id}@ismtpd-fake>",
        }
        if message.categories:
            event["category"] = list(message.categories)
        event.update(_documented_fields(kind))
        event.update(extra)
        return event

    def events_for(
        self, messages: Sequence[FakeMessage], kinds: Sequence[EventKind]
    ) -> list[dict[str, Any]]:
        """Each kind, in order, for every message (e.g. processed, delivered, open)."""
        return [self.event(message, kind) for message in messages for kind in kinds]

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """The two signature headers for `body`, signed now (or at `timestamp`)."""
        stamp = str(int(self._clock()) if timestamp is None else timestamp)
        return {
            SIGNATURE_HEADER: sign(self.private_key, timestamp=stamp, body=body),
            TIMESTAMP_HEADER: stamp,
        }

    def stale_headers(self, body: bytes, *, age_seconds: int = 3600) -> dict[str, str]:
        """Validly signed, but `age_seconds` ago: a replay to be refused."""
        return self.sign(body, timestamp=int(self._clock()) - age_seconds)

    def forged_headers(self, body: bytes) -> dict[str, str]:
        """Fresh, but signed by another key: a forgery to be refused."""
        other, _ = generate_key_pair()
        stamp = str(int(self._clock()))
        return {SIGNATURE_HEADER: sign(other, timestamp=stamp, body=body), TIMESTAMP_HEADER: stamp}

    async def post_events(
        self,
        events: Sequence[dict[str, Any]],
        *,
        signing: Literal["valid", "stale", "forged", "unsigned"] = "valid",
    ) -> httpx.Response:
        """POST one batch (a JSON array) to the Event Webhook, signed as asked."""
        body = json.dumps(list(events), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if signing == "valid":
            headers |= self.sign(body)
        elif signing == "stale":
            headers |= self.stale_headers(body)
        elif signing == "forged":
            headers |= self.forged_headers(body)
        return await self._http.post(EVENTS_PATH, content=body, headers=headers)

    # --- inbound parse ---------------------------------------------------------------

    def reply_fields(
        self,
        message: FakeMessage,
        *,
        text: str = "Yes, I'm interested. Call me after 5.",
        subject: str | None = None,
        from_name: str | None = None,
    ) -> dict[str, str]:
        """The Inbound Parse form fields of the recipient's reply to `message`."""
        original = message.message_id_header
        to = message.reply_to or message.from_email
        sender = f"{from_name} <{message.to}>" if from_name else message.to
        subject = subject if subject is not None else f"Re: {message.subject}"
        lines = [
            f"Received: from mail.example by mx.sendgrid.net; {formatdate(self._clock())}",
            f"Message-ID: <{uuid.uuid4().hex}@mail.example>",
            f"Date: {formatdate(self._clock())}",
            f"From: {sender}",
            f"To: {to}",
            f"Subject: {subject}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/alternative; boundary="fake-boundary"',
        ]
        if original:
            lines[2:2] = [f"In-Reply-To: {original}", f"References: {original}"]
        quoted = "\n".join(f"> {line}" for line in (message.text or "").splitlines())
        body_text = f"{text}\n\nOn {formatdate(message.accepted_at)}, {message.from_email} wrote:\n{quoted}\n"
        domain = message.to.rsplit("@", 1)[-1]
        return {
            "headers": "\n".join(lines) + "\n",
            "from": sender,
            "to": to,
            "subject": subject,
            "text": body_text,
            "html": f"<div>{text}</div><blockquote>{message.html or ''}</blockquote>",
            "envelope": json.dumps({"to": [to], "from": message.to}),
            "charsets": json.dumps(
                dict.fromkeys(("to", "from", "subject", "text", "html"), "UTF-8")
            ),
            "SPF": "pass",
            "dkim": f"{{@{domain} : pass}}",
            "sender_ip": _IP,
        }

    async def post_reply(
        self, message: FakeMessage, *, secret: str, **reply: Any
    ) -> httpx.Response:
        """POST the reply to Inbound Parse's URL as multipart/form-data, as SendGrid does."""
        fields = self.reply_fields(message, **reply)
        return await self.post_inbound(fields, secret=secret)

    async def post_inbound(self, fields: dict[str, str], *, secret: str) -> httpx.Response:
        # Each field as a form part without a filename: multipart even with no attachment.
        parts = {name: (None, value.encode()) for name, value in fields.items()}
        return await self._http.post(INBOUND_PATH.format(secret=secret), files=parts)


def _documented_fields(kind: EventKind) -> dict[str, Any]:
    if kind == "deferred":
        return {"response": "400 try again later", "attempt": "1"}
    if kind == "delivered":
        return {"response": "250 OK", "ip": _IP, "tls": 1}
    if kind == "open":
        return {"useragent": _BROWSER, "ip": _IP, "sg_machine_open": False}
    if kind == "click":
        return {
            "useragent": _BROWSER,
            "ip": _IP,
            "url": "https://example.com/jobs",
            "url_offset": {"index": 0, "type": "html"},
        }
    if kind == "bounce":
        return {
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1",
            "type": "bounce",
            "bounce_classification": "Invalid Address",
            "ip": _IP,
            "tls": 1,
        }
    if kind == "dropped":
        return {"reason": "Bounced Address", "status": "5.0.0"}
    if kind in ("group_unsubscribe", "group_resubscribe"):
        return {"useragent": _BROWSER, "ip": _IP, "asm_group_id": 1}
    return {}


def _public_text(private: ec.EllipticCurvePrivateKey) -> str:
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()
