from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.app_settings.service import (
    SESSION_SECRET_KEY,
    app_settings_service,
    load_stored_webhook_secret,
)
from ravensearch.config import Settings
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import ActivityConfig
from ravensearch.runtime import build_runtime


async def test_a_generated_secret_is_kept(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessionmaker) as session:
        first = await app_settings_service.get_or_create_secret(session, SESSION_SECRET_KEY)
    async with unit_of_work(sessionmaker) as session:
        second = await app_settings_service.get_or_create_secret(session, SESSION_SECRET_KEY)
    assert first == second
    assert len(first) >= 48


async def test_a_rotated_webhook_secret_survives_a_restart(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    assert await load_stored_webhook_secret(sessionmaker) is None
    async with unit_of_work(sessionmaker) as session:
        rotated = await app_settings_service.rotate_webhook_secret(session)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=db_url,
        INSTANTLY_WEBHOOK_SECRET="from-env",
        RAVENSEARCH_MOCK=True,
    )
    runtime = await build_runtime(settings, migrate_db=False)
    try:
        assert runtime.webhook_secret == rotated
        assert runtime.fake_state is not None
        runtime.fake_state.simulate_activity = ActivityConfig(
            webhook_url="http://x/api/webhooks/instantly", headers={"X-Webhook-Secret": rotated}
        )
        runtime.set_webhook_secret("newer")  # the simulated Instantly follows a rotation
        assert runtime.webhook_secret == "newer"
        assert runtime.fake_state.simulate_activity.headers["X-Webhook-Secret"] == "newer"
    finally:
        await runtime.aclose()
