"""`ravensearch events status | retry-failed | prune` against the test database."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from ravensearch.cli import app
from ravensearch.db.models import EventState, WebhookEvent
from ravensearch.instantly.fake import FakeInstantlyState, FakeWebhookEvent
from ravensearch.instantly.fake.models import new_id
from ravensearch.kit.clock import utcnow
from tests.events.helpers import store_events
from tests.fixtures.factories import instantly_event

Sessionmaker = async_sessionmaker[AsyncSession]
OLD = utcnow() - timedelta(days=100)

pytestmark = pytest.mark.usefixtures("cli_env")


async def _invoke(*args: str, input: str | None = None) -> Result:
    # The command runs its own event loop (asyncio.run), so it needs a thread without one.
    return await asyncio.to_thread(CliRunner().invoke, app, ["events", *args], input=input)


async def _states(sessionmaker: Sessionmaker) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(WebhookEvent.state))
        states = list(rows)
    return {state: states.count(state) for state in set(states)}


async def test_status_counts_every_state(sessionmaker: Sessionmaker) -> None:
    await store_events(sessionmaker, EventState.applied, 3)
    await store_events(sessionmaker, EventState.failed, 2)
    result = await _invoke("status")
    assert result.exit_code == 0, result.output
    counts = dict(re.findall(r"(\w+)\s*│\s*([\d,]+)", result.output))
    assert counts == {
        "pending": "0",
        "applied": "3",
        "unmatched": "0",
        "foreign": "0",
        "ignored": "0",
        "failed": "2",
    }


async def test_retry_failed_by_id_then_all(sessionmaker: Sessionmaker) -> None:
    first, _second = await store_events(sessionmaker, EventState.failed, 2, error="boom")
    one = await _invoke("retry-failed", "--id", str(first))
    assert one.exit_code == 0, one.output
    assert "Requeued 1 failed event" in one.output
    assert await _states(sessionmaker) == {"pending": 1, "failed": 1}
    rest = await _invoke("retry-failed")
    assert "Requeued 1 failed event" in rest.output
    assert await _states(sessionmaker) == {"pending": 2}


async def test_prune_with_yes_keeps_pending_unmatched_and_recent(
    sessionmaker: Sessionmaker,
) -> None:
    for state in (EventState.applied, EventState.ignored, EventState.foreign, EventState.failed):
        await store_events(sessionmaker, state, 2, received_at=OLD)
    await store_events(sessionmaker, EventState.pending, received_at=OLD)
    await store_events(sessionmaker, EventState.unmatched, received_at=OLD)
    await store_events(sessionmaker, EventState.applied)
    result = await _invoke("prune", "--older-than", "90d", "--yes")
    assert result.exit_code == 0, result.output
    assert "Deleted 6 applied, ignored and foreign event(s) older than 90d." in result.output
    assert await _states(sessionmaker) == {"failed": 2, "pending": 1, "unmatched": 1, "applied": 1}
    failed_too = await _invoke("prune", "--older-than", "12w", "--include-failed", "-y")
    assert "Deleted 2 applied, ignored, foreign and failed event(s)" in failed_too.output
    assert await _states(sessionmaker) == {"pending": 1, "unmatched": 1, "applied": 1}


async def test_prune_asks_first(sessionmaker: Sessionmaker) -> None:
    await store_events(sessionmaker, EventState.applied, 3, received_at=OLD)
    declined = await _invoke("prune", "--older-than", "90d", input="n\n")
    assert declined.exit_code == 1
    assert "Delete 3 applied, ignored and foreign event(s) received before" in declined.output
    assert "Nothing deleted." in declined.output
    assert await _states(sessionmaker) == {"applied": 3}
    accepted = await _invoke("prune", "--older-than", "90d", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Deleted 3 " in accepted.output
    assert await _states(sessionmaker) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("prune", "--older-than", "banana", "--yes"), "“banana” is not an age"),
        (("prune", "--older-than", "0d", "--yes"), "“0d” is not an age"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(
    sessionmaker: Sessionmaker, args: tuple[str, ...], message: str
) -> None:
    await store_events(sessionmaker, EventState.failed, received_at=OLD)
    result = await _invoke(*args)
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {message}")
    assert "Traceback" not in result.output
    assert await _states(sessionmaker) == {"failed": 1}


async def test_retry_failed_takes_an_id_prefix(sessionmaker: Sessionmaker) -> None:
    await store_events(sessionmaker, EventState.failed, received_at=OLD)
    async with sessionmaker() as session:
        [event_id] = (await session.scalars(select(WebhookEvent.id))).all()
    bad = await _invoke("retry-failed", "--id", "zz")
    assert bad.exit_code == 1
    assert "'zz' is not an id" in bad.output
    missing = "0" * 8 if not str(event_id).startswith("0" * 8) else "f" * 8
    unknown = await _invoke("retry-failed", "--id", missing)
    assert f"No event id starts with '{missing}'" in unknown.output
    assert await _states(sessionmaker) == {"failed": 1}
    done = await _invoke("retry-failed", "--id", str(event_id)[:8])
    assert done.exit_code == 0, done.output
    assert "Requeued 1 failed event(s)" in done.output
    assert await _states(sessionmaker) == {"pending": 1}


class TestBackfill:
    @pytest.fixture
    def failed(self, fake: FakeInstantlyState) -> list[dict[str, Any]]:
        """Two deliveries Instantly gave up on (one tried twice) and one it made."""
        bodies = [
            instantly_event("email_opened", campaign_id="c-b", email=f"b{n}@x.example")
            for n in range(3)
        ]
        for n, (body, success) in enumerate([(0, False), (0, False), (1, False), (2, True)]):
            fake.webhook_events.append(
                FakeWebhookEvent(id=new_id(), webhook_url="https://rs.example/h",
                                 payload=bodies[body], success=success, status_code=500,
                                 retry_count=n, will_retry=False, retry_group_id="g")
            )  # fmt: skip
        return bodies

    async def test_stores_what_is_missing_once(
        self, failed: list[dict[str, Any]], sessionmaker: Sessionmaker
    ) -> None:
        first = await _invoke("backfill", "--since", "2d")
        assert first.exit_code == 0, first.output
        today = utcnow().date()
        assert (
            f"Instantly failed 2 deliveries from {today - timedelta(days=2)} to {today}: "
            "2 stored now, 0 already here."
        ) in " ".join(first.output.split())
        again = await _invoke("backfill")
        assert "2 stored now" not in again.output
        assert "0 stored now, 2 already here." in " ".join(again.output.split())
        assert await _states(sessionmaker) == {"pending": 2}

    async def test_a_key_without_the_scope(self, fake: FakeInstantlyState) -> None:
        fake.key_scopes["k"] = {"campaigns:all"}
        result = await _invoke("backfill", "--since", "2d")
        assert result.exit_code == 1
        assert "webhook_events:read" in " ".join(result.output.split())

    async def test_a_bad_window(self, fake: FakeInstantlyState) -> None:
        result = await _invoke("backfill", "--since", "soon")
        assert result.exit_code == 2
