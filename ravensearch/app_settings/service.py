"""Run-time secrets kept in `app_settings`; callers own the transaction."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.app_settings.repository import AppSettingRepository
from ravensearch.db.session import unit_of_work

log = logging.getLogger(__name__)

SESSION_SECRET_KEY = "web.session_secret"
WEBHOOK_SECRET_KEY = "instantly.webhook_secret"
WEBHOOK_ID_KEY = "instantly.webhook_id"  # the webhook `webhook install` registered


class AppSettingsService:
    async def get(self, session: AsyncSession, key: str) -> str | None:
        return await AppSettingRepository(session).get(key)

    async def put(self, session: AsyncSession, key: str, value: str) -> None:
        await AppSettingRepository(session).put(key, value)

    async def get_or_create_secret(self, session: AsyncSession, key: str) -> str:
        """The secret stored under `key`, generated on first use.

        Insert-if-absent then read back: when two processes start together both end up
        with the value that won, never two different keys.
        """
        repository = AppSettingRepository(session)
        value = await repository.get(key)
        if value:
            return value
        await repository.insert_if_absent(key, secrets.token_urlsafe(48))
        value = await repository.get(key)
        assert value is not None  # inserted just now, or by the process that won
        return value

    async def rotate_webhook_secret(self, session: AsyncSession) -> str:
        """Store and return a new webhook secret; it replaces INSTANTLY_WEBHOOK_SECRET."""
        secret = secrets.token_urlsafe(32)
        await AppSettingRepository(session).put(WEBHOOK_SECRET_KEY, secret)
        return secret


async def load_stored_webhook_secret(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> str | None:
    """A secret rotated from the Settings page, if any; None when the table is not there yet
    (PostgreSQL before `ravensearch db upgrade`)."""
    try:
        async with unit_of_work(sessionmaker) as session:
            return await app_settings_service.get(session, WEBHOOK_SECRET_KEY)
    except SQLAlchemyError as exc:
        log.warning("app_settings.unavailable error=%s", type(exc).__name__)
        return None


app_settings_service = AppSettingsService()
