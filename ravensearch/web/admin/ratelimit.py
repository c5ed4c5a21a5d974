"""Failed-login throttling, in memory per process: N failures per (email, IP) per window.

Several `serve` processes each keep their own count; that still caps guessing at N per
process per window, which is what matters against password guessing.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 10_000


class LoginLimiter:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    @staticmethod
    def key(email: str, ip: str | None) -> str:
        return f"{email.strip().lower()}|{ip or '?'}"

    def retry_after(self, key: str) -> float | None:
        """Seconds until `key` may try again, or None when it may try now."""
        failures = self._recent(key)
        if len(failures) < self.max_failures:
            return None
        return failures[0] + self.window_seconds - self._clock()

    def record_failure(self, key: str) -> None:
        if len(self._failures) >= MAX_KEYS:
            self._prune()
        self._recent(key).append(self._clock())

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        horizon = self._clock() - self.window_seconds
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures

    def _prune(self) -> None:
        horizon = self._clock() - self.window_seconds
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= horizon]:
            del self._failures[key]
        if len(self._failures) >= MAX_KEYS:  # a flood of distinct keys: forget the oldest half
            for key in list(self._failures)[: MAX_KEYS // 2]:
                del self._failures[key]


def minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))
