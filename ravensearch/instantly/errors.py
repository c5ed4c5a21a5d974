"""Errors raised by the Instantly client.

```
InstantlyError
├── InstantlyConnectionError        network failure; retried, then raised
│   └── InstantlyTimeout            connect / read / write / pool timeout
└── InstantlyStatusError            .status_code .error .message .body
    ├── InstantlyAuthError          401 / 403: key missing, revoked or lacking a scope
    ├── InstantlyPlanError          402: "Workspace does not have an active paid plan"
    ├── InstantlyNotFound           404
    ├── InstantlyValidationError    400 / 422
    ├── InstantlyRateLimited        429, .retry_after (seconds or None)
    └── InstantlyServerError        5xx
```

Status errors are built from Instantly's `{statusCode, error, message}` envelope with
`InstantlyStatusError.from_response()`. No message ever contains the API key or headers.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import httpx

from ravensearch.kit.http_retry import parse_retry_after

_MAX_BODY_CHARS = 500


class InstantlyError(Exception):
    """Base of every error the Instantly client raises."""


class InstantlyConnectionError(InstantlyError):
    """The request never got an HTTP answer (DNS, refused connection, reset, timeout)."""


class InstantlyTimeout(InstantlyConnectionError):
    """The request timed out; the server may still have performed it."""


class InstantlyStatusError(InstantlyError):
    """Instantly answered with a non-2xx status."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        body: Any = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.body = body
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        return f"Instantly {self.status_code} {self.error}: {self.message}{where}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> InstantlyStatusError:
        """Pick the subclass for `response.status_code` and parse the error envelope."""
        status = response.status_code
        body = _parse_body(response)
        reason = _reason(status)
        error, message = reason, reason
        if isinstance(body, dict):
            error = str(body.get("error") or reason)
            message = str(body.get("message") or error)
        elif isinstance(body, str) and body.strip():
            message = body.strip()[:_MAX_BODY_CHARS]
        method, path = _request_line(response)
        kwargs: dict[str, Any] = {"body": body, "method": method, "path": path}
        if status == 429:
            return InstantlyRateLimited(
                status, error, message, retry_after=parse_retry_after(response.headers), **kwargs
            )
        return _class_for(status)(status, error, message, **kwargs)


class InstantlyAuthError(InstantlyStatusError):
    """401 or 403: the key is missing, invalid, revoked, or lacks the scope."""


class InstantlyPlanError(InstantlyStatusError):
    """402: the workspace has no active paid plan, so the API is closed to it."""


class InstantlyNotFound(InstantlyStatusError):
    """404: unknown id or resource."""


class InstantlyValidationError(InstantlyStatusError):
    """400 or 422: the request failed Instantly's schema or business validation."""


class InstantlyRateLimited(InstantlyStatusError):
    """429: the workspace went over 100 requests/s or 6,000 requests/min."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        body: Any = None,
        *,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(status_code, error, message, body, method=method, path=path)
        self.retry_after = retry_after


class InstantlyServerError(InstantlyStatusError):
    """5xx: Instantly (or something in front of it) failed."""


def _class_for(status: int) -> type[InstantlyStatusError]:
    if status in (401, 403):
        return InstantlyAuthError
    if status == 402:
        return InstantlyPlanError
    if status == 404:
        return InstantlyNotFound
    if status in (400, 422):
        return InstantlyValidationError
    if status >= 500:
        return InstantlyServerError
    return InstantlyStatusError


def _parse_body(response: httpx.Response) -> Any:
    text = response.text
    try:
        return json.loads(text)
    except ValueError:
        return text[:_MAX_BODY_CHARS]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _request_line(response: httpx.Response) -> tuple[str | None, str | None]:
    # A hand-built Response has no request; only the path is kept (the query may hold a search).
    try:
        request = response.request
    except RuntimeError:
        return None, None
    return request.method, request.url.path
