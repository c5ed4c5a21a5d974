"""SQL for users and their failed sign-ins."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import LoginFailure, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email))

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user


class LoginFailureRepository:
    """Rows of `login_failures`: attempts counted against a (hashed) email + IP key."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_key(self, key: str) -> None:
        """Serialise writers of one key until the transaction ends.

        PostgreSQL: a transaction-scoped advisory lock on the key (READ COMMITTED would let
        two attempts both count 4 and both insert). SQLite needs nothing more: the engine
        opens every transaction with BEGIN IMMEDIATE, which takes the database's write lock.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            lock_id = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
            await self.session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def count_since(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many attempts `key` has after `since`, and when the oldest of them was."""
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(LoginFailure.failed_at)).where(
                    LoginFailure.key_hash == key, LoginFailure.failed_at > since
                )
            )
        ).one()
        return int(count), oldest

    async def add(self, key: str, at: datetime) -> None:
        self.session.add(LoginFailure(key_hash=key, failed_at=at))
        await self.session.flush()

    async def delete_up_to(self, until: datetime) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= until))

    async def delete_key(self, key: str) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key))
