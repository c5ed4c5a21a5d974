"""Create and authenticate users; hashes are argon2id (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Role, User
from ravensearch.errors import Conflict, InvalidInput
from ravensearch.kit.clock import utcnow
from ravensearch.users.repository import UserRepository

BOOTSTRAP_EMAIL = "admin@localhost"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# Deliberately loose: `admin@localhost` must pass, and the address is a login name here,
# not somewhere we send mail.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")

# Module-level so tests can swap in a cheap hasher (verification reads the cost from the hash).
password_hasher = PasswordHasher()


class UserAlreadyExists(Conflict):
    pass


@dataclass(frozen=True)
class BootstrapAdmin:
    user: User
    password: str


def normalize_login(email: str) -> str:
    return email.strip().lower()


def session_fingerprint(user: User) -> str:
    """Changes when the password does, so a new password signs every old session out."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Password must be at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Password must be at most {MAX_PASSWORD} characters.")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class UserService:
    """Users of the admin UI. Hashing runs in a thread: argon2 is slow on purpose."""

    # A hash to verify against for unknown emails, made by the current hasher (same cost).
    _dummy: tuple[PasswordHasher, str] | None = None

    async def create(
        self, session: AsyncSession, *, email: str, password: str, role: str = Role.viewer
    ) -> User:
        """Raises `InvalidInput` (bad email, password or role) or `UserAlreadyExists` (409)."""
        login = normalize_login(email)
        if not _EMAIL.match(login):
            raise InvalidInput(f"'{email}' is not an email address.")
        if role not in Role.__members__:
            raise InvalidInput(f"Role must be one of: {', '.join(Role)}.")
        _check_password(password)
        repository = UserRepository(session)
        if await repository.get_by_email(login) is not None:
            raise UserAlreadyExists(f"A user {login} already exists.")
        password_hash = await asyncio.to_thread(password_hasher.hash, password)
        user = User(email=login, password_hash=password_hash, role=Role(role))
        try:
            async with session.begin_nested():
                await repository.add(user)
        except IntegrityError:
            raise UserAlreadyExists(f"A user {login} already exists.") from None
        return user

    async def authenticate(self, session: AsyncSession, email: str, password: str) -> User | None:
        """The active user with this email and password, or None (unknown, wrong, disabled).

        An unknown email still costs one hash verification, so timing does not tell
        which emails exist. Records `last_login_at` and upgrades an outdated hash.
        """
        user = await UserRepository(session).get_by_email(normalize_login(email))
        if user is None:
            await asyncio.to_thread(_verify, await self._dummy_hash(), password)
            return None
        if not await asyncio.to_thread(_verify, user.password_hash, password):
            return None
        if user.disabled_at is not None:
            return None
        if password_hasher.check_needs_rehash(user.password_hash):
            user.password_hash = await asyncio.to_thread(password_hasher.hash, password)
        user.last_login_at = utcnow()
        await session.flush()
        return user

    async def get_active(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        user = await UserRepository(session).get(user_id)
        return user if user is not None and user.disabled_at is None else None

    async def bootstrap_admin(self, session: AsyncSession) -> BootstrapAdmin | None:
        """On a fresh install (no user at all) create an admin with a random password.

        The password is returned once, for `serve` to print; only its hash is stored.
        Returns None when any user exists (or another process created one first).
        """
        if await UserRepository(session).count():
            return None
        password = secrets.token_urlsafe(12)
        try:
            user = await self.create(
                session, email=BOOTSTRAP_EMAIL, password=password, role=Role.admin
            )
        except UserAlreadyExists:
            return None
        return BootstrapAdmin(user=user, password=password)

    async def _dummy_hash(self) -> str:
        hasher = password_hasher
        if self._dummy is None or self._dummy[0] is not hasher:
            digest = await asyncio.to_thread(hasher.hash, secrets.token_urlsafe(16))
            self._dummy = (hasher, digest)
        return self._dummy[1]


user_service = UserService()
