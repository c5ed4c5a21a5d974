from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from ravensearch.cli import app
from ravensearch.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("RAVENSEARCH_MOCK", "1")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_create_with_password_from_stdin(cli_env: str) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "Ops@Example.com", "--role", "admin", "--password-stdin"],
        input="a good password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ops@example.com (admin)" in result.output
    again = runner.invoke(
        app, ["users", "create", "ops@example.com", "--password-stdin"], input="another one\n"
    )
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_create_prompts_twice(cli_env: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "v@example.com"], input="pw-12345678\npw-12345678\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created v@example.com (viewer)" in result.output


def test_a_short_password_is_refused(cli_env: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "v@example.com", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
