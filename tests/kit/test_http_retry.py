from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from ravensearch.kit.http_retry import RetryPolicy, parse_retry_after


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
