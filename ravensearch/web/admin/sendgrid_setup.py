"""Settings → SendGrid: what is configured, and the URLs to paste into SendGrid. Secrets
are only ever reported as set or not: the inbound secret stays a placeholder in its URL."""

from __future__ import annotations

from dataclasses import dataclass

from ravensearch.config import Settings
from ravensearch.sequences.sender import NO_POSTAL_ADDRESS
from ravensearch.web.sendgrid_webhooks import EVENTS_PATH_IN_ROUTER, INBOUND_PATH_IN_ROUTER

SECRET_PLACEHOLDER = "<SENDGRID_INBOUND_SECRET>"


@dataclass(frozen=True)
class SendGridSection:
    is_mock: bool  # the demo: an in-process fake SendGrid answers
    api_key_present: bool
    api_url: str
    event_webhook_url: str
    public_key_present: bool
    inbound_url: str  # with SECRET_PLACEHOLDER where the secret goes
    inbound_secret_present: bool
    postal_address: str
    no_postal_address: str = NO_POSTAL_ADDRESS


def sendgrid_section(settings: Settings) -> SendGridSection:
    base = settings.PUBLIC_URL.rstrip("/") + "/api"
    return SendGridSection(
        is_mock=settings.sendgrid_is_mock,
        api_key_present=bool(settings.SENDGRID_API_KEY.get_secret_value()),
        api_url=settings.SENDGRID_API_URL,
        event_webhook_url=base + EVENTS_PATH_IN_ROUTER,
        public_key_present=bool(settings.SENDGRID_WEBHOOK_PUBLIC_KEY.get_secret_value()),
        inbound_url=f"{base}{INBOUND_PATH_IN_ROUTER}/{SECRET_PLACEHOLDER}",
        inbound_secret_present=bool(settings.SENDGRID_INBOUND_SECRET.get_secret_value()),
        postal_address=settings.SENDER_POSTAL_ADDRESS.strip(),
    )
