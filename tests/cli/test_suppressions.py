"""`ravensearch suppressions sync` against the test database and mock mode's Instantly."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from ravensearch.cli import app
from ravensearch.config import get_settings
from ravensearch.db.models import Suppression
from ravensearch.db.session import unit_of_work
from ravensearch.suppressions.service import SuppressionEntry, suppression_service

Sessionmaker = async_sessionmaker[AsyncSession]

pytestmark = pytest.mark.usefixtures("cli_env")


async def _invoke(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so it needs a thread without one.
    return await asyncio.to_thread(CliRunner().invoke, app, ["suppressions", *args])


async def test_sync_pushes_what_waits_and_prints_counts(sessionmaker: Sessionmaker) -> None:
    async with unit_of_work(sessionmaker) as session:
        await suppression_service.add_many(
            session,
            [SuppressionEntry("gone@acme.com", None, "bounce"), SuppressionEntry("rival.example", None, "manual")],
        )  # fmt: skip
    result = await _invoke("sync")
    assert result.exit_code == 0, result.output
    assert "From Instantly's block list: 0 new, 0 already here" in result.output
    assert "To Instantly's block list: 2 pushed, 0 failed." in result.output
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Suppression))).all()
    assert all(r.instantly_synced_at is not None and r.instantly_entry_id for r in rows)
    again = await _invoke("sync")
    assert "2 pushed" not in again.output
    assert "0 pushed, 0 failed." in again.output


async def test_an_unreachable_instantly_is_one_line_and_exit_1(
    sessionmaker: Sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await suppression_service.add(session, "gone@acme.com", source="bounce")
    # A real key and a port nothing listens on (loopback only).
    monkeypatch.setenv("RAVENSEARCH_MOCK", "0")
    monkeypatch.setenv("INSTANTLY_API_KEY", "real-looking-key")
    monkeypatch.setenv("INSTANTLY_API_URL", "http://127.0.0.1:9/api/v2")
    monkeypatch.setenv("RAVENSEARCH_INSTANTLY_MAX_RETRIES", "0")
    get_settings.cache_clear()
    result = await _invoke("sync")
    assert result.exit_code == 1
    assert "Error: Instantly could not be reached" in result.output
    assert "real-looking-key" not in result.output
    async with sessionmaker() as session:
        row = (await session.scalars(select(Suppression))).one()
    assert row.instantly_synced_at is None
    assert row.instantly_error is not None
    assert row.instantly_error.startswith("Instantly could not be reached")
