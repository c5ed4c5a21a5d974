"""Turn an Instantly client failure into a message an admin can act on (HTTP 502), and
tell a key that lacks one scope from a key that does not work at all."""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass

from ravensearch.errors import UpstreamError
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import (
    InstantlyAuthError,
    InstantlyConnectionError,
    InstantlyError,
    InstantlyPlanError,
    InstantlyRateLimited,
    InstantlyServerError,
)
from ravensearch.instantly.scopes import required_scope

WORKSPACE_SCOPE = "workspaces:read"
KEY_SETTINGS = "Instantly → Settings → API keys"


def explain_instantly_failure(exc: InstantlyError) -> UpstreamError:
    if isinstance(exc, InstantlyConnectionError):
        return UpstreamError(
            "Instantly could not be reached (network error or timeout). Try again in a minute; "
            "check INSTANTLY_API_URL if it persists."
        )
    if isinstance(exc, InstantlyAuthError):
        return UpstreamError(
            "Instantly rejected the API key (HTTP 401/403). Check INSTANTLY_API_KEY: it must be "
            "an API v2 key with campaigns and leads scopes."
        )
    if isinstance(exc, InstantlyPlanError):
        return UpstreamError(
            "Instantly says the workspace has no active paid plan (HTTP 402); "
            "API access needs a paid Instantly plan."
        )
    if isinstance(exc, InstantlyRateLimited):
        return UpstreamError("Instantly is rate limiting this workspace; try again shortly.")
    if isinstance(exc, InstantlyServerError):
        return UpstreamError(
            f"Instantly answered with a server error (HTTP {exc.status_code}); try again shortly."
        )
    return UpstreamError(f"Instantly refused the request: {exc}")


@dataclass(frozen=True)
class ConnectionCheck:
    reachable: bool
    workspace_name: str | None = None
    note: str | None = None  # the key works, with this caveat
    error: str | None = None


async def check_connection(instantly: InstantlyClient) -> ConnectionCheck:
    """Is the key usable? The workspace name proves it; a key without `workspaces:read`
    is still fine when it can list campaigns, and is reported so, not as broken."""
    try:
        workspace = await instantly.get_current_workspace()
    except InstantlyAuthError as exc:
        if not await key_works(instantly):
            return ConnectionCheck(False, error=explain_instantly_failure(exc).message)
        note = (
            f"The key works; it lacks the {WORKSPACE_SCOPE} scope (add it in {KEY_SETTINGS} "
            "to show the workspace name)."
        )
        return ConnectionCheck(True, note=note)
    except InstantlyError as exc:
        return ConnectionCheck(False, error=explain_instantly_failure(exc).message)
    return ConnectionCheck(True, workspace_name=str(workspace.get("name") or ""))


async def key_works(instantly: InstantlyClient) -> bool:
    """Whether the key can list campaigns (one small page): what every key we use must do."""
    try:
        async with aclosing(instantly.iter_campaigns(page_size=1)) as campaigns:
            async for _campaign in campaigns:
                break
    except InstantlyError:
        return False
    return True


async def explain_call_failure(instantly: InstantlyClient, exc: InstantlyError) -> UpstreamError:
    """`explain_instantly_failure`, but a 401/403 from a key that otherwise works names the
    scope the refused call needs (the answer itself does not say; §1.2)."""
    if isinstance(exc, InstantlyAuthError):
        scope = required_scope(exc.method or "", exc.path or "")
        if scope is not None and await key_works(instantly):
            return UpstreamError(
                f"The Instantly API key works but lacks the {scope} scope, which "
                f"{exc.method} {exc.path} needs (HTTP {exc.status_code}). Add it in "
                f"{KEY_SETTINGS}, then try again."
            )
    return explain_instantly_failure(exc)
