from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Role
from ravensearch.errors import InvalidInput
from ravensearch.kit.clock import utcnow
from ravensearch.users import service as users_service
from ravensearch.users.service import BOOTSTRAP_EMAIL, UserAlreadyExists, user_service


class TestCreate:
    async def test_stores_an_argon2_hash_and_a_normalized_email(
        self, session: AsyncSession
    ) -> None:
        user = await user_service.create(
            session, email="  Pat@Example.COM ", password="long enough", role=Role.admin
        )
        assert user.email == "pat@example.com"
        assert user.role == Role.admin
        assert user.password_hash.startswith("$argon2id$")
        assert "long enough" not in user.password_hash

    async def test_duplicate_email_is_a_conflict(self, session: AsyncSession) -> None:
        await user_service.create(session, email="a@example.com", password="long enough")
        with pytest.raises(UserAlreadyExists) as raised:
            await user_service.create(session, email="A@example.com", password="other one!")
        assert raised.value.status_code == 409

    @pytest.mark.parametrize(
        ("email", "password", "role", "message"),
        [
            ("not-an-email", "long enough", Role.viewer, "is not an email address"),
            ("a@example.com", "short", Role.viewer, "at least 8 characters"),
            ("a@example.com", "long enough", "owner", "Role must be one of"),
        ],
    )
    async def test_refuses_bad_input(
        self, session: AsyncSession, email: str, password: str, role: str, message: str
    ) -> None:
        with pytest.raises(InvalidInput, match=message):
            await user_service.create(session, email=email, password=password, role=role)


class TestAuthenticate:
    async def test_right_wrong_and_unknown(self, session: AsyncSession) -> None:
        user = await user_service.create(session, email="a@example.com", password="long enough")
        assert await user_service.authenticate(session, "A@example.com", "long enough") is user
        assert user.last_login_at is not None
        assert await user_service.authenticate(session, "a@example.com", "long enougH") is None
        assert await user_service.authenticate(session, "b@example.com", "long enough") is None

    async def test_disabled_user_is_refused(self, session: AsyncSession) -> None:
        user = await user_service.create(session, email="a@example.com", password="long enough")
        user.disabled_at = utcnow()
        assert await user_service.authenticate(session, "a@example.com", "long enough") is None
        assert await user_service.get_active(session, user.id) is None

    async def test_an_outdated_hash_is_upgraded_at_login(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = await user_service.create(session, email="a@example.com", password="long enough")
        old_hash = user.password_hash
        stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
        monkeypatch.setattr(users_service, "password_hasher", stronger)
        assert await user_service.authenticate(session, "a@example.com", "long enough") is user
        assert user.password_hash != old_hash
        assert "t=2" in user.password_hash


class TestBootstrapAdmin:
    async def test_only_on_an_empty_install(self, session: AsyncSession) -> None:
        first = await user_service.bootstrap_admin(session)
        assert first is not None
        assert first.user.email == BOOTSTRAP_EMAIL
        assert first.user.role == Role.admin
        assert (
            await user_service.authenticate(session, BOOTSTRAP_EMAIL, first.password) is first.user
        )
        assert await user_service.bootstrap_admin(session) is None

    async def test_not_when_anyone_exists(self, session: AsyncSession) -> None:
        await user_service.create(session, email="v@example.com", password="long enough")
        assert await user_service.bootstrap_admin(session) is None
