"""`campaigns list` shows ids in full (or as JSON); commands taking an id take a unique prefix."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from ravensearch.cli import app
from ravensearch.db.models import Target
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID


async def _invoke(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


async def _linked(*args: str) -> str:
    added = await _invoke("campaigns", "add", HVAC_TEXAS_ID, *args)
    found = re.search(r"campaign id:\s+([0-9a-f-]{36})", added.output)
    assert found is not None, added.output
    return found.group(1)


async def test_list_shows_whole_ids_on_a_narrow_terminal(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    campaign_id = await _linked("--trade", "hvac")
    narrow = await _invoke("campaigns", "list")
    assert campaign_id in narrow.output
    wide = await _invoke("campaigns", "list", "--wide")
    assert campaign_id in wide.output
    assert HVAC_TEXAS_ID in wide.output
    listed = json.loads((await _invoke("campaigns", "list", "--json")).output)
    assert [(c["id"], c["instantly_campaign_id"], c["trade_filter"]) for c in listed] == [
        (campaign_id, HVAC_TEXAS_ID, "hvac")
    ]


async def test_dispatch_takes_prefixes_of_the_campaign_and_target_ids(
    cli_env: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    campaign_id = await _linked()
    assert (await _invoke("import", "examples/technicians.csv")).exit_code == 0
    async with sessionmaker() as session:
        target_id = await session.scalar(
            select(Target.id).where(Target.email == "maria@lonestarheatingand.com")
        )
    result = await _invoke(
        "dispatch", "--campaign", campaign_id[:8], "--target", str(target_id)[:13]
    )
    assert result.exit_code == 0, result.output
    assert "1 in Instantly after 1 call(s)" in " ".join(result.output.split())

    unknown = "f" * 8 if not campaign_id.startswith("f" * 8) else "0" * 8
    missing = await _invoke("dispatch", "--campaign", unknown, "--all-ready")
    assert missing.exit_code == 1
    assert f"No campaign id starts with '{unknown}'" in missing.output
