"""The one place where a source client talks HTTP, through `kit.http_retry.RetryingSender`.

Each provider passes its own error mapper (its envelope → our `SourceError` tree); a
mapped error that is a `SourceRetriableError` is retried, anything else is raised at once.
Each provider's client subclasses `ProviderClient` and keeps only its URLs, auth header,
limits and error mapping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypedDict, Unpack

import httpx
import structlog

from ravensearch.kit.closing import AsyncClosing
from ravensearch.kit.http_retry import (
    Rejection,
    RequestLog,
    RetryingSender,
    RetryPolicy,
    parse_retry_after,
)
from ravensearch.kit.ratelimit import RateLimiter, shared_limiter, workspace_key
from ravensearch.sources.base import (
    SourceAuthError,
    SourceBadRequest,
    SourceError,
    SourceName,
    SourceRateLimited,
    SourceRetriableError,
    SourceUnavailable,
)

DEFAULT_USER_AGENT = "Ravensearch/0.1 (+https://github.com/ravensearch/ravensearch)"

log = structlog.get_logger("ravensearch.sources")

ErrorMapper = Callable[[httpx.Response], SourceError]


class HttpOptions(TypedDict, total=False):
    """Transport settings a source client passes through to `ProviderHttp` unchanged."""

    http_client: httpx.AsyncClient | None
    timeout: float
    max_retries: int
    backoff_base: float
    backoff_max: float
    user_agent: str


class ClientOptions(HttpOptions, total=False):
    """What a source client accepts besides its key and base URL."""

    per_second: int
    per_minute: int
    rate_limiter: RateLimiter | None


class ProviderHttp:
    """Authenticated, rate-limited, retrying requests to one provider.

    An injected `http_client` is left open; one made here is closed by `aclose()`.
    """

    def __init__(
        self,
        provider: str,
        *,
        base_url: str,
        headers: dict[str, str],
        map_error: ErrorMapper,
        limiter: RateLimiter,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        retry = RetryPolicy(max_retries, backoff_base, backoff_max)
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self._headers = {"User-Agent": user_agent, "Accept": "application/json", **headers}
        self._map_error = map_error
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        self._sender = RetryingSender(
            http=self._http,
            base_url=self.base_url,
            limiter=limiter,
            timeout=httpx.Timeout(timeout),
            retry=retry,
            log=RequestLog(
                log, "sources.request", success_level=logging.DEBUG, context={"provider": provider}
            ),
            map_transport_error=self._transport_error,
            map_rejection=self._rejection,
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int | float] | None = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The first 2xx response; retries network failures, 408, 429 and 5xx.

        Raises:
            SourceError: the mapped error of the last answer (or SourceUnavailable).
        """
        return await self._sender.send(
            method,
            path,
            headers={**self._headers, **(headers or {})},
            params=params,
            json_body=json_body,
        )

    def json_object(self, response: httpx.Response, endpoint: str) -> dict[str, Any]:
        """The decoded answer of `endpoint`; a `SourceError` when it is not a JSON object."""
        data = json_or_none(response)
        if not isinstance(data, dict):
            raise SourceError(f"{endpoint} answer is not a JSON object", provider=self.provider)
        return data

    def _error_for(self, response: httpx.Response) -> SourceError:
        if response.status_code == 408 or response.status_code >= 500:
            error = self._map_error(response)
            if isinstance(error, SourceRetriableError):
                return error
            return SourceUnavailable(
                error.message,
                provider=self.provider,
                status_code=response.status_code,
                code=error.code,
            )
        return self._map_error(response)

    def _transport_error(
        self, failure: httpx.TransportError, method: str, path: str
    ) -> SourceUnavailable:
        return SourceUnavailable(
            f"{method} {path} failed: {type(failure).__name__}", provider=self.provider
        )

    def _rejection(self, response: httpx.Response) -> Rejection:
        error = self._error_for(response)
        retry_after = error.retry_after if isinstance(error, SourceRateLimited) else None
        return Rejection(
            error, is_retriable=isinstance(error, SourceRetriableError), retry_after=retry_after
        )

    def retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based); see `RetryPolicy.delay`."""
        return self._sender.retry.delay(attempt, retry_after)


class ProviderClient(AsyncClosing):
    """One provider account, reached with one API key through a `ProviderHttp`.

    Use it as an async context manager or call `aclose()`. The rate limiter is shared per
    key in the process unless one is passed in, so several clients for one key never
    exceed the provider's limit together.
    """

    name: SourceName
    default_per_second: ClassVar[int]
    default_per_minute: ClassVar[int]

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        auth_headers: dict[str, str],
        map_error: ErrorMapper,
        per_second: int | None = None,
        per_minute: int | None = None,
        rate_limiter: RateLimiter | None = None,
        **options: Unpack[HttpOptions],
    ) -> None:
        limiter = rate_limiter or shared_limiter(
            f"{self.name}:{workspace_key(base_url, api_key)}",
            self.default_per_second if per_second is None else per_second,
            self.default_per_minute if per_minute is None else per_minute,
        )
        self._http = ProviderHttp(
            self.name,
            base_url=base_url,
            headers=auth_headers,
            map_error=map_error,
            limiter=limiter,
            **options,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._http.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a JSON answer (both providers nest theirs there), else `{}`."""
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_for_status(
    response: httpx.Response, message: str, *, provider: SourceName, code: str | None
) -> SourceError:
    """The error an HTTP status implies when the provider's envelope says nothing more."""
    kwargs: dict[str, Any] = {"provider": provider, "status_code": response.status_code}
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(response.headers)
        return SourceRateLimited(message, code=code, retry_after=retry_after, **kwargs)
    if status in (401, 403):
        return SourceAuthError(message, code=code, **kwargs)
    if status == 408 or status >= 500:
        return SourceUnavailable(message, code=code, **kwargs)
    if status == 400:
        return SourceBadRequest(message, code=code, **kwargs)
    return SourceError(message, code=code, **kwargs)


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
