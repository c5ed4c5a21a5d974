"""Playing SendGrid's side in tests: signed event batches, Inbound Parse forms, and a
SendGrid campaign's dispatch with its outbox rows."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Channel, EmailSend, SendState
from ravensearch.db.session import unit_of_work
from ravensearch.kit.clock import utcnow
from ravensearch.sendgrid.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.fixtures.factories import create_campaign, create_dispatch, create_target

T0 = 1_800_000_000  # a Unix time in the events (not the signature's)
_ids = itertools.count(1)


@dataclass
class SendGridLead:
    campaign_id: uuid.UUID
    dispatch_id: uuid.UUID
    technician_id: uuid.UUID
    email: str
    step1_message_id: str  # our Message-ID of step 1 (sent), without brackets
    step2_message_id: str  # of step 2 (queued)


async def seed_sendgrid_lead(
    sessionmaker: async_sessionmaker[AsyncSession], *, email: str | None = None
) -> SendGridLead:
    """A SendGrid campaign's dispatch: step 1 sent, step 2 queued and due tomorrow."""
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        campaign = await create_campaign(
            session, channel=Channel.sendgrid, instantly_campaign_id=None
        )
        target = await create_target(session, business_name="Spark Electric", email=email)
        dispatch = await create_dispatch(
            session,
            campaign=campaign,
            target=target,
            channel=Channel.sendgrid,
            status="sent",
            sent_at=now,
            next_step=2,
            next_step_due_at=now + timedelta(days=1),
        )
        ids = [f"{uuid.uuid4().hex}@ravensearch.test" for _ in range(2)]
        for step, (message_id, state) in enumerate(
            zip(ids, (SendState.sent, SendState.queued), strict=True), start=1
        ):
            session.add(
                EmailSend(
                    dispatch_id=dispatch.id,
                    campaign_id=campaign.id,
                    step=step,
                    state=state,
                    to_email=dispatch.email,
                    subject=f"Step {step}",
                    rfc_message_id=f"<{message_id}>",
                )
            )
    return SendGridLead(campaign.id, dispatch.id, target.id, dispatch.email, *ids)


def sg_event(lead: SendGridLead | None, event: str, at: int = T0, **extra: Any) -> dict[str, Any]:
    """One Event Webhook event as SendGrid posts it, custom_args at the top level."""
    body: dict[str, Any] = {
        "email": lead.email if lead else "someone@example.com",
        "timestamp": at,
        "event": event,
        "sg_event_id": f"sg-event-{next(_ids)}-{uuid.uuid4().hex[:8]}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    }
    if lead is not None:
        body.update(dispatch_id=str(lead.dispatch_id), campaign_id=str(lead.campaign_id), step="1")
    body.update(extra)
    return body


def signed_headers(
    private: ec.EllipticCurvePrivateKey, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        SIGNATURE_HEADER: sign(private, timestamp=stamp, body=body),
        TIMESTAMP_HEADER: stamp,
        "Content-Type": "application/json",
    }


def batch_body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps(events).encode()


def inbound_form(
    *,
    headers: str = "",
    sender: str | None = None,
    to: str = "jobs@ravensearch.test",
    subject: str | None = None,
    text: str | None = None,
    html: str | None = None,
    envelope: str | None = None,
    charsets: str | None = None,
    encoding: str = "utf-8",
    attachment: bytes | None = None,
) -> tuple[bytes, str]:
    """An Inbound Parse multipart/form-data body and its Content-Type."""
    boundary = "xYzZY" + uuid.uuid4().hex
    fields = {
        "headers": headers,
        "from": sender,
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "envelope": envelope,
        "charsets": charsets,
    }
    parts: list[bytes] = []
    for name, value in fields.items():
        if value is None:
            continue
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode(encoding)
            + b"\r\n"
        )
    if attachment is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachment1"; '
            'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + attachment
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
