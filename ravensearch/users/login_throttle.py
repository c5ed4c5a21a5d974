"""Failed-login throttling: N failures per (email, IP) per window, counted in the database.

In the database rather than in memory so that `serve --workers N` keeps one limit, not N.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import LoginFailure
from ravensearch.kit.clock import as_utc, utcnow


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock

    @staticmethod
    def key(email: str, ip: str | None) -> str:
        raw = f"{email.strip().lower()}|{ip or '?'}"
        return hashlib.sha256(raw.encode()).hexdigest()

    async def retry_after(self, session: AsyncSession, key: str) -> timedelta | None:
        """How long until `key` may try again, or None when it may try now."""
        horizon = self._clock() - self.window
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.failed_at)).where(
                    LoginFailure.key_hash == key, LoginFailure.failed_at > horizon
                )
            )
        ).one()
        if count < self.max_failures or oldest is None:
            return None
        return as_utc(oldest) + self.window - self._clock()

    async def record_failure(self, session: AsyncSession, key: str) -> None:
        now = self._clock()
        # Rows past the window count for nobody: drop them as we go (indexed on failed_at).
        await session.execute(
            delete(LoginFailure).where(LoginFailure.failed_at <= now - self.window)
        )
        session.add(LoginFailure(key_hash=key, failed_at=now))
        await session.flush()

    async def reset(self, session: AsyncSession, key: str) -> None:
        await session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
