"""A request limiter per API account, shared by every client, loop and thread.

Providers cap requests per account over more than one window (Instantly: per second and
per minute for a workspace; Google: per minute for a project). Each window is a sliding
log of slot times, so no window of that length — however it is aligned — ever holds more
than its limit.

Callers *reserve* a slot under a `threading.Lock` (cheap, never awaited) and then sleep
until it outside the lock. Nothing is bound to an event loop, so one limiter serves the
web app's loop, every test's fresh loop and worker threads alike.

With Redis configured (`share_limits_through`), the windows live in Redis and every process
and worker on the account takes its slots from them (`RedisRateLimiter`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

import redis

log = logging.getLogger(__name__)

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


# Both windows as Redis lists of slot times (µs on the Redis clock, newest first), the same
# sliding logs as `_Window`, with slots at least 1/per_second apart. One script call
# reserves atomically across every process.
RESERVE_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local slot = now
local newest = redis.call('LINDEX', KEYS[1], 0)
if newest then
  -- Evenly spaced, not in bursts: requests from many processes reach the provider with
  -- some jitter, and a burst of a whole window's worth would spill into the next one.
  local spaced = tonumber(newest) + math.floor(tonumber(ARGV[3]) / tonumber(ARGV[1]))
  if spaced > slot then slot = spaced end
end
for i = 1, 2 do
  local limit = tonumber(ARGV[i])
  if redis.call('LLEN', KEYS[i]) >= limit then
    local oldest = tonumber(redis.call('LINDEX', KEYS[i], limit - 1)) + tonumber(ARGV[i + 2])
    if oldest > slot then slot = oldest end
  end
end
for i = 1, 2 do
  redis.call('LPUSH', KEYS[i], string.format('%.0f', slot))
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[i]) - 1)
  redis.call('PEXPIRE', KEYS[i], math.floor((slot - now + tonumber(ARGV[i + 2])) / 1000) + 1000)
end
return {string.format('%.0f', slot), string.format('%.0f', slot - now)}
"""
KEY_PREFIX = "ravensearch:ratelimit:"
# While Redis is unreachable each process falls back to its own limiter, and tries Redis
# again this often (not per call: each failed try costs a connect timeout).
REDIS_RETRY_SECONDS = 30.0


class SharedRedis:
    """One Redis connection pool for a process's limiters, and whether it is reachable."""

    def __init__(self, url: str, *, retry_after: float = REDIS_RETRY_SECONDS) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.script = self.client.register_script(RESERVE_LUA)
        self.retry_after = retry_after
        self._down_until = -math.inf
        self._lock = threading.Lock()

    def usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def went_away(self, exc: Exception) -> None:
        with self._lock:
            if self._down_until == -math.inf:  # one line per outage, not per call
                log.warning(
                    "ratelimit.redis_unreachable reason=%s: each process limits its own "
                    "requests until Redis answers again",
                    type(exc).__name__,
                )
            self._down_until = time.monotonic() + self.retry_after

    def came_back(self) -> None:
        with self._lock:
            if self._down_until != -math.inf:
                log.warning("ratelimit.redis_reachable: the rate limit is shared again")
            self._down_until = -math.inf


class RedisRateLimiter(RateLimiter):
    """The same two windows, kept in Redis for every process on the account and spaced
    evenly; its own in-memory windows stand in while Redis is unreachable."""

    def __init__(self, shared: SharedRedis, key: str, per_second: int, per_minute: int) -> None:
        super().__init__(per_second, per_minute)
        self.shared = shared
        self._keys = [f"{KEY_PREFIX}{key}:s", f"{KEY_PREFIX}{key}:m"]

    def reserve_shared(self) -> tuple[float, float] | None:
        """(slot, wait) in seconds on the Redis clock, or None when Redis cannot answer."""
        if not self.shared.usable():
            return None
        try:
            slot, wait = self.shared.script(
                keys=self._keys, args=[self.per_second, self.per_minute, 1_000_000, 60_000_000]
            )
        except redis.RedisError as exc:
            self.shared.went_away(exc)
            return None
        self.shared.came_back()
        return int(slot) / 1e6, int(wait) / 1e6

    async def acquire(self) -> float:
        if not self.shared.usable():
            return await super().acquire()
        reserved = await asyncio.to_thread(self.reserve_shared)
        if reserved is None:
            return await super().acquire()
        wait = reserved[1]
        if wait > 0:
            await self._sleep(wait)
        return max(wait, 0.0)


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()
_shared_redis: SharedRedis | None = None


def share_limits_through(redis_url: str) -> None:
    """Keep the limits of `shared_limiter` in Redis at `redis_url` for every process
    configured alike ("" keeps them in this process). Limiters handed out before are
    replaced."""
    global _shared_redis
    with _registry_lock:
        if (_shared_redis.url if _shared_redis else "") == redis_url:
            return
        _shared_redis = SharedRedis(redis_url) if redis_url else None
        _registry.clear()


def workspace_key(base_url: str, api_key: str) -> str:
    """A stable, non-reversible name for the account behind `api_key` at `base_url` (an
    Instantly workspace, a Google project): the raw key is never stored."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{api_key}".encode())
    return digest.hexdigest()[:32]


def shared_limiter(
    key: str, per_second: int = DEFAULT_PER_SECOND, per_minute: int = DEFAULT_PER_MINUTE
) -> RateLimiter:
    """The limiter for `key` in this process (shared through Redis when configured); the
    first caller's limits win."""
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            if _shared_redis is not None:
                limiter = RedisRateLimiter(_shared_redis, key, per_second, per_minute)
            else:
                limiter = RateLimiter(per_second, per_minute)
            _registry[key] = limiter
        return limiter
