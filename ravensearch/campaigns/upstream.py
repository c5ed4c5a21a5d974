"""Turn an Instantly client failure into a message an admin can act on (HTTP 502)."""

from __future__ import annotations

from ravensearch.errors import UpstreamError
from ravensearch.instantly.errors import (
    InstantlyAuthError,
    InstantlyConnectionError,
    InstantlyError,
    InstantlyPlanError,
    InstantlyRateLimited,
    InstantlyServerError,
)


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
        return UpstreamError("Instantly answered with a server error; try again shortly.")
    return UpstreamError(f"Instantly refused the request: {exc}")
