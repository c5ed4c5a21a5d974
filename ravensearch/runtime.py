"""What one process needs to serve requests or run commands: DB engine, Instantly client, fakes.

Built once by the web lifespan, by each CLI command, and by the test fixtures.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.config import Settings
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker, is_sqlite
from ravensearch.events.applier import EventApplier
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app, seed_demo_campaigns

log = logging.getLogger(__name__)

MOCK_API_KEY = "mock-mode-key"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    instantly: InstantlyClient
    webhook_secret: str
    events: EventApplier
    fake_state: FakeInstantlyState | None = None
    _owned_http: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def is_mock(self) -> bool:
        return self.fake_state is not None

    def add_closeable(self, client: httpx.AsyncClient) -> None:
        self._owned_http.append(client)

    async def aclose(self) -> None:
        await self.instantly.aclose()
        for client in self._owned_http:
            await client.aclose()
        await self.engine.dispose()


def build_instantly(
    settings: Settings, *, http_client: httpx.AsyncClient | None = None
) -> InstantlyClient:
    return InstantlyClient(
        settings.INSTANTLY_API_KEY.get_secret_value() or MOCK_API_KEY,
        base_url=settings.INSTANTLY_API_URL,
        http_client=http_client,
        timeout=settings.INSTANTLY_TIMEOUT_SECONDS,
        max_retries=settings.INSTANTLY_MAX_RETRIES,
        max_per_second=settings.INSTANTLY_MAX_PER_SECOND,
        max_per_minute=settings.INSTANTLY_MAX_PER_MINUTE,
        user_agent=settings.USER_AGENT,
    )


async def build_runtime(
    settings: Settings,
    *,
    instantly: InstantlyClient | None = None,
    migrate_db: bool | None = None,
) -> Runtime:
    """Assemble a runtime; in mock mode Instantly is an in-process fake seeded with demo data.

    `migrate_db=None` migrates the embedded SQLite default automatically (zero set-up) and
    leaves PostgreSQL to `ravensearch db upgrade`.
    """
    engine = create_engine(settings.DATABASE_URL)
    if migrate_db or (migrate_db is None and is_sqlite(settings.DATABASE_URL)):
        await migrate.upgrade(engine)
    fake_state: FakeInstantlyState | None = None
    owned: list[httpx.AsyncClient] = []
    if instantly is None:
        if settings.is_mock:
            fake_state = FakeInstantlyState(accept_any_key=True)
            seed_demo_campaigns(fake_state)
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_fake_app(fake_state)),
                base_url=settings.INSTANTLY_API_URL,
            )
            owned.append(http)
            instantly = build_instantly(settings, http_client=http)
        else:
            instantly = build_instantly(settings)
    secret = settings.INSTANTLY_WEBHOOK_SECRET.get_secret_value()
    if not secret and fake_state is not None:
        # Mock mode talks to itself: a per-process secret keeps the webhook endpoint closed.
        secret = secrets.token_urlsafe(24)
    if not secret:
        log.warning("INSTANTLY_WEBHOOK_SECRET is empty: /api/webhooks/instantly refuses all events")
    sessionmaker = create_sessionmaker(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        events=EventApplier(sessionmaker),
        instantly=instantly,
        webhook_secret=secret,
        fake_state=fake_state,
        _owned_http=owned,
    )
