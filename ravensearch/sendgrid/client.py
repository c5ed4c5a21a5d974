"""Async client for SendGrid's `POST /mail/send`: the only code that sends mail through SendGrid.

What it may retry is narrower than other clients': only a request that certainly never left
(no connection, connect or pool timeout) and a 429 (SendGrid accepted nothing). Anything
that may have reached SendGrid — a read or write timeout, a connection lost mid-answer, a
5xx — ends at once in `SendGridUncertain`, because a duplicate cold email is worse than a
missing one. The attempt loop, backoff and log line are `kit.http_retry.RetryingSender`'s.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog

from ravensearch.kit.closing import AsyncClosing
from ravensearch.kit.http_retry import (
    RETRY_AFTER_CAP,
    Rejection,
    RequestLog,
    RetryingSender,
    RetryPolicy,
)
from ravensearch.kit.ratelimit import shared_limiter, workspace_key
from ravensearch.sendgrid.errors import (
    FieldError,
    SendGridAuthFailed,
    SendGridError,
    SendGridRateLimited,
    SendGridRefused,
    SendGridUncertain,
    SendGridUnreachable,
)
from ravensearch.sendgrid.mail import Accepted, MailBatch

DEFAULT_BASE_URL = "https://api.sendgrid.com/v3"
DEFAULT_USER_AGENT = "Ravensearch/0.1 (+https://github.com/ravensearch/ravensearch)"
MAIL_SEND_PATH = "/mail/send"
# SendGrid publishes no numeric limit for mail send (its 600/min applies to other
# endpoints, REFERENCE.md §3); this only keeps one process from bursting without bound.
MAX_PER_SECOND = 100
MAX_PER_MINUTE = 6000
# The request never left: sending it again cannot make a second email.
NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Refused by httpx itself before anything was written (a bad URL or request): not sent, and
# sending it again would fail the same way.
NEVER_STARTED = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)

log = structlog.get_logger("ravensearch.sendgrid")
_REQUEST_LOG = RequestLog(log, "sendgrid.request", success_level=logging.INFO)


class SendGridClient(AsyncClosing):
    """One SendGrid account, reached with one API key (Bearer).

    Use it as an async context manager, or call `aclose()`. `transport` replaces the
    network (the fake SendGrid in process through `httpx.ASGITransport`, in tests).
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        if not api_key:
            raise ValueError("a SendGrid API key is required")
        self._base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(transport=transport)
        self._sender = RetryingSender(
            http=self._http,
            base_url=self._base_url,
            limiter=shared_limiter(
                workspace_key(self._base_url, api_key), MAX_PER_SECOND, MAX_PER_MINUTE
            ),
            timeout=httpx.Timeout(timeout),
            retry=RetryPolicy(max_retries, backoff_base, backoff_max),
            log=_REQUEST_LOG,
            map_transport_error=_transport_error,
            map_rejection=_rejection,
            retried_errors=NEVER_LEFT,
        )
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def __repr__(self) -> str:
        return f"SendGridClient(base_url={self._base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, batch: MailBatch) -> Accepted:
        """Send one batch (up to 1,000 personalizations) in one request.

        Returns:
            Accepted with the batch's `X-Message-Id` (events' `sg_message_id` starts with it).

        Raises:
            SendGridRefused: 400/413 and other 4xx: certainly not sent; `errors` name fields.
            SendGridAuthFailed: 401/403: the key is wrong or lacks `mail.send`. Not sent.
            SendGridRateLimited: 429 on every attempt; not sent, try at `retry_at`.
            SendGridUnreachable: the request never left, on every attempt. Not sent.
            SendGridUncertain: it may have been accepted; never send it again on your own.
        """
        content = json.dumps(batch.to_json(), ensure_ascii=False).encode()
        try:
            response = await self._sender.send(
                "POST", MAIL_SEND_PATH, headers=self._headers, content=content
            )
        except httpx.TransportError as exc:  # the few the sender leaves alone
            raise _transport_error(exc, "POST", MAIL_SEND_PATH) from exc
        message_id = response.headers.get("x-message-id", "")
        if not message_id:
            # Accepted all the same; events still carry our custom_args to match them by.
            log.warning("sendgrid.accepted_without_message_id", status=response.status_code)
        return Accepted(message_id=message_id)


def _transport_error(failure: httpx.TransportError, method: str, path: str) -> SendGridError:
    what = type(failure).__name__
    if isinstance(failure, NEVER_LEFT + NEVER_STARTED):
        return SendGridUnreachable(f"SendGrid could not be reached ({what}): nothing was sent")
    return SendGridUncertain(
        f"SendGrid {method} {path} ended without an answer ({what}) after the request left:"
        " the mail may have been accepted"
    )


def _rejection(response: httpx.Response) -> Rejection:
    status = response.status_code
    errors = parse_errors(response)
    detail = _describe(errors) or response.reason_phrase or "no details"
    if status == 429:
        reset = _rate_limit_reset(response.headers)
        wait = None if reset is None else max(0.0, reset - time.time())
        retry_at = None if reset is None else datetime.fromtimestamp(reset, UTC)
        error = SendGridRateLimited(
            f"SendGrid rate limit reached (429): {detail}; nothing was sent",
            status,
            errors,
            retry_at=retry_at,
        )
        # A reset further off than the longest wait is not worth holding the caller for.
        return Rejection(
            error, is_retriable=wait is None or wait <= RETRY_AFTER_CAP, retry_after=wait
        )
    if status in (401, 403):
        message = f"SendGrid refused the API key ({status}): {detail}"
        return Rejection(SendGridAuthFailed(message, status, errors), is_retriable=False)
    if status >= 500:
        message = f"SendGrid answered {status}: {detail}; the mail may have been accepted"
        return Rejection(SendGridUncertain(message, status, errors), is_retriable=False)
    message = f"SendGrid refused the mail ({status}): {detail}"
    return Rejection(SendGridRefused(message, status, errors), is_retriable=False)


def parse_errors(response: httpx.Response) -> list[FieldError]:
    """SendGrid's documented `{"errors": [{"message", "field", "help"}]}`; [] for any other body."""
    try:
        body: Any = response.json()
    except ValueError:
        return []
    items = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    found: list[FieldError] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        field = item.get("field")
        help_ = item.get("help")
        found.append(
            FieldError(
                message=str(item.get("message") or ""),
                field=field if isinstance(field, str) else None,
                help=help_ if isinstance(help_, str) or help_ is None else json.dumps(help_),
            )
        )
    return found


def _describe(errors: list[FieldError]) -> str:
    return "; ".join(
        f"{e.message} (field {e.field})" if e.field else e.message for e in errors if e.message
    )


def _rate_limit_reset(headers: httpx.Headers) -> float | None:
    """`X-RateLimit-Reset` (Unix seconds when the window refills), None when absent/garbled."""
    raw = headers.get("x-ratelimit-reset")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
