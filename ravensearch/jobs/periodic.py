"""Periodic tasks run once per deployment, however many `worker`s run the scheduler.

Each worker's Huey scheduler enqueues every periodic task; with the queue in Redis the first
copy to run in a period takes a lock (SET NX with a TTL just under the period) and the
others see it taken and return. The SQLite queue serves one machine, where a single
consumer runs (jobs/consumer_lock.py), so it needs no lock.
"""

from __future__ import annotations

import os
import socket

from huey import Huey
from huey.storage import RedisStorage

# The lock lapses a little before the next period, so the next copy always finds it free
# even when schedulers on different machines are a few seconds apart.
LOCK_SHARE_OF_PERIOD = 0.9


def first_in_period(huey: Huey, name: str, period_seconds: int) -> bool:
    """True for the first caller in this period across every worker sharing the queue."""
    if not isinstance(huey.storage, RedisStorage):
        return True
    ttl = max(1, int(period_seconds * LOCK_SHARE_OF_PERIOD))
    key = f"ravensearch.periodic.{huey.storage.name}.{name}"
    holder = f"{socket.gethostname()}:{os.getpid()}"
    return bool(huey.storage.conn.set(key, holder, nx=True, ex=ttl))
