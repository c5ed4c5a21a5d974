"""Retrying an HTTP API call: what every provider's client does the same way.

`RetryingSender` owns the attempt loop, the rate limiter wait, the delay between attempts
and one log line per attempt. What a failure means (which error, whether another attempt
may help) stays with each provider's client, which passes it in as two mappers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from structlog.typing import FilteringBoundLogger

from ravensearch.kit.ratelimit import RateLimiter

RETRY_AFTER_CAP = 60.0
# No answer came back, so another attempt may get one. Any other httpx error propagates.
RETRIED_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often one call is tried, and how long to wait before each retry."""

    max_retries: int
    backoff_base: float
    backoff_max: float

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based).

        `Retry-After` wins when the server sends it (capped at 60 s); otherwise exponential
        backoff with full jitter, so clients that failed together do not retry together.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), RETRY_AFTER_CAP)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), or None when absent/garbled."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True, slots=True)
class Rejection:
    """What a provider makes of a non-2xx answer."""

    error: Exception
    is_retriable: bool
    retry_after: float | None = None


MapTransportError = Callable[[httpx.TransportError, str, str], Exception]
"""(failure, method, path) -> the error to raise when the last attempt got no answer."""

MapRejection = Callable[[httpx.Response], Rejection]


@dataclass(frozen=True, slots=True)
class RequestLog:
    """One log line per attempt: warning level unless the answer was below 400.

    Method and path only, never the query or headers: API keys travel in headers, and lead
    emails or search terms in queries and bodies.
    """

    logger: FilteringBoundLogger
    event: str
    success_level: int
    context: Mapping[str, str] = field(default_factory=dict)
    # What the `error` field says for any timeout; None names the exception's class, as it
    # does for every other transport failure.
    timeout_label: str | None = None

    def attempt(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        attempt: int,
        *,
        failure: httpx.TransportError | None = None,
    ) -> None:
        fields: dict[str, Any] = {
            **self.context,
            "method": method,
            "path": path,
            "status": status,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            "attempt": attempt,
        }
        if failure is not None:
            fields["error"] = self._describe(failure)
        is_success = status is not None and status < 400
        self.logger.log(self.success_level if is_success else logging.WARNING, self.event, **fields)

    def _describe(self, failure: httpx.TransportError) -> str:
        if self.timeout_label is not None and isinstance(failure, httpx.TimeoutException):
            return self.timeout_label
        return type(failure).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryingSender:
    """Sends requests to one provider, retrying as its `RetryPolicy` and mappers say.

    Every attempt waits for the provider's rate limiter first. The caller owns `http`.
    """

    http: httpx.AsyncClient
    base_url: str
    limiter: RateLimiter
    timeout: httpx.Timeout
    retry: RetryPolicy
    log: RequestLog
    map_transport_error: MapTransportError
    map_rejection: MapRejection
    # The failures worth another attempt; any other of RETRIED_TRANSPORT_ERRORS is mapped at
    # once. A provider whose writes must never repeat keeps only "the request never left".
    retried_errors: tuple[type[httpx.TransportError], ...] = RETRIED_TRANSPORT_ERRORS

    async def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str | int | float] | None = None,
        content: bytes | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """The first 2xx response.

        Raises:
            Exception: what `map_transport_error` returns when the last attempt got no
                answer, or `Rejection.error` when it is final or came on the last attempt.
        """
        url = f"{self.base_url}{path}"
        attempts = self.retry.attempts
        for attempt in range(1, attempts + 1):
            await self.limiter.acquire()
            started = time.perf_counter()
            try:
                response = await self.http.request(
                    method,
                    url,
                    params=params,
                    content=content,
                    json=json_body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except RETRIED_TRANSPORT_ERRORS as exc:
                self.log.attempt(method, path, None, started, attempt, failure=exc)
                if attempt == attempts or not isinstance(exc, self.retried_errors):
                    raise self.map_transport_error(exc, method, path) from exc
                await asyncio.sleep(self.retry.delay(attempt, None))
                continue
            self.log.attempt(method, path, response.status_code, started, attempt)
            if response.is_success:
                return response
            rejection = self.map_rejection(response)
            if attempt == attempts or not rejection.is_retriable:
                raise rejection.error
            await asyncio.sleep(self.retry.delay(attempt, rejection.retry_after))
        raise AssertionError("unreachable: the last attempt returns or raises")
