from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from ravensearch.kit.http_retry import parse_retry_after


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
