from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import LoginFailure
from ravensearch.db.session import unit_of_work
from ravensearch.users.login_throttle import LoginThrottle

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def _fail(
    sessionmaker: async_sessionmaker[AsyncSession], throttle: LoginThrottle, key: str
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await throttle.record_failure(session, key)


async def _wait(
    sessionmaker: async_sessionmaker[AsyncSession], throttle: LoginThrottle, key: str
) -> timedelta | None:
    async with unit_of_work(sessionmaker) as session:
        return await throttle.retry_after(session, key)


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
        await _fail(sessionmaker, first if n % 2 else second, key)
    clock.now = T0 + timedelta(seconds=10)
    assert await _wait(sessionmaker, first, key) == timedelta(minutes=5) - timedelta(seconds=10)
    assert await _wait(sessionmaker, second, second.key("pat@example.com", "10.0.0.2")) is None
    clock.now = T0 + timedelta(minutes=5, seconds=1)  # the oldest failure left the window
    assert await _wait(sessionmaker, second, key) is None


async def test_success_resets_and_old_rows_are_dropped(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_failures=2)
    key, other = throttle.key("a@b.com", None), throttle.key("c@d.com", None)
    await _fail(sessionmaker, throttle, key)
    await _fail(sessionmaker, throttle, key)
    assert await _wait(sessionmaker, throttle, key) is not None
    async with unit_of_work(sessionmaker) as session:
        await throttle.reset(session, key)
    assert await _wait(sessionmaker, throttle, key) is None
    await _fail(sessionmaker, throttle, other)
    clock.now = T0 + timedelta(hours=1)
    await _fail(sessionmaker, throttle, key)  # drops what the window no longer holds
    async with sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(LoginFailure))
        hashes = set((await session.scalars(select(LoginFailure.key_hash))).all())
    assert stored == 1
    assert hashes == {key}
    assert "a@b.com" not in key
