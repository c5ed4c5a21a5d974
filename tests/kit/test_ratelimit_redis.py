"""One rate limit for the workspace: limiters in separate processes share their windows
through Redis, and fall back to their own (with one warning) when Redis is away."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis

from ravensearch.kit import ratelimit
from ravensearch.kit.ratelimit import (
    KEY_PREFIX,
    RateLimiter,
    RedisRateLimiter,
    share_limits_through,
    shared_limiter,
)

RESERVE_IN_A_PROCESS = """
import json, sys
from ravensearch.kit.ratelimit import share_limits_through, shared_limiter
share_limits_through(sys.argv[1])
limiter = shared_limiter(sys.argv[2], per_second=int(sys.argv[3]), per_minute=6000)
print(json.dumps([limiter.reserve_shared()[0] for _ in range(int(sys.argv[4]))]))
"""


@pytest.fixture
def workspace(redis_url: str) -> Iterator[str]:
    """A key of its own in the shared Redis (removed afterwards); limiters reset after."""
    client = redis.Redis.from_url(redis_url)
    key = f"test-{uuid.uuid4().hex}"
    yield key
    client.delete(f"{KEY_PREFIX}{key}:s", f"{KEY_PREFIX}{key}:m")
    share_limits_through("")


def _busiest_second(slots: list[float]) -> int:
    ordered = sorted(slots)
    return max(sum(1 for t in ordered[i:] if t < start + 1.0) for i, start in enumerate(ordered))


def test_two_processes_never_exceed_the_limit_together(workspace: str, redis_url: str) -> None:
    per_second, each = 10, 25
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RESERVE_IN_A_PROCESS,
                redis_url,
                workspace,
                str(per_second),
                str(each),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    slots: list[float] = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        slots.extend(json.loads(out))
    assert len(set(slots)) == 2 * each  # every slot handed out once, across both
    assert _busiest_second(slots) == per_second
    # 50 slots at 10/s: the last is about 4 s after the first, whoever reserved it.
    assert max(slots) - min(slots) >= (2 * each - per_second) / per_second


async def test_acquire_waits_for_the_shared_slot(workspace: str, redis_url: str) -> None:
    share_limits_through(redis_url)
    limiter = shared_limiter(workspace, per_second=2, per_minute=100)
    assert isinstance(limiter, RedisRateLimiter)
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    limiter._sleep = record
    for _ in range(3):
        await limiter.acquire()
    # Slots 0.5 s apart (2/s, spaced evenly): the second waits ~0.5 s, the third ~1 s.
    assert len(slept) == 2
    assert 0.4 < slept[0] <= 0.5
    assert 0.9 < slept[1] <= 1.0


async def test_unreachable_redis_falls_back_with_one_warning(
    workspace: str, caplog: pytest.LogCaptureFixture
) -> None:
    share_limits_through("redis://127.0.0.1:1/0")
    limiter = shared_limiter(workspace, per_second=100, per_minute=1000)
    with caplog.at_level(logging.WARNING, logger=ratelimit.__name__):
        for _ in range(5):
            await limiter.acquire()
    warnings = [r for r in caplog.records if "redis_unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert not any(r.exc_info for r in caplog.records)


def test_without_redis_each_process_keeps_its_own(workspace: str) -> None:
    share_limits_through("")
    limiter = shared_limiter(workspace)
    assert type(limiter) is RateLimiter
    assert shared_limiter(workspace) is limiter
