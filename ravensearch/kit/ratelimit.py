"""A request limiter per API account, shared by every client, loop and thread.

Providers cap requests per account over more than one window (Instantly: per second and
per minute for a workspace; Google: per minute for a project). Each window is a sliding
log of slot times, so no window of that length — however it is aligned — ever holds more
than its limit.

Callers *reserve* a slot under a `threading.Lock` (cheap, never awaited) and then sleep
until it outside the lock. Nothing is bound to an event loop, so one limiter serves the
web app's loop, every test's fresh loop and worker threads alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

# Half of Instantly's workspace allowance (instantly_v2.md §1.4), its first user; every
# other client passes its own limits.
DEFAULT_PER_SECOND = 50
DEFAULT_PER_MINUTE = 3000


class _Window:
    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._slots: deque[float] = deque(maxlen=limit)

    def earliest(self) -> float:
        """The first moment a new slot fits: `period` after the oldest of the last `limit`."""
        if len(self._slots) < self.limit:
            return -math.inf
        return self._slots[0] + self.period

    def record(self, slot: float) -> None:
        self._slots.append(slot)


class RateLimiter:
    """Allows at most `per_second` calls in any 1 s and `per_minute` in any 60 s.

    Slots are handed out first come, first served. A caller cancelled while waiting
    leaves its slot unused, which only errs on the safe side.
    """

    def __init__(
        self,
        per_second: int = DEFAULT_PER_SECOND,
        per_minute: int = DEFAULT_PER_MINUTE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second < 1 or per_minute < 1:
            raise ValueError("rate limits must be at least 1 request per window")
        self.per_second = per_second
        self.per_minute = per_minute
        self._windows = (_Window(per_second, 1.0), _Window(per_minute, 60.0))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_slot = -math.inf

    def reserve(self) -> float:
        """Claim the next free slot and return it as a time on the limiter's clock."""
        with self._lock:
            slot = max(self._clock(), self._last_slot)
            for window in self._windows:
                slot = max(slot, window.earliest())
            for window in self._windows:
                window.record(slot)
            self._last_slot = slot
            return slot

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        wait = self.reserve() - self._clock()
        if wait <= 0:
            return 0.0
        await self._sleep(wait)
        return wait


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def workspace_key(base_url: str, api_key: str) -> str:
    """A stable, non-reversible name for the account behind `api_key` at `base_url` (an
    Instantly workspace, a Google project): the raw key is never stored."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key}".encode())
    return digest.hexdigest()[:32]


def shared_limiter(
    key: str, per_second: int = DEFAULT_PER_SECOND, per_minute: int = DEFAULT_PER_MINUTE
) -> RateLimiter:
    """The process-wide limiter for `key`; the first caller's limits win."""
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(per_second, per_minute)
        return limiter
