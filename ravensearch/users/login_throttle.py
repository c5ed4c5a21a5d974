"""Failed-login throttling: N attempts per (email, IP) per window, counted in the database.

In the database rather than in memory so that every `serve` process keeps one limit, not N.

An attempt is *reserved* (written as a failure) before its password is checked, in a short
transaction that counts and inserts under a lock on the key, so parallel attempts cannot all
see "4 so far" and all be checked. A success deletes the key's rows, its own reservation
included, so a person who finally types the right password starts again from zero (only the
password's holder can do that). An attempt that dies between reservation and check (a crash,
the database gone) stays counted until the window passes: the limit fails closed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.kit.clock import as_utc, utcnow
from ravensearch.users.repository import LoginFailureRepository


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

    async def reserve(self, session: AsyncSession, key: str) -> timedelta | None:
        """Count one attempt for `key` before its password is checked.

        Returns None when the attempt is reserved (commit before checking the password, so
        other processes count it), or how long until `key` may try again (nothing recorded).
        """
        repository = LoginFailureRepository(session)
        await repository.lock_key(key)
        now = self._clock()
        # Rows past the window count for nobody: drop them as we go (indexed on failed_at).
        await repository.delete_up_to(now - self.window)
        count, oldest = await repository.count_since(key, now - self.window)
        if count >= self.max_failures and oldest is not None:
            return max(as_utc(oldest) + self.window - now, timedelta(0))
        await repository.add(key, now)
        return None

    async def reset(self, session: AsyncSession, key: str) -> None:
        """After a success: the key's attempts, its own reservation included, count no more."""
        await LoginFailureRepository(session).delete_key(key)
