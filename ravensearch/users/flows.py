"""Signing in: a reserved attempt, then the password check, in two transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import User
from ravensearch.db.session import unit_of_work
from ravensearch.users.login_throttle import LoginThrottle
from ravensearch.users.service import user_service


@dataclass(frozen=True)
class SignIn:
    """The user when the password was right; `retry_after` when the limit refused the try."""

    user: User | None
    retry_after: timedelta | None = None


async def sign_in(
    sessionmaker: async_sessionmaker[AsyncSession],
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    client_ip: str | None,
) -> SignIn:
    """Check `password` under the failed-login limit of `throttle`.

    The attempt is committed before the check so parallel attempts, in this process or
    another, see it; the slow (argon2) check then runs without the reservation's lock.
    """
    key = throttle.key(email, client_ip)
    async with unit_of_work(sessionmaker) as session:
        wait = await throttle.reserve(session, key)
    if wait is not None:
        return SignIn(user=None, retry_after=wait)
    async with unit_of_work(sessionmaker) as session:
        user = await user_service.authenticate(session, email, password)
        if user is not None:
            await throttle.reset(session, key)
    return SignIn(user=user)
