"""Settings: the Instantly connection, the webhook URL and secret to paste into Instantly,
and API tokens. The Instantly API key is never shown; the webhook secret only to admins."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from ravensearch.app_settings.service import app_settings_service
from ravensearch.audit.service import audit_service
from ravensearch.db.models import ApiToken, User
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.instantly.upstream import ConnectionCheck, check_connection
from ravensearch.runtime import Runtime
from ravensearch.tokens.service import token_service
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router, is_admin
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.sendgrid_setup import SendGridSection, sendgrid_section
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.admin.webhook_setup import install_url, send_rotated_secret
from ravensearch.web.deps import RuntimeDep

router = admin_router(prefix="/settings")

WEBHOOK_HEADER = "X-Webhook-Secret"
STATUS_TIMEOUT_SECONDS = 10.0
TOKENS = "settings/_tokens.html"


@dataclass(frozen=True)
class TokenRow:
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenRow:
        return cls(
            token.id,
            token.name,
            token.prefix,
            token.created_at,
            token.last_used_at,
            token.revoked_at,
        )


@dataclass(frozen=True)
class TokensSection:
    tokens: list[TokenRow]
    new_token: str | None = None  # shown once, right after it is created
    name: str = ""
    error: str | None = None


@dataclass(frozen=True)
class WebhookSection:
    url: str
    header: str
    secret: str | None  # None for viewers (and when no secret is set)
    has_secret: bool
    # The URL with the secret as its last segment, for a webhook made by hand in Instantly's
    # dashboard (no custom headers there); None whenever `secret` is.
    token_url: str | None = None


@dataclass(frozen=True)
class SettingsPage:
    is_mock: bool
    api_key_present: bool
    api_url: str
    webhook: WebhookSection
    tokens: TokensSection = field(default_factory=lambda: TokensSection([]))
    sendgrid: SendGridSection | None = None


@dataclass(frozen=True)
class InstantlyStatus:
    is_mock: bool
    api_key_present: bool
    check: ConnectionCheck


def _webhook(request: Request, runtime: Runtime, user: User) -> WebhookSection:
    secret = runtime.webhook_secret or None
    url = install_url(request)
    shown = secret if is_admin(user) else None
    token_url = f"{url}/{quote(shown, safe='')}" if shown else None
    return WebhookSection(url, WEBHOOK_HEADER, shown, secret is not None, token_url)


async def _page(
    request: Request,
    runtime: Runtime,
    user: User,
    *,
    new_token: str | None = None,
    name: str = "",
    error: str | None = None,
) -> SettingsPage:
    async with unit_of_work(runtime.sessionmaker) as session:
        tokens = [TokenRow.of(t) for t in await token_service.list(session)]
    return SettingsPage(
        is_mock=runtime.is_mock,
        api_key_present=bool(runtime.settings.INSTANTLY_API_KEY.get_secret_value()),
        api_url=runtime.settings.INSTANTLY_API_URL,
        webhook=_webhook(request, runtime, user),
        tokens=TokensSection(tokens, new_token=new_token, name=name, error=error),
        sendgrid=sendgrid_section(runtime.settings),
    )


@router.get("", name="settings:index")
async def settings_page(request: Request, user: CurrentUser, runtime: RuntimeDep) -> Response:
    return await render(request, "settings/index.html", await _page(request, runtime, user))


@router.get("/instantly-status", name="settings:instantly-status")
async def instantly_status(request: Request, _user: CurrentUser, runtime: RuntimeDep) -> Response:
    """Loaded after the page (a slow Instantly must not hold the whole page up)."""
    key = bool(runtime.settings.INSTANTLY_API_KEY.get_secret_value())
    try:
        async with asyncio.timeout(STATUS_TIMEOUT_SECONDS):
            check = await check_connection(runtime.instantly)
    except TimeoutError:
        error = f"Instantly did not answer within {STATUS_TIMEOUT_SECONDS:.0f} seconds."
        check = ConnectionCheck(False, error=error)
    status = InstantlyStatus(runtime.is_mock, key, check)
    return await render(request, "settings/_instantly_status.html", status)


@router.post("/webhook-secret/rotate", name="settings:rotate-webhook-secret")
async def rotate_webhook_secret(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    async with unit_of_work(runtime.sessionmaker) as session:
        secret = await app_settings_service.rotate_webhook_secret(session)
        await audit_service.record(
            session, action="webhook_secret.rotated", subject="instantly", user=user
        )
    # Only once stored: a secret that did not survive a restart would lock Instantly out.
    runtime.set_webhook_secret(secret)
    await send_rotated_secret(request, runtime)
    page = await _page(request, runtime, user)
    return await render(request, "settings/index.html", page, fragment="settings/_webhook.html")


@router.post("/tokens", name="settings:create-token")
async def create_token(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    name = (await read_form(request)).get("name", "").strip()
    try:
        async with unit_of_work(runtime.sessionmaker) as session:
            issued = await token_service.create(session, name=name)
            await audit_service.record(
                session,
                action="api_token.created",
                subject=issued.token.prefix,
                user=user,
                detail=name,
            )
    except InvalidInput as exc:
        page = await _page(request, runtime, user, name=name, error=exc.message)
        return await render(request, "settings/index.html", page, fragment=TOKENS, status_code=422)
    add_toast(request, f"Token “{name}” created. Copy it now: it is shown only once.")
    page = await _page(request, runtime, user, new_token=issued.plaintext)
    return await render(request, "settings/index.html", page, fragment=TOKENS)


@router.post("/tokens/{token_id}/revoke", name="settings:revoke-token")
async def revoke_token(
    request: Request, token_id: uuid.UUID, user: AdminUser, runtime: RuntimeDep
) -> Response:
    async with unit_of_work(runtime.sessionmaker) as session:
        token = await token_service.revoke_by_id(session, token_id)
        await audit_service.record(
            session, action="api_token.revoked", subject=token.prefix, user=user, detail=token.name
        )
    add_toast(request, f"Token “{token.name}” revoked.")
    page = await _page(request, runtime, user)
    return await render(request, "settings/index.html", page, fragment=TOKENS)
