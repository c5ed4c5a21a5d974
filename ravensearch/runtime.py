"""What one process needs to serve requests or run commands: DB engine, Instantly client, fakes.

Built once by the web lifespan, by each CLI command, and by the test fixtures.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.app_settings.service import load_stored_webhook_secret
from ravensearch.config import Settings
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker, is_sqlite
from ravensearch.enrichment.fake_web import mock_network
from ravensearch.enrichment.service import Enricher, build_enricher
from ravensearch.enrichment.verify import StaticMxResolver
from ravensearch.errors import ServiceUnavailable
from ravensearch.events.applier import EventApplier
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app, seed_demo_campaigns
from ravensearch.kit.ratelimit import share_limits_through
from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.fake import FakeSendGrid, create_fake_sendgrid
from ravensearch.sendgrid.signature import generate_key_pair
from ravensearch.sequences.sender import MailSender
from ravensearch.sources.registry import SourceClients, build_source_clients

log = logging.getLogger(__name__)

MOCK_API_KEY = "mock-mode-key"
# Mock mode's requests never leave the process; their log lines (httpx's, ours) name this
# host, so nobody reading them thinks they reached api.instantly.ai.
MOCK_INSTANTLY_URL = "http://simulated-instantly.invalid/api/v2"
MOCK_SENDGRID_URL = "http://simulated-sendgrid.invalid/v3"
# The demo's CAN-SPAM footer when none is set: sending refuses to go without one.
MOCK_POSTAL_ADDRESS = "Ravensearch Demo, 100 Example Street, Austin, TX 78701"


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
    mock_sendgrid: MockSendGrid | None = None
    _owned_http: list[httpx.AsyncClient] = field(default_factory=list)
    _owned_closing: list[SendGridClient] = field(default_factory=list)

    @property
    def is_mock(self) -> bool:
        return self.fake_state is not None

    def set_webhook_secret(self, secret: str) -> None:
        """Accept only `secret` from now on (mock mode's simulated Instantly sends it too)."""
        self.webhook_secret = secret
        if self.fake_state is not None and self.fake_state.simulate_activity is not None:
            self.fake_state.simulate_activity.headers["X-Webhook-Secret"] = secret

    def sendgrid(self) -> MailSender:
        """The SendGrid client (the fake one in mock mode), built on first use; raises
        `SendGridNotConfigured` when there is no key outside mock mode."""
        if self.mail_sender is None:
            client = build_mail_sender(self.settings, self.mock_sendgrid)
            self.mail_sender = client
            self._owned_closing.append(client)
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
        for sendgrid in self._owned_closing:
            await sendgrid.aclose()
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


class SendGridNotConfigured(ServiceUnavailable):
    """No SENDGRID_API_KEY outside mock mode: SendGrid campaigns wait, nothing is sent."""

    error = "sendgrid_not_configured"
    retry_after_seconds = 60

    def __init__(self) -> None:
        super().__init__(
            "SENDGRID_API_KEY is not set, so SendGrid campaigns cannot send; their emails "
            "wait. Set it to a key with the mail.send scope and restart."
        )


@dataclass
class MockSendGrid:
    """Mock mode's SendGrid: the in-process fake that accepts mail, and the key that signs
    the events the demo posts back (its public half is SENDGRID_WEBHOOK_PUBLIC_KEY)."""

    fake: FakeSendGrid
    signing_key: ec.EllipticCurvePrivateKey
    inbound_secret: str
    played: int = 0  # fake.messages already given their simulated events


def build_mail_sender(settings: Settings, mock: MockSendGrid | None = None) -> SendGridClient:
    """The SendGrid client for sequences; on the in-process fake in mock mode."""
    if mock is not None:
        return SendGridClient(
            api_key=MOCK_API_KEY,
            base_url=MOCK_SENDGRID_URL,
            transport=httpx.ASGITransport(app=mock.fake.app),
            user_agent=settings.USER_AGENT,
        )
    key = settings.SENDGRID_API_KEY.get_secret_value()
    if not key:
        raise SendGridNotConfigured()
    return SendGridClient(
        api_key=key,
        base_url=settings.SENDGRID_API_URL,
        timeout=settings.SENDGRID_TIMEOUT_SECONDS,
        max_retries=settings.SENDGRID_MAX_RETRIES,
        user_agent=settings.USER_AGENT,
    )


def _mock_sendgrid(settings: Settings) -> tuple[Settings, MockSendGrid | None]:
    """In mock mode without a SendGrid key, a fake SendGrid and the settings that trust the
    events it signs; otherwise the settings unchanged."""
    if not settings.sendgrid_is_mock:
        return settings, None
    signing_key, public_key = generate_key_pair()
    inbound = settings.SENDGRID_INBOUND_SECRET.get_secret_value() or secrets.token_urlsafe(24)
    mock = MockSendGrid(create_fake_sendgrid(api_key=None), signing_key, inbound)
    log.info("mock mode: SendGrid is simulated in this process (%s)", MOCK_SENDGRID_URL)
    return settings.model_copy(
        update={
            "SENDGRID_WEBHOOK_PUBLIC_KEY": SecretStr(public_key),
            "SENDGRID_INBOUND_SECRET": SecretStr(inbound),
            "SENDER_POSTAL_ADDRESS": settings.SENDER_POSTAL_ADDRESS or MOCK_POSTAL_ADDRESS,
        }
    ), mock


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
    mock_sendgrid: MockSendGrid | None = None
    owned: list[httpx.AsyncClient] = []
    if instantly is None:
        if settings.is_mock:
            settings, mock_sendgrid = _mock_sendgrid(settings)
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
        mock_sendgrid=mock_sendgrid,
        sources=sources,
        enricher=_build_enricher(settings, sources),
        _owned_http=owned,
    )
