"""What every CLI test needs: the commands pointed at the test database, in mock mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.cli import common
from ravensearch.config import Settings, get_settings
from ravensearch.instantly import InstantlyClient, RateLimiter
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app
from ravensearch.runtime import Runtime, build_runtime

SECRET = "cli-webhook-secret"


@pytest.fixture
def cli_env(db_url: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # `engine` is requested so the PostgreSQL tables are emptied after the test.
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("RAVENSEARCH_MOCK", "1")
    monkeypatch.setenv("INSTANTLY_API_KEY", "")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


@pytest.fixture
def fake(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> FakeInstantlyState:
    """One fake Instantly for every command of a test (in mock mode each command would
    build a fresh one), with INSTANTLY_WEBHOOK_SECRET set to `SECRET`."""
    state = FakeInstantlyState(accept_any_key=True)
    monkeypatch.setenv("INSTANTLY_WEBHOOK_SECRET", SECRET)

    async def shared(settings: Settings, **kw: Any) -> Runtime:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_fake_app(state)),
            base_url="https://api.instantly.ai/api/v2",
        )
        client = InstantlyClient("k", http_client=http, rate_limiter=RateLimiter(1000, 60_000),
                                 max_retries=1, backoff_base=0.001)  # fmt: skip
        runtime = await build_runtime(settings, instantly=client)
        runtime.add_closeable(http)
        return runtime

    monkeypatch.setattr(common, "build_runtime", shared)
    return state
