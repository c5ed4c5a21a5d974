"""Retrying an HTTP API call: what every provider's client does the same way.

What a failure means (which error, whether to retry) stays with each provider's client.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx


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
