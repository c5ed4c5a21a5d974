"""What one process needs to serve requests or run commands: DB engine, Instantly client, fakes.

Built once by the web lifespan, by each CLI command, and by the test fixtures.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.app_settings.service import load_stored_webhook_secret
from ravensearch.config import Settings
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker, is_sqlite
from ravensearch.enrichment.fake_web import mock_network
from ravensearch.enrichment.service import Enricher, build_enricher
from ravensearch.enrichment.verify import StaticMxResolver
from ravensearch.events.applier import EventApplier
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app, seed_demo_campaigns
from ravensearch.kit.ratelimit import share_limits_through
from ravensearch.sequences.sender import MailSender
from ravensearch.sources.registry import SourceClients, build_source_clients

log = logging.getLogger(__name__)

MOCK_API_KEY = "mock-mode-key"
# Mock mode's requests never leave the process; their log lines (httpx's, ours) name this
# host, so nobody reading them thinks they reached api.instantly.ai.
MOCK_INSTANTLY_URL = "http://simulated-instantly.invalid/api/v2"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    instantly: InstantlyClient
    webhook_secret: str
    events: EventApplier
    fake_state: FakeInstantlyState | None = None
    sources: SourceClients | None = None
    enricher: Enricher | None = None
    # SendGrid, built on first use (tests set a double here).
    mail_sender: MailSender | None = None
    _owned_http: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def is_mock(self) -> bool:
        return self.fake_state is not None

    def set_webhook_secret(self, secret: str) -> None:
        """Accept only `secret` from now on (mock mode's simulated Instantly sends it too)."""
        self.webhook_secret = secret
        if self.fake_state is not None and self.fake_state.simulate_activity is not None:
            self.fake_state.simulate_activity.headers["X-Webhook-Secret"] = secret

    def sendgrid(self) -> MailSender:
        """The SendGrid client (the fake one in mock mode), built on first use."""
        if self.mail_sender is None:
            self.mail_sender = build_mail_sender(self.settings)
        return self.mail_sender

    def add_closeable(self, client: httpx.AsyncClient) -> None:
        self._owned_http.append(client)

    async def aclose(self) -> None:
        await self.instantly.aclose()
        if self.sources is not None:
            await self.sources.aclose()
        if self.enricher is not None:
            await self.enricher.aclose()
        for client in self._owned_http:
            await client.aclose()
        await self.engine.dispose()


def build_instantly(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    base_url: str | None = None,
) -> InstantlyClient:
    return InstantlyClient(
        settings.INSTANTLY_API_KEY.get_secret_value() or MOCK_API_KEY,
        base_url=base_url or settings.INSTANTLY_API_URL,
        http_client=http_client,
        timeout=settings.INSTANTLY_TIMEOUT_SECONDS,
        max_retries=settings.INSTANTLY_MAX_RETRIES,
        max_per_second=settings.INSTANTLY_MAX_PER_SECOND,
        max_per_minute=settings.INSTANTLY_MAX_PER_MINUTE,
        user_agent=settings.USER_AGENT,
    )


def build_mail_sender(settings: Settings) -> MailSender:
    """The SendGrid client for sequences: `ravensearch.sendgrid.client.SendGridClient` with
    SENDGRID_API_KEY / SENDGRID_API_URL / timeout and retries from settings, or, in mock
    mode (`settings.sendgrid_is_mock`), the same client on the in-process fake SendGrid.

    Not connected yet: the client is built on another branch. The merger replaces this
    body with a lazy `from ravensearch.sendgrid.client import SendGridClient` (and
    `ravensearch.sendgrid.fake.create_fake_sendgrid` for mock mode).
    """
    raise NotImplementedError(
        "The SendGrid client is not part of this build yet (ravensearch.sendgrid.client); "
        "SendGrid sequences cannot be sent."
    )


def _build_enricher(settings: Settings, sources: SourceClients) -> Enricher:
    if sources.universe is None:
        return build_enricher(settings)
    # Mock mode: the collected businesses' websites are the synthetic universe's, served in
    # process (a site outside it answers 404), and every domain has an MX record.
    transport, resolver = mock_network(sources.universe.site_spec)
    return build_enricher(
        settings, transport=transport, resolver=resolver, mx_resolver=StaticMxResolver()
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
    # Before any client takes its limiter: with Redis, one rate limit for every process.
    share_limits_through(settings.REDIS_URL)
    engine = create_engine(
        settings.DATABASE_URL,
        pool_size=settings.DB_POOL_SIZE,
        pool_timeout=settings.DB_POOL_TIMEOUT,
    )
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
                base_url=MOCK_INSTANTLY_URL,
            )
            owned.append(http)
            instantly = build_instantly(settings, http_client=http, base_url=MOCK_INSTANTLY_URL)
            log.info("mock mode: Instantly is simulated in this process (%s)", MOCK_INSTANTLY_URL)
        else:
            instantly = build_instantly(settings)
    sources = build_source_clients(settings)
    sessionmaker = create_sessionmaker(engine)
    # A secret rotated on the Settings page outlives restarts and wins over the env value.
    stored_secret = await load_stored_webhook_secret(sessionmaker)
    secret = stored_secret or settings.INSTANTLY_WEBHOOK_SECRET.get_secret_value()
    if not secret and fake_state is not None:
        # Mock mode talks to itself: a per-process secret keeps the webhook endpoint closed.
        secret = secrets.token_urlsafe(24)
    if not secret:
        log.warning("INSTANTLY_WEBHOOK_SECRET is empty: /api/webhooks/instantly refuses all events")
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        events=EventApplier(sessionmaker),
        instantly=instantly,
        webhook_secret=secret,
        fake_state=fake_state,
        sources=sources,
        enricher=_build_enricher(settings, sources),
        _owned_http=owned,
    )
