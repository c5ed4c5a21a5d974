from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import typer
import uvicorn

from ravensearch.cli.common import console, settings_or_exit
from ravensearch.config import Settings
from ravensearch.db.session import unit_of_work
from ravensearch.logging import configure_logging
from ravensearch.runtime import build_runtime
from ravensearch.tokens.service import token_service
from ravensearch.users.service import BootstrapAdmin, user_service
from ravensearch.web.app import create_app


@dataclass(frozen=True)
class FirstStart:
    """Credentials created on a fresh install, printed once (only hashes are stored)."""

    token: str | None = None
    admin: BootstrapAdmin | None = None


async def _first_start(settings: Settings) -> FirstStart:
    """Migrate the embedded database; with no API token or no user yet, create one to print."""
    runtime = await build_runtime(settings)
    try:
        async with unit_of_work(runtime.sessionmaker) as session:
            token = None
            if not await token_service.count_active(session):
                token = (await token_service.create(session, name="first-start")).plaintext
            return FirstStart(token=token, admin=await user_service.bootstrap_admin(session))
    finally:
        await runtime.aclose()


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        min=1,
        max=64,
        help="Web server processes. Each answers webhooks and pages and applies events; "
        "one of them also runs the in-process jobs. Needs INSTANTLY_API_KEY (mock mode "
        "keeps its simulated Instantly inside one process).",
    ),
) -> None:
    """Start the web app and API (and, in mock mode, the simulated Instantly)."""
    settings = settings_or_exit()
    configure_logging(settings.LOG_LEVEL)
    if workers > 1 and settings.is_mock:
        console.print(
            "[red]--workers needs INSTANTLY_API_KEY:[/] mock mode's simulated Instantly "
            "lives inside one process. Set the key, or run one worker."
        )
        raise typer.Exit(2)
    first = asyncio.run(_first_start(settings))
    if settings.is_mock:
        also = " and SendGrid are" if settings.sendgrid_is_mock else " is"
        console.print(f"[yellow]Mock mode[/]: no INSTANTLY_API_KEY, Instantly{also} simulated.")
    if first.token:
        console.print("No API token existed, so one was created (shown once):")
        console.print(f"  [bold]{first.token}[/]", highlight=False, soft_wrap=True)
    if first.admin:
        console.print("No user existed, so an admin was created (password shown once):")
        console.print(
            f"  Admin login: [bold]{first.admin.user.email}[/]  password: [bold]{first.admin.password}[/]",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"Ravensearch on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    options = proxy_options(settings)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", **options)
        return
    uvicorn.run(
        "ravensearch.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        **options,
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For/-Proto from loopback unless told otherwise, which let
    a client pick its own IP for the login limit: only the configured proxies are believed."""
    if not settings.TRUSTED_PROXIES:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.TRUSTED_PROXIES}
