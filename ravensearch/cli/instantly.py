"""`ravensearch instantly webhook install | status | resume`: Ravensearch's webhook in Instantly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from ravensearch.cli.common import console, run_with_runtime
from ravensearch.events import registration
from ravensearch.events.registration import InstallResult, WebhookStatus
from ravensearch.runtime import Runtime

app = typer.Typer(help="The Instantly workspace this install talks to.", no_args_is_help=True)
webhook = typer.Typer(help="The webhook Instantly posts events to.", no_args_is_help=True)
app.add_typer(webhook, name="webhook")

T = TypeVar("T")
MOCK_NOTE = (
    "Mock mode: this command's simulated Instantly lives only for the command; use Settings "
    "→ Webhook in the running server, or set INSTANTLY_API_KEY."
)


def _run(flow: Callable[[Runtime], Awaitable[T]]) -> T:
    async def _work(runtime: Runtime) -> T:
        if runtime.is_mock:
            console.print(f"[yellow]{MOCK_NOTE}[/]", highlight=False)
        return await flow(runtime)

    return run_with_runtime(_work)


def show(status: WebhookStatus) -> None:
    if status.is_disabled:
        console.print(
            f"[bold red]DISABLED[/] by Instantly after failed deliveries (since "
            f"{status.timestamp_error or 'an unknown time'}): no events arrive. Fix the receiver, "
            "then run `ravensearch instantly webhook resume`, then `ravensearch events backfill "
            "--since 2d`.",
            highlight=False,
        )
    else:
        console.print(f"[green]{status.word}[/]", highlight=False)
    console.print(f"  id   {status.id}\n  url  {status.url}", highlight=False)
    if not status.sends_current_secret:
        console.print(
            "[yellow]It does not send the current webhook secret:[/] run `install` again.",
            highlight=False,
        )


@webhook.command("install")
def install(
    url: str = typer.Option(..., "--url", help="https://HOST/api/webhooks/instantly"),
) -> None:
    """Create the webhook (all events, all campaigns, X-Webhook-Secret header), or update the
    one installed before / already posting to this URL."""

    async def _work(runtime: Runtime) -> InstallResult:
        return await registration.install(
            runtime.sessionmaker, runtime.instantly, url=url, secret=runtime.webhook_secret
        )

    result = _run(_work)
    console.print("Created the webhook." if result.created else "Updated the existing webhook.")
    show(result.webhook)


@webhook.command("status")
def status() -> None:
    """Whether Instantly still delivers to the installed webhook (and when it disabled it)."""

    async def _work(runtime: Runtime) -> WebhookStatus:
        return await registration.status(
            runtime.sessionmaker, runtime.instantly, secret=runtime.webhook_secret
        )

    result = _run(_work)
    show(result)
    if result.is_disabled:
        raise typer.Exit(code=1)


@webhook.command("resume")
def resume() -> None:
    """Re-enable a webhook Instantly disabled after delivery failures."""

    async def _work(runtime: Runtime) -> WebhookStatus:
        return await registration.resume(
            runtime.sessionmaker, runtime.instantly, secret=runtime.webhook_secret
        )

    show(_run(_work))
