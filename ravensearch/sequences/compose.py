"""Build one technician's email of a step, and a SendGrid batch of many of them.

Every body ends with the CAN-SPAM footer (the sender's postal address) and the one-click
unsubscribe link; every email carries our Message-ID (replies point back at it),
List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) and custom_args that come back
with each of SendGrid's events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ravensearch.campaigns.templates import Recipient, render
from ravensearch.db.models import Campaign, CampaignStep
from ravensearch.kit.emails import email_domain
from ravensearch.sendgrid.mail import (
    MAX_SUBSTITUTION_BYTES,
    Address,
    MailBatch,
    Personalization,
)
from ravensearch.sequences.unsubscribe import list_unsubscribe, unsubscribe_url

# The shared content of a batch is this tag; each recipient's body replaces it.
BODY_TAG = "-ravensearch_body-"


class TooLong(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Email:
    """One rendered email of a step, ready to send."""

    dispatch_id: uuid.UUID
    campaign_id: uuid.UUID
    step: int
    to: str
    subject: str
    body: str
    headers: dict[str, str]

    @property
    def rfc_message_id(self) -> str:
        return self.headers["Message-ID"]


def new_message_id(from_email: str) -> str:
    return f"<{uuid.uuid4()}@{email_domain(from_email)}>"


def footer(postal_address: str, url: str) -> str:
    return f"\n\n--\n{postal_address}\nTo stop receiving these emails: {url}\n"


def compose(
    campaign: Campaign,
    step: CampaignStep,
    *,
    dispatch_id: uuid.UUID,
    to: str,
    recipient: Recipient,
    token: str,
    postal_address: str,
    public_url: str,
    message_id: str | None = None,
) -> Email:
    """The email for one technician; TemplateProblem if a template cannot render, TooLong
    if the body is over what SendGrid carries for one recipient."""
    assert campaign.from_email is not None  # a SendGrid campaign always has its sender
    reply_to = campaign.reply_to or campaign.from_email
    body = render(step.body_template, recipient).rstrip() + footer(
        postal_address, unsubscribe_url(public_url, token)
    )
    if len(body.encode()) > MAX_SUBSTITUTION_BYTES:
        raise TooLong(
            f"the rendered body is {len(body.encode())} bytes; SendGrid carries at most "
            f"{MAX_SUBSTITUTION_BYTES} per recipient"
        )
    subject = " ".join(render(step.subject_template, recipient).split())[:500]
    return Email(
        dispatch_id=dispatch_id,
        campaign_id=campaign.id,
        step=step.position,
        to=to,
        subject=subject,
        body=body,
        headers={
            "Message-ID": message_id or new_message_id(campaign.from_email),
            "List-Unsubscribe": list_unsubscribe(public_url, reply_to, token),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def batch_of(campaign: Campaign, emails: Sequence[Email]) -> MailBatch:
    """One request for emails of the same campaign (≤ MAX_PERSONALIZATIONS of them)."""
    assert campaign.from_email is not None
    return MailBatch(
        sender=Address(campaign.from_email, campaign.from_name),
        reply_to=Address(campaign.reply_to) if campaign.reply_to else None,
        text=BODY_TAG,
        personalizations=[
            Personalization(
                to=Address(e.to),
                subject=e.subject,
                substitutions={BODY_TAG: e.body},
                headers=e.headers,
                custom_args={
                    "dispatch_id": str(e.dispatch_id),
                    "step": str(e.step),
                    "campaign_id": str(e.campaign_id),
                },
            )
            for e in emails
        ],
        categories=["ravensearch", f"step-{emails[0].step}"] if emails else [],
    )
