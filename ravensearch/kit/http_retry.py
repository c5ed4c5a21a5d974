"""Retrying an HTTP API call: what every provider's client does the same way.

What a failure means (which error, whether to retry) stays with each provider's client.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

RETRY_AFTER_CAP = 60.0


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
