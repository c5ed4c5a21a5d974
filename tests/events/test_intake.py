from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.db.models import EventState, WebhookEvent
from ravensearch.events.intake import DeliveryBatcher
from ravensearch.events.parsing import UnstorableDelivery, parse_delivery
from ravensearch.events.service import events_service
from ravensearch.kit.clock import utcnow


def _row(key: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "source": "instantly",
        "dedupe_key": key,
        "event_type": "email_opened",
        "instantly_campaign_id": None,
        "lead_email": None,
        "occurred_at": None,
        "raw_body": "{}",
        "received_at": utcnow(),
        "state": "pending",
        "attempts": 0,
    }


async def test_concurrent_deliveries_share_inserts_and_keep_dedupe(engine: AsyncEngine) -> None:
    batcher = DeliveryBatcher(engine)
    inserts = 0
    original = batcher._insert

    async def counting(rows: list[dict[str, Any]]) -> set[str]:
        nonlocal inserts
        inserts += 1
        return await original(rows)

    batcher._insert = counting  # type: ignore[method-assign]
    keys = [f"k{n}" for n in range(60)] + ["k1", "k2", "k3"]  # three redeliveries
    results = await asyncio.gather(*(batcher.store(_row(k)) for k in keys))
    assert results.count(True) == 60
    assert results.count(False) == 3
    assert inserts < len(keys) / 2
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(WebhookEvent)) == 60
    assert await batcher.store(_row("k5")) is False


async def test_a_failed_insert_reaches_every_waiter(engine: AsyncEngine) -> None:
    batcher = DeliveryBatcher(engine)

    async def broken(rows: list[dict[str, Any]]) -> set[str]:
        raise OSError("database went away")

    batcher._insert = broken  # type: ignore[method-assign]
    results = await asyncio.gather(
        *(batcher.store(_row(f"x{n}")) for n in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, OSError) for r in results)
    with pytest.raises(OSError, match="went away"):
        await batcher.store(_row("later"))


async def test_a_row_the_database_refuses_fails_alone(engine: AsyncEngine) -> None:
    # A value the database refuses fails every retry: that delivery hears a 400-worthy
    # error, and the deliveries that shared its INSERT are stored (not 503'd with it).
    batcher = DeliveryBatcher(engine)
    refused = {**_row("bad"), "event_type": None}  # NOT NULL, on both databases
    results = await asyncio.gather(
        batcher.store(_row("good1")),
        batcher.store(refused),
        batcher.store(_row("good2")),
        return_exceptions=True,
    )
    assert results[0] is True
    assert results[2] is True
    assert isinstance(results[1], UnstorableDelivery)
    assert "will not be stored on a retry" in str(results[1])
    async with engine.connect() as conn:
        keys = (await conn.scalars(select(WebhookEvent.dedupe_key))).all()
    assert sorted(keys) == ["good1", "good2"]


async def test_a_database_that_does_not_answer_times_out_every_waiter(
    engine: AsyncEngine,
) -> None:
    batcher = DeliveryBatcher(engine)
    original = batcher._insert
    release = asyncio.Event()
    written: list[str] = []

    async def stuck(rows: list[dict[str, Any]]) -> set[str]:
        await release.wait()
        written.extend(row["dedupe_key"] for row in rows)
        return await original(rows)

    batcher._insert = stuck  # type: ignore[method-assign]
    first = asyncio.ensure_future(batcher.store(_row("in-flight"), timeout=0.05))
    await asyncio.sleep(0)  # its INSERT is now in flight (and stuck)
    queued = asyncio.ensure_future(batcher.store(_row("queued"), timeout=0.05))
    for waiter in (first, queued):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(waiter, timeout=5)
    release.set()
    # The rows were kept: written once the database answers (a retry is then a duplicate).
    async with asyncio.timeout(5):
        while len(written) < 2:
            await asyncio.sleep(0.01)
    assert written == ["in-flight", "queued"]
    assert await batcher.store(_row("queued")) is False


async def test_a_recorded_delivery_gets_the_tables_defaults(engine: AsyncEngine) -> None:
    body = b'{"event_type": "email_opened", "campaign_id": "c1", "lead_email": "A@b.io"}'
    assert await events_service.record(engine, parse_delivery(body)) is True
    async with engine.connect() as conn:
        row = (await conn.execute(select(WebhookEvent.__table__))).one()
    assert isinstance(row.id, uuid.UUID)
    assert (row.source, row.state, row.attempts) == ("instantly", EventState.pending, 0)
    assert (row.event_type, row.instantly_campaign_id, row.lead_email) == (
        "email_opened",
        "c1",
        "a@b.io",
    )
    assert row.raw_body == body.decode()


class TestStoreMany:
    async def test_the_rows_of_one_request_share_inserts_and_keep_dedupe(
        self, engine: AsyncEngine
    ) -> None:
        batcher = DeliveryBatcher(engine, max_rows=50)
        inserts = 0
        original = batcher._insert

        async def counting(rows: list[dict[str, Any]]) -> set[str]:
            nonlocal inserts
            inserts += 1
            return await original(rows)

        batcher._insert = counting  # type: ignore[method-assign]
        assert await batcher.store(_row("m0")) is True
        results = await batcher.store_many([_row(f"m{n}") for n in range(120)] + [_row("m7")])
        assert results == [False] + [True] * 119 + [False]
        assert inserts == 1 + 3  # 121 rows in INSERTs of at most 50
        assert await batcher.store_many([]) == []

    async def test_an_error_is_raised_once_every_row_has_an_outcome(
        self, engine: AsyncEngine
    ) -> None:
        batcher = DeliveryBatcher(engine, max_rows=2)
        original = batcher._insert
        calls = 0

        async def second_insert_fails(rows: list[dict[str, Any]]) -> set[str]:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise OSError("database went away")
            return await original(rows)

        batcher._insert = second_insert_fails  # type: ignore[method-assign]
        with pytest.raises(OSError, match="went away"):
            await batcher.store_many([_row(f"e{n}") for n in range(6)])
        assert calls == 3  # the rows after the failed INSERT were still written
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(WebhookEvent)) == 4
