from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from ravensearch.kit.http_retry import (
    Rejection,
    RequestLog,
    RetryingSender,
    RetryPolicy,
    parse_retry_after,
)
from ravensearch.kit.ratelimit import RateLimiter


class TestParseRetryAfter:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("-4", 0.0), ("soon", None)],
    )
    def test_seconds(self, value: str, expected: float | None) -> None:
        assert parse_retry_after(httpx.Headers({"Retry-After": value})) == expected

    def test_absent(self) -> None:
        assert parse_retry_after(httpx.Headers()) is None

    def test_http_date(self) -> None:
        when = datetime.now(UTC) + timedelta(seconds=30)
        seconds = parse_retry_after(httpx.Headers({"Retry-After": format_datetime(when, True)}))
        assert seconds is not None
        assert 25 <= seconds <= 31


class TestRetryPolicy:
    def test_attempts_count_the_first_try(self) -> None:
        assert RetryPolicy(0, 0.5, 8.0).attempts == 1
        assert RetryPolicy(4, 0.5, 8.0).attempts == 5

    def test_rejects_negative_retries(self) -> None:
        with pytest.raises(ValueError, match="max_retries"):
            RetryPolicy(-1, 0.5, 8.0)


class Refused(Exception):
    pass


def _scripted(*statuses: int | None) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """An HTTP client answering each request with the next status; None fails to connect."""
    seen: list[httpx.Request] = []
    script = iter(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = next(script)
        if status is None:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(status)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), seen


def _transport_error(failure: httpx.TransportError, method: str, path: str) -> Exception:
    return Refused(f"{method} {path}: {type(failure).__name__}")


def _rejection(response: httpx.Response) -> Rejection:
    status = response.status_code
    return Rejection(Refused(str(status)), is_retriable=status == 503, retry_after=0.0)


def _sender(http: httpx.AsyncClient, *, max_retries: int = 2) -> RetryingSender:
    return RetryingSender(
        http=http,
        base_url="https://api.example.com/v1",
        limiter=RateLimiter(1000, 60_000),
        timeout=httpx.Timeout(1.0),
        retry=RetryPolicy(max_retries, 0.001, 0.002),
        log=RequestLog(structlog.get_logger("tests"), "test.request", logging.INFO),
        map_transport_error=_transport_error,
        map_rejection=_rejection,
    )


class TestRetryingSender:
    async def test_retries_until_success_and_logs_each_attempt(self) -> None:
        http, seen = _scripted(503, None, 200)
        async with http:
            with capture_logs() as logs:
                response = await _sender(http).send("GET", "/things", headers={})
        assert response.status_code == 200
        assert str(seen[0].url) == "https://api.example.com/v1/things"
        assert [(e["status"], e["attempt"], e["log_level"]) for e in logs] == [
            (503, 1, "warning"),
            (None, 2, "warning"),
            (200, 3, "info"),
        ]
        assert logs[1]["error"] == "ConnectError"

    async def test_final_rejection_is_raised_at_once(self) -> None:
        http, seen = _scripted(404)
        async with http:
            with pytest.raises(Refused, match="404"):
                await _sender(http).send("GET", "/things", headers={})
        assert len(seen) == 1

    async def test_last_rejection_is_raised(self) -> None:
        http, seen = _scripted(503, 503)
        async with http:
            with pytest.raises(Refused, match="503"):
                await _sender(http, max_retries=1).send("GET", "/things", headers={})
        assert len(seen) == 2

    async def test_last_transport_failure_is_mapped(self) -> None:
        http, seen = _scripted(None, None)
        async with http:
            with pytest.raises(Refused, match="GET /things: ConnectError") as raised:
                await _sender(http, max_retries=1).send("GET", "/things", headers={})
        assert isinstance(raised.value.__cause__, httpx.ConnectError)
        assert len(seen) == 2

    async def test_a_failure_outside_retried_errors_is_mapped_at_once(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            raise httpx.ReadTimeout("no answer", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            sender = replace(_sender(http), retried_errors=(httpx.ConnectError,))
            with capture_logs() as logs, pytest.raises(Refused, match="ReadTimeout"):
                await sender.send("POST", "/mail", headers={})
        assert len(seen) == 1
        assert logs[0]["error"] == "ReadTimeout"
