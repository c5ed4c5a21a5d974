"""Settings from the environment and `.env`; nothing else in the package reads `os.environ`."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_INSTANTLY_API_URL = "https://api.instantly.ai/api/v2"
DEFAULT_SENDGRID_API_URL = "https://api.sendgrid.com/v3"
IPNetwork = IPv4Network | IPv6Network


@lru_cache(maxsize=8)
def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """ "10.0.0.1, 10.1.0.0/16, ::1" → networks; raises ValueError naming a bad entry."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


class Settings(BaseSettings):
    """Every knob an operator can turn; see `.env.example` for the documented list."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # --- Database ---
    DATABASE_URL: str = "sqlite:///ravensearch.db"
    # Connections each process keeps open; bursts add half as many again. Every `serve`
    # process and `worker` opens its own pool: size it so that all of them together stay
    # under PostgreSQL's max_connections (README, Scaling out).
    DB_POOL_SIZE: int = Field(
        10, ge=1, le=500, validation_alias=AliasChoices("RAVENSEARCH_DB_POOL_SIZE")
    )
    # Seconds a request waits for a free connection before it answers 503 with Retry-After.
    DB_POOL_TIMEOUT: float = Field(
        10.0, gt=0, le=300, validation_alias=AliasChoices("RAVENSEARCH_DB_POOL_TIMEOUT")
    )

    # --- Instantly ---
    INSTANTLY_API_KEY: SecretStr = SecretStr("")
    INSTANTLY_API_URL: str = DEFAULT_INSTANTLY_API_URL
    INSTANTLY_WEBHOOK_SECRET: SecretStr = SecretStr("")
    # Instantly allows 100 req/s and 6,000 req/min per workspace; we stay at half by default.
    INSTANTLY_MAX_PER_SECOND: int = Field(
        50, ge=1, le=100, validation_alias=AliasChoices("RAVENSEARCH_INSTANTLY_MAX_PER_SECOND")
    )
    INSTANTLY_MAX_PER_MINUTE: int = Field(
        3000, ge=1, le=6000, validation_alias=AliasChoices("RAVENSEARCH_INSTANTLY_MAX_PER_MINUTE")
    )
    INSTANTLY_TIMEOUT_SECONDS: float = Field(
        30.0, gt=0, validation_alias=AliasChoices("RAVENSEARCH_INSTANTLY_TIMEOUT_SECONDS")
    )
    INSTANTLY_MAX_RETRIES: int = Field(
        5, ge=0, le=20, validation_alias=AliasChoices("RAVENSEARCH_INSTANTLY_MAX_RETRIES")
    )

    # --- SendGrid (the second channel: Ravensearch sends the sequence itself) ---
    SENDGRID_API_KEY: SecretStr = SecretStr("")
    SENDGRID_API_URL: str = DEFAULT_SENDGRID_API_URL
    # The Event Webhook's verification key as SendGrid's settings page shows it (base64 DER
    # of an ECDSA P-256 public key). Empty: signed events cannot be verified and are refused.
    SENDGRID_WEBHOOK_PUBLIC_KEY: SecretStr = SecretStr("")
    # Put in the Inbound Parse URL (`/api/webhooks/sendgrid/inbound/<secret>`).
    SENDGRID_INBOUND_SECRET: SecretStr = SecretStr("")
    SENDGRID_TIMEOUT_SECONDS: float = Field(
        30.0, gt=0, validation_alias=AliasChoices("RAVENSEARCH_SENDGRID_TIMEOUT_SECONDS")
    )
    SENDGRID_MAX_RETRIES: int = Field(
        3, ge=0, le=20, validation_alias=AliasChoices("RAVENSEARCH_SENDGRID_MAX_RETRIES")
    )
    # CAN-SPAM: every commercial email carries the sender's valid physical postal address.
    SENDER_POSTAL_ADDRESS: str = Field(
        "", validation_alias=AliasChoices("RAVENSEARCH_SENDER_POSTAL_ADDRESS")
    )
    # Where people reach this Ravensearch from outside (one-click unsubscribe links).
    PUBLIC_URL: str = Field(
        "http://localhost:8000", validation_alias=AliasChoices("RAVENSEARCH_PUBLIC_URL")
    )

    # --- Google Places API (New) ---
    GOOGLE_PLACES_API_KEY: SecretStr = SecretStr("")
    GOOGLE_PLACES_API_URL: str = "https://places.googleapis.com/v1"

    # --- Yelp Fusion ---
    YELP_API_KEY: SecretStr = SecretStr("")
    YELP_API_URL: str = "https://api.yelp.com/v3"

    # --- Enrichment (website crawling) ---
    ALLOW_PRIVATE_NETWORK: bool = Field(
        False, validation_alias=AliasChoices("RAVENSEARCH_ALLOW_PRIVATE_NETWORK")
    )
    CRAWL_CONCURRENCY: int = Field(
        64, ge=1, le=1000, validation_alias=AliasChoices("RAVENSEARCH_CRAWL_CONCURRENCY")
    )
    CRAWL_TIMEOUT_SECONDS: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("RAVENSEARCH_CRAWL_TIMEOUT_SECONDS")
    )
    CRAWL_MAX_PAGES: int = Field(
        6, ge=1, le=20, validation_alias=AliasChoices("RAVENSEARCH_CRAWL_MAX_PAGES")
    )
    CRAWL_MAX_BYTES: int = Field(
        2_000_000, ge=10_000, validation_alias=AliasChoices("RAVENSEARCH_CRAWL_MAX_BYTES")
    )

    # --- Jobs ---
    REDIS_URL: str = ""
    JOBS_DATABASE: str = Field(
        "ravensearch-jobs.db", validation_alias=AliasChoices("RAVENSEARCH_JOBS_DATABASE")
    )
    # Queue name; lets several Ravensearch installs share one Redis.
    JOBS_QUEUE: str = Field(
        "ravensearch", min_length=1, validation_alias=AliasChoices("RAVENSEARCH_JOBS_QUEUE")
    )
    JOBS_WORKERS: int = Field(
        2, ge=1, le=64, validation_alias=AliasChoices("RAVENSEARCH_JOBS_WORKERS")
    )
    # Run jobs in the web process (embedded default). Off when separate `worker`s run them.
    JOBS_IN_PROCESS: bool = Field(
        True, validation_alias=AliasChoices("RAVENSEARCH_JOBS_IN_PROCESS")
    )
    # Apply stored webhook events in the web process (embedded default). Off when `worker`s
    # apply them, so the web processes only answer and store.
    EVENTS_IN_PROCESS: bool = Field(
        True, validation_alias=AliasChoices("RAVENSEARCH_EVENTS_IN_PROCESS")
    )

    # --- Ravensearch ---
    ENV: Literal["development", "testing", "production"] = Field(
        "development", validation_alias=AliasChoices("RAVENSEARCH_ENV")
    )
    MOCK: bool = Field(False, validation_alias=AliasChoices("RAVENSEARCH_MOCK"))
    # Mock mode's simulated campaign activity: seconds between simulated steps (0 = off).
    MOCK_ACTIVITY_SECONDS: float = Field(
        2.0, ge=0, validation_alias=AliasChoices("RAVENSEARCH_MOCK_ACTIVITY_SECONDS")
    )
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=AliasChoices("RAVENSEARCH_LOG_LEVEL")
    )
    WEBHOOK_MAX_BYTES: int = Field(
        1_000_000, ge=1024, validation_alias=AliasChoices("RAVENSEARCH_WEBHOOK_MAX_BYTES")
    )
    # Longest wait for the next piece of a request body (like nginx's client_body_timeout):
    # a client that stalls mid-body is answered 408 and its connection closed, instead of
    # holding it until the client gives up.
    BODY_TIMEOUT_SECONDS: float = Field(
        30.0, gt=0, le=3600, validation_alias=AliasChoices("RAVENSEARCH_BODY_TIMEOUT_SECONDS")
    )
    # Signs the admin UI's session cookies. Empty → generated once and kept in the database
    # (app_settings), so restarts keep people signed in; set it to share sessions across hosts.
    SECRET_KEY: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("RAVENSEARCH_SECRET_KEY")
    )
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs,
    # comma-separated). Empty: nobody's, so a client cannot pick the IP the login limit counts.
    TRUSTED_PROXIES: str = Field("", validation_alias=AliasChoices("RAVENSEARCH_TRUSTED_PROXIES"))
    USER_AGENT: str = Field(
        "Ravensearch/0.1 (+https://github.com/ravensearch/ravensearch)",
        validation_alias=AliasChoices("RAVENSEARCH_USER_AGENT"),
    )

    @field_validator("DATABASE_URL")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator(
        "INSTANTLY_API_URL",
        "SENDGRID_API_URL",
        "PUBLIC_URL",
        "GOOGLE_PLACES_API_URL",
        "YELP_API_URL",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL (or empty for the embedded SQLite queue)")
        return value

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        try:
            networks = parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"must be IP addresses or CIDRs, comma-separated ({exc})") from None
        return ",".join(
            str(net.network_address) if net.num_addresses == 1 else str(net) for net in networks
        )

    @property
    def trusted_proxies(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.TRUSTED_PROXIES)

    @property
    def google_is_mock(self) -> bool:
        return self.MOCK or not self.GOOGLE_PLACES_API_KEY.get_secret_value()

    @property
    def yelp_is_mock(self) -> bool:
        return self.MOCK or not self.YELP_API_KEY.get_secret_value()

    @property
    def sendgrid_is_mock(self) -> bool:
        """The demo (mock mode, no SendGrid key): an in-process fake SendGrid answers. With
        a real Instantly but no SendGrid key nothing is faked: SendGrid campaigns wait and
        say why, so no one believes mail went out that did not."""
        return self.MOCK or (self.is_mock and not self.SENDGRID_API_KEY.get_secret_value())

    @property
    def is_mock(self) -> bool:
        """Mock mode: no Instantly key (or forced) → the in-process fake Instantly answers."""
        return self.MOCK or not self.INSTANTLY_API_KEY.get_secret_value()


class SettingsError(Exception):
    """A setting has a wrong value; the message names it in one line."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        raise SettingsError(f"Invalid setting {name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
