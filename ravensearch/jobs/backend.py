"""The Huey instance every task registers on: Redis when REDIS_URL is set, else SQLite."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis
from huey import Huey, RedisHuey, SqliteHuey

from ravensearch.config import Settings, SettingsError, get_settings

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


def redis_location(url: str) -> str:
    """Host, port and database of a Redis URL, never its password (it goes in log lines)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    return f"{parts.scheme}://{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path}"


class RedisOutage:
    """Shared by a process's worker threads and scheduler while Redis is away: one log line
    per retry, and retries further apart each time (doubling up to `cap` seconds)."""

    def __init__(
        self,
        location: str,
        *,
        first: float = FIRST_RETRY_SECONDS,
        cap: float = MAX_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.location = location
        self.first = first
        self.cap = cap
        self.delay = 0.0
        self._clock = clock
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.delay > 0

    def failed(self, exc: Exception) -> float:
        """Note a failed Redis call; returns the seconds to wait before the next one."""
        with self._lock:
            now = self._clock()
            if now >= self._retry_at:  # this was a retry (or the first failure): log it once
                self.delay = min(self.cap, self.delay * 2 if self.delay else self.first)
                self._retry_at = now + self.delay
                log.warning(
                    "jobs.redis.unreachable location=%s retry_in=%.0fs reason=%s",
                    self.location,
                    self.delay,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
            return self._retry_at - now

    def recovered(self) -> None:
        with self._lock:
            if self.delay:
                log.warning("jobs.redis.reachable location=%s", self.location)
            self.delay = 0.0
            self._retry_at = 0.0


class PatientRedisHuey(RedisHuey):  # type: ignore[misc]
    """RedisHuey that waits out a Redis outage instead of logging a traceback per poll."""

    def __init__(self, name: str, *, url: str, **kwargs: Any) -> None:
        # A connect timeout, so an unreachable host fails a poll instead of hanging it.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=5)
        super().__init__(name, connection_pool=pool, **kwargs)
        self.outage = RedisOutage(redis_location(url))
        self.sleep: Callable[[float], None] = time.sleep

    def dequeue(self) -> Any:
        try:
            task = super().dequeue()
        except redis.RedisError as exc:
            self.sleep(self.outage.failed(exc))
            return None
        self.outage.recovered()
        return task

    def read_schedule(self, timestamp: Any = None) -> list[Any]:
        try:
            tasks: list[Any] = super().read_schedule(timestamp)
        except redis.RedisError as exc:
            self.outage.failed(exc)  # the scheduler's own interval paces its retries
            return []
        return tasks

    def read_periodic(self, timestamp: Any) -> list[Any]:
        # Enqueuing them would fail with a traceback each; the next period enqueues them.
        return [] if self.outage.active else list(super().read_periodic(timestamp))


def unreachable_queue(queue: Huey) -> str | None:
    """Why the Redis queue cannot be used right now (one line naming REDIS_URL), or None."""
    if not isinstance(queue, PatientRedisHuey):
        return None
    try:
        queue.storage.conn.ping()
    except redis.RedisError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            f"Cannot reach Redis at REDIS_URL={queue.outage.location} ({reason}). "
            "Start Redis or fix REDIS_URL (unset it to use the embedded SQLite queue)."
        )
    return None


def make_huey(settings: Settings) -> Huey:
    if settings.REDIS_URL:
        return PatientRedisHuey(settings.JOBS_QUEUE, url=settings.REDIS_URL, results=False)
    return SqliteHuey(settings.JOBS_QUEUE, filename=settings.JOBS_DATABASE, results=False)


def _default_huey() -> Huey:
    try:
        return make_huey(get_settings())
    except SettingsError:
        # A bad setting is reported by the command that needs it; importing must not crash.
        return SqliteHuey("ravensearch", filename="ravensearch-jobs.db", results=False)


huey = _default_huey()
