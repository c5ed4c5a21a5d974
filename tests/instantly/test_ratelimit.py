from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ravensearch.instantly import InstantlyClient
from ravensearch.kit.ratelimit import RateLimiter, shared_limiter, workspace_key


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_window(slots: Sequence[float], period: float) -> int:
    ordered = sorted(slots)
    best, start = 0, 0
    for end, slot in enumerate(ordered):
        while ordered[start] <= slot - period:
            start += 1
        best = max(best, end - start + 1)
    return best


class TestReserve:
    def test_per_second_limit_spreads_a_burst(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(50, 3000, clock=clock)
        slots = [limiter.reserve() for _ in range(120)]
        assert slots == sorted(slots)
        assert slots[-1] - slots[0] >= 1.4
        assert max_in_window(slots, 1.0) == 50
        assert slots[49] == 0.0
        assert slots[50] == pytest.approx(1.0)

    def test_per_minute_limit_is_enforced_too(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(100, 150, clock=clock)
        slots = [limiter.reserve() for _ in range(320)]
        assert max_in_window(slots, 60.0) == 150
        assert max_in_window(slots, 1.0) <= 100
        assert slots[150] >= 60.0
        assert slots[300] >= 120.0

    def test_free_capacity_is_not_delayed(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(50, 3000, clock=clock)
        assert limiter.reserve() == 0.0
        clock.now = 5.0
        assert limiter.reserve() == 5.0

    def test_threads_never_share_a_slot(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(50, 3000, clock=clock)
        slots: list[float] = []
        guard = threading.Lock()

        def worker() -> None:
            mine = [limiter.reserve() for _ in range(50)]
            with guard:
                slots.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(slots) == 400
        assert max_in_window(slots, 1.0) == 50
        assert max(slots) == pytest.approx(7.0)

    @pytest.mark.parametrize(("per_second", "per_minute"), [(0, 10), (10, 0)])
    def test_rejects_empty_limits(self, per_second: int, per_minute: int) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            RateLimiter(per_second, per_minute)


class TestAcquire:
    async def test_sleeps_until_the_reserved_slot(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(50, 3000, clock=clock, sleep=clock.sleep)
        waits = [await limiter.acquire() for _ in range(120)]
        assert waits[:50] == [0.0] * 50
        assert waits[50] == pytest.approx(1.0)
        assert clock.now == pytest.approx(2.0)
        assert len(clock.sleeps) == 2


class TestSharedLimiter:
    def test_same_key_same_instance(self) -> None:
        key = workspace_key("https://api.instantly.ai/api/v2", "k-shared-1")
        assert shared_limiter(key, 50, 3000) is shared_limiter(key, 50, 3000)

    def test_other_workspace_other_instance(self) -> None:
        one = shared_limiter(workspace_key("https://x/api/v2", "k-a"))
        other = shared_limiter(workspace_key("https://x/api/v2", "k-b"))
        assert one is not other

    def test_key_does_not_contain_the_api_key(self) -> None:
        key = workspace_key("https://api.instantly.ai/api/v2/", "super-secret-api-key")
        assert "super-secret" not in key
        assert key == workspace_key("https://api.instantly.ai/api/v2", "super-secret-api-key")

    async def test_clients_of_one_workspace_share_it(self) -> None:
        one = InstantlyClient("k-clients", base_url="https://x.test/api/v2", max_per_second=7)
        two = InstantlyClient("k-clients", base_url="https://x.test/api/v2/")
        three = InstantlyClient("k-other", base_url="https://x.test/api/v2")
        try:
            assert one._sender.limiter is two._sender.limiter
            assert one._sender.limiter is not three._sender.limiter
            assert one._sender.limiter.per_second == 7
        finally:
            for client in (one, two, three):
                await client.aclose()
