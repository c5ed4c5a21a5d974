"""What every CLI test needs: the commands pointed at the test database, in mock mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.config import get_settings


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
