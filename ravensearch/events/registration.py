"""Ravensearch's webhook in Instantly: install (create, or update the one already there),
status, resume, and re-sending the secret after a rotation (instantly_v2.md §5.4).

The id of the installed webhook is kept in `app_settings`. Each flow reads in one unit of
work, calls Instantly outside any transaction, then writes in another.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.app_settings.service import WEBHOOK_ID_KEY, app_settings_service
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput, NotFound, RavensearchError, UpstreamError
from ravensearch.instantly.client import WEBHOOK_SECRET_HEADER, InstantlyClient
from ravensearch.instantly.errors import (
    InstantlyAuthError,
    InstantlyError,
    InstantlyNotFound,
    InstantlyPlanError,
    InstantlyValidationError,
)
from ravensearch.instantly.schemas import InstantlyWebhook
from ravensearch.instantly.upstream import explain_instantly_failure
from ravensearch.logging import redact

WEBHOOK_NAME = "Ravensearch"
Sessionmaker = async_sessionmaker[AsyncSession]


class WebhookNotInstalled(NotFound):
    def __init__(self, detail: str = "No webhook is registered in Instantly yet.") -> None:
        super().__init__(
            f"{detail} Run `ravensearch instantly webhook install --url "
            "https://HOST/api/webhooks/instantly`, or press Install webhook in Settings."
        )


@dataclass(frozen=True)
class WebhookStatus:
    """The registered webhook as an operator sees it (the URL token, if any, masked)."""

    id: str
    url: str
    status: int | None
    timestamp_error: str | None
    sends_current_secret: bool

    @property
    def is_disabled(self) -> bool:
        return self.status == -1

    @property
    def word(self) -> str:
        return "disabled" if self.is_disabled else "active" if self.status == 1 else "unknown"

    @classmethod
    def of(cls, webhook: InstantlyWebhook, secret: str) -> WebhookStatus:
        sent = (webhook.headers or {}).get(WEBHOOK_SECRET_HEADER)
        in_url = webhook.target_hook_url.rstrip("/").endswith("/" + secret)
        return cls(
            id=webhook.id,
            url=redact(webhook.target_hook_url),
            status=webhook.status,
            timestamp_error=webhook.timestamp_error,
            sends_current_secret=bool(secret) and (sent == secret or in_url),
        )


@dataclass(frozen=True)
class InstallResult:
    webhook: WebhookStatus
    created: bool


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"“{redact(url)}” is not an http(s) URL. Give the address Instantly should post to, "
            "e.g. https://HOST/api/webhooks/instantly."
        )
    return url


async def install(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, url: str, secret: str
) -> InstallResult:
    """Point one Instantly webhook (all events, all campaigns) at `url`, sending `secret`.

    Updates the webhook installed before (or one already posting to `url`) rather than
    adding a second, which would deliver every event twice.
    """
    url = check_url(url)
    if not secret:
        raise InvalidInput("No webhook secret is set: rotate one in Settings first.")
    stored_id = await _stored_id(sessionmaker)
    try:
        existing = await _find(instantly, stored_id, url)
        if existing is None:
            webhook = await instantly.create_webhook(url, secret=secret, name=WEBHOOK_NAME)
        else:
            webhook = await instantly.update_webhook(
                existing.id, target_hook_url=url, secret=secret
            )
    except InstantlyError as exc:
        raise explain_webhook_failure(exc) from None
    async with unit_of_work(sessionmaker) as session:
        await app_settings_service.put(session, WEBHOOK_ID_KEY, webhook.id)
    return InstallResult(WebhookStatus.of(webhook, secret), created=existing is None)


async def status(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, secret: str
) -> WebhookStatus:
    webhook_id = await _require_id(sessionmaker)
    return WebhookStatus.of(await _call(instantly.get_webhook(webhook_id), webhook_id), secret)


async def resume(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, secret: str
) -> WebhookStatus:
    webhook_id = await _require_id(sessionmaker)
    return WebhookStatus.of(await _call(instantly.resume_webhook(webhook_id), webhook_id), secret)


async def push_secret(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, secret: str
) -> WebhookStatus | None:
    """After a rotation: send the new secret to the installed webhook (None if there is none)."""
    webhook_id = await _stored_id(sessionmaker)
    if webhook_id is None:
        return None
    updated = await _call(instantly.update_webhook(webhook_id, secret=secret), webhook_id)
    return WebhookStatus.of(updated, secret)


def explain_webhook_failure(exc: InstantlyError) -> RavensearchError:
    """What to do about a refused webhook call: the webhook-specific causes (scope, plan, a
    URL Instantly refuses) in words of their own, the rest as for any Instantly call."""
    if isinstance(exc, InstantlyAuthError):
        return UpstreamError(
            f"Instantly refused the webhook call (HTTP {exc.status_code}): INSTANTLY_API_KEY "
            "must be a valid API v2 key with the webhooks scope (webhooks:all; "
            "webhook_events:read for backfills). Create one in Instantly → Settings → "
            "Integrations → API Keys."
        )
    if isinstance(exc, InstantlyValidationError):
        return UpstreamError(f"Instantly refused the webhook: {exc.message}")
    if isinstance(exc, InstantlyPlanError):
        return UpstreamError(
            "Instantly says the workspace has no active paid plan (HTTP 402); webhooks need "
            "Instantly's Hypergrowth plan or higher."
        )
    return explain_instantly_failure(exc)


async def _find(
    instantly: InstantlyClient, stored_id: str | None, url: str
) -> InstantlyWebhook | None:
    if stored_id is not None:
        try:
            return await instantly.get_webhook(stored_id)
        except InstantlyNotFound:
            pass  # deleted by hand in Instantly: look for one by URL, else create anew
    async for webhook in instantly.iter_webhooks():
        if webhook.target_hook_url == url:
            return webhook
    return None


async def _call(call: Awaitable[InstantlyWebhook], webhook_id: str) -> InstantlyWebhook:
    try:
        return await call
    except InstantlyNotFound:
        raise WebhookNotInstalled(
            f"The webhook registered earlier ({webhook_id}) no longer exists in Instantly."
        ) from None
    except InstantlyError as exc:
        raise explain_webhook_failure(exc) from None


async def _stored_id(sessionmaker: Sessionmaker) -> str | None:
    async with unit_of_work(sessionmaker) as session:
        return await app_settings_service.get(session, WEBHOOK_ID_KEY)


async def _require_id(sessionmaker: Sessionmaker) -> str:
    webhook_id = await _stored_id(sessionmaker)
    if webhook_id is None:
        raise WebhookNotInstalled()
    return webhook_id
