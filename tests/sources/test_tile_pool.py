"""Tiles kept in flight: a slow tile holds only its own slot; a quota wait pauses new tiles
without touching those in flight; a tile that ends the sweep lets the others finish;
cancelling the sweep cancels what is in flight."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.sources.base import SourceQuotaExceeded, SourceRateLimited, TileSearch
from ravensearch.sources.flows import TILE_CONCURRENCY, collect
from ravensearch.sources.geo import Tile
from ravensearch.sources.patience import PatientSearch
from ravensearch.sources.registry import SourceClients
from ravensearch.sources.tile_pool import answers
from ravensearch.sources.tiling import AdaptiveTiler
from tests.sources.conftest import STATE

SQUARE = Tile(0.0, 0.0, 1.0, 1.0)
# Guards a broken flow from waiting forever; a working one never gets near it.
DEADLOCK_GUARD = 20.0


def _sixteen_tiles() -> AdaptiveTiler:
    return AdaptiveTiler(SQUARE, clip=lambda tile: tile, fits=lambda tile: tile.span <= 0.25)


class _Client:
    """Answers every tile at once and empty, but what a test scripts for the first tile
    asked; records the tiles asked and those whose search was cancelled."""

    name = "google"

    def __init__(self, first: Any = None) -> None:
        self.first = first
        self.asked: list[Tile] = []
        self.cancelled: list[Tile] = []

    def fits(self, tile: Tile) -> bool:
        return True

    async def search(self, tile: Tile, trade: str) -> TileSearch:
        self.asked.append(tile)
        try:
            if tile == self.asked[0] and self.first is not None:
                await self.first(self.asked.count(tile))
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled.append(tile)
            raise
        return TileSearch((), saturated=False, api_calls=1)

    async def aclose(self) -> None:
        return None


def _patient(client: _Client, sleep: Any = None) -> PatientSearch:
    async def no_sleep(seconds: float) -> None:
        return None

    def on_wait(provider: str, until: datetime | None, why: str) -> None:
        return None

    return PatientSearch(client, "hvac", sleep=sleep or no_sleep, on_wait=on_wait)  # type: ignore[arg-type]


async def _sweep(tiler: AdaptiveTiler, patient: PatientSearch, got: list[Tile]) -> None:
    async with contextlib.aclosing(answers(tiler, patient, concurrency=4)) as tiles:
        async for tile, _answer in tiles:
            tiler.report(tile, saturated=False)
            got.append(tile)


class TestSlowTile:
    async def test_a_tile_waiting_for_its_page_token_holds_only_its_own_slot(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        mock_clients: SourceClients,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        google = mock_clients.google
        assert google is not None
        search, next_page = google.search, google._next_page
        wanted = 2 * TILE_CONCURRENCY
        asked = 0
        slow: list[object] = []
        done_meanwhile: list[Tile] = []
        released = asyncio.Event()

        async def held_token(page: dict[str, Any], issued: float) -> Any:
            # The first page token of a tile past the first (the whole state, asked alone)
            # becomes valid only once `wanted` other tiles were answered.
            if asked > 1 and not slow:
                slow.append(page["locationRestriction"])
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(released.wait(), DEADLOCK_GUARD)
                released.set()  # what is answered from now on was not answered meanwhile
            return await next_page(page, issued)

        async def counted(tile: Tile, trade: str) -> TileSearch:
            nonlocal asked
            asked += 1
            result = await search(tile, trade)
            if slow and not released.is_set():
                done_meanwhile.append(tile)
                if len(done_meanwhile) == wanted:
                    released.set()
            return result

        monkeypatch.setattr(google, "_next_page", held_token)
        monkeypatch.setattr(google, "search", counted)
        report = await collect(
            sessionmaker, mock_clients, source="google", trade="hvac", state=STATE
        )
        assert slow
        # Asked in batches, only the slow tile's three batch mates were answered meanwhile.
        assert len(done_meanwhile) == wanted
        assert released.is_set()
        assert (report.failed_tiles, report.tiles) == (0, asked)


class TestQuotaWait:
    async def test_no_new_tile_starts_while_one_waits_and_those_in_flight_finish(
        self,
    ) -> None:
        tiler = _sixteen_tiles()
        over = asyncio.Event()
        asked_when_over: list[int] = []

        async def rate_limited(attempt: int) -> None:
            if attempt == 1:
                raise SourceRateLimited("per minute", provider="google", retry_after=60)

        client = _Client(first=rate_limited)

        async def quota_sleep(seconds: float) -> None:
            await over.wait()
            asked_when_over.append(len(client.asked))

        patient = _patient(client, quota_sleep)
        three_in = asyncio.Event()

        async def reopen() -> None:
            await three_in.wait()
            for _ in range(5):
                await asyncio.sleep(0)  # whatever the sweep would start now, starts
            over.set()

        reopening = asyncio.create_task(reopen())
        got: list[Tile] = []
        async with contextlib.aclosing(answers(tiler, patient, concurrency=4)) as tiles:
            async for tile, _answer in tiles:
                tiler.report(tile, saturated=False)
                got.append(tile)
                if len(got) == 3:
                    three_in.set()  # the quota window reopens once the three others are in
        await reopening
        waiting = client.asked[0]
        assert set(got[:3]) == set(client.asked[1:4])  # answered during the wait
        assert asked_when_over == [4]  # no fifth tile was asked before the wait ended
        assert client.asked.count(waiting) == 2  # asked again after the wait
        assert len(got) == 16
        assert client.cancelled == []


class TestEndOfSweep:
    async def test_the_tiles_in_flight_finish_before_a_spent_quota_ends_it(self) -> None:
        async def spent(attempt: int) -> None:
            raise SourceQuotaExceeded("daily", provider="google")

        client = _Client(first=spent)
        tiler = _sixteen_tiles()
        got: list[Tile] = []
        with pytest.raises(SourceQuotaExceeded):
            await _sweep(tiler, _patient(client), got)
        assert got == client.asked[1:4]  # the three others' answers were handed over
        assert len(client.asked) == 4  # and no new tile was asked

    async def test_cancelling_the_sweep_cancels_the_tiles_in_flight(self) -> None:
        async def forever(attempt: int) -> None:
            await asyncio.Event().wait()

        client = _Client(first=forever)
        tiler = _sixteen_tiles()
        sweep = asyncio.create_task(_sweep(tiler, _patient(client), []))
        while len(client.asked) < 16:
            await asyncio.sleep(0)  # the others are answered; the first never is
        sweep.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweep
        assert client.cancelled == [client.asked[0]]
