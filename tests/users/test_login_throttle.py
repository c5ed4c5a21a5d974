from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.models import LoginFailure
from ravensearch.db.session import unit_of_work
from ravensearch.users.login_throttle import LoginThrottle

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def _reserve(
    sessionmaker: async_sessionmaker[AsyncSession], throttle: LoginThrottle, key: str
) -> timedelta | None:
    async with unit_of_work(sessionmaker) as session:
        return await throttle.reserve(session, key)


async def _stored(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(LoginFailure)) or 0)


async def test_one_limit_across_processes_and_its_window(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    # Two `serve` processes: two throttles, one table.
    first, second = LoginThrottle(clock=clock), LoginThrottle(clock=clock)
    key = first.key("Pat@Example.com ", "10.0.0.1")
    assert key == second.key("pat@example.com", "10.0.0.1")
    for n in range(5):
        clock.now = T0 + timedelta(seconds=n)
        assert await _reserve(sessionmaker, first if n % 2 else second, key) is None
    clock.now = T0 + timedelta(seconds=10)
    wait = await _reserve(sessionmaker, first, key)
    assert wait == timedelta(minutes=5) - timedelta(seconds=10)
    assert await _stored(sessionmaker) == 5  # a refused attempt is not recorded
    assert await _reserve(sessionmaker, second, second.key("pat@example.com", "10.0.0.2")) is None
    clock.now = T0 + timedelta(minutes=5, seconds=1)  # the oldest attempt left the window
    assert await _reserve(sessionmaker, second, key) is None


async def test_success_resets_and_old_rows_are_dropped(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_failures=2)
    key, other = throttle.key("a@b.com", None), throttle.key("c@d.com", None)
    assert await _reserve(sessionmaker, throttle, key) is None
    assert await _reserve(sessionmaker, throttle, key) is None
    assert await _reserve(sessionmaker, throttle, key) is not None
    async with unit_of_work(sessionmaker) as session:
        await throttle.reset(session, key)
    assert await _reserve(sessionmaker, throttle, other) is None
    clock.now = T0 + timedelta(hours=1)
    assert await _reserve(sessionmaker, throttle, key) is None  # drops what the window lost
    async with sessionmaker() as session:
        hashes = set((await session.scalars(select(LoginFailure.key_hash))).all())
    assert hashes == {key}
    assert "a@b.com" not in key


async def test_parallel_reservations_from_two_processes_stop_at_the_limit(db_url: str) -> None:
    # Two engines, two pools: as two `serve` processes would hold them.
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        makers = [create_sessionmaker(engine) for engine in engines]
        throttle = LoginThrottle()
        key = throttle.key("pat@example.com", "10.0.0.1")
        waits = await asyncio.gather(*(_reserve(makers[n % 2], throttle, key) for n in range(20)))
        assert sum(wait is None for wait in waits) == 5
        assert await _stored(makers[0]) == 5
    finally:
        for engine in engines:
            await engine.dispose()
