"""Settings → Webhook: the webhook registered in Instantly (status, Install, Resume), and
the new secret sent to it after a rotation. Instantly is asked after the page loads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from ravensearch.audit.service import audit_service
from ravensearch.db.models import User
from ravensearch.db.session import unit_of_work
from ravensearch.errors import RavensearchError
from ravensearch.events import registration
from ravensearch.events.registration import WebhookNotInstalled, WebhookStatus
from ravensearch.runtime import Runtime
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import RuntimeDep

router = admin_router(prefix="/settings/webhook")

FRAGMENT = "settings/_webhook_registration.html"
STATUS_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RegistrationSection:
    install_url: str
    webhook: WebhookStatus | None = None
    error: str | None = None  # Instantly could not tell us


def install_url(request: Request) -> str:
    """Where Instantly should post: this server as the browser reaches it."""
    return str(request.base_url).rstrip("/") + "/api/webhooks/instantly"


@router.get("", name="settings:webhook-registration")
async def registration_status(
    request: Request, _user: CurrentUser, runtime: RuntimeDep
) -> Response:
    section = RegistrationSection(install_url(request))
    try:
        async with asyncio.timeout(STATUS_TIMEOUT_SECONDS):
            webhook = await registration.status(
                runtime.sessionmaker, runtime.instantly, secret=runtime.webhook_secret
            )
        section = RegistrationSection(section.install_url, webhook)
    except WebhookNotInstalled:
        pass
    except RavensearchError as exc:
        section = RegistrationSection(section.install_url, error=exc.message)
    except TimeoutError:
        error = f"Instantly did not answer within {STATUS_TIMEOUT_SECONDS:.0f} seconds."
        section = RegistrationSection(section.install_url, error=error)
    return await render(request, FRAGMENT, section)


@router.post("/install", name="settings:install-webhook")
async def install_webhook(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    url = install_url(request)
    result = await registration.install(
        runtime.sessionmaker, runtime.instantly, url=url, secret=runtime.webhook_secret
    )
    action = "webhook.installed" if result.created else "webhook.updated"
    await _audit(runtime, user, action, result.webhook.id, detail=url)
    verb = "created" if result.created else "updated"
    add_toast(request, f"Webhook {verb} in Instantly: events now arrive at {url}.")
    return await render(request, FRAGMENT, RegistrationSection(url, result.webhook))


@router.post("/resume", name="settings:resume-webhook")
async def resume_webhook(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    webhook = await registration.resume(
        runtime.sessionmaker, runtime.instantly, secret=runtime.webhook_secret
    )
    await _audit(runtime, user, "webhook.resumed", webhook.id)
    add_toast(
        request,
        "Webhook resumed. Run `ravensearch events backfill --since 2d` to fetch what Instantly "
        "failed to deliver meanwhile (the periodic backfill also does, within 10 minutes).",
    )
    return await render(request, FRAGMENT, RegistrationSection(install_url(request), webhook))


async def send_rotated_secret(request: Request, runtime: Runtime) -> None:
    """After a rotation: PATCH the installed webhook's header, or say what to do by hand."""
    try:
        pushed = await registration.push_secret(
            runtime.sessionmaker, runtime.instantly, secret=runtime.webhook_secret
        )
    except RavensearchError as exc:
        add_toast(
            request,
            f"New secret saved, but Instantly's webhook could not be updated: {exc.message} "
            "Press Install webhook once Instantly answers.",
            level="error",
        )
        return
    if pushed is None:
        add_toast(
            request, "New webhook secret saved. Paste it into Instantly's webhook header now."
        )
    else:
        add_toast(request, "New webhook secret saved and sent to Instantly's webhook.")


async def _audit(
    runtime: Runtime, user: User, action: str, webhook_id: str, *, detail: str | None = None
) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        await audit_service.record(
            session, action=action, subject=webhook_id, user=user, detail=detail
        )
