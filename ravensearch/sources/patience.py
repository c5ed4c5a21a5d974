"""One tile's search, with the patience a long collect needs. The client has already
retried each HTTP call a few times; this is what happens when that was not enough.

- A rate limit (429) whose window is known: wait for it and ask again, with a notice the
  job shows ("waiting for Google quota until …"); the sweep resumes at this very tile.
- The provider unavailable (5xx, network failure, timeout): an outage outlasts a client's
  few seconds of retries, so wait longer (growing pauses, with a notice the same way) and
  ask the same tile again. After `OUTAGE_WAITS` waits on one tile it is given up; once
  the run has spent `RUN_OUTAGE_WAITS`, a tile gets only `TILE_ATTEMPTS` quick tries, so
  a long outage ends the run in bounded time with every failed tile recorded.
- Any other provider error on the tile (a bad page token, a garbled answer): ask again a
  few times with a pause; if it persists the tile is given up and recorded, and the rest
  of the state is still collected.
- An auth error or a spent daily quota ends the sweep: no other tile could succeed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import structlog

from ravensearch.kit.clock import utcnow
from ravensearch.sources.base import (
    SourceAuthError,
    SourceClient,
    SourceError,
    SourceQuotaExceeded,
    SourceRateLimited,
    SourceUnavailable,
    TileSearch,
)
from ravensearch.sources.geo import Tile

TILE_ATTEMPTS = 3
ERROR_PAUSE = 5.0  # seconds between tries of a failing tile
# A per-minute quota reopens within a minute; this many waits in one run means it will not.
QUOTA_WAITS = 30
MAX_QUOTA_WAIT = 15 * 60.0
# Seconds to wait on each persistent 5xx of one tile: ~7.5 min before it is given up.
OUTAGE_WAITS = (30.0, 60.0, 120.0, 240.0)
RUN_OUTAGE_WAITS = 40

log = structlog.get_logger("ravensearch.sources")

Sleep = Callable[[float], Awaitable[None]]
Why = Literal["quota", "outage"]
# (provider, until, why) while waiting; (provider, None, why) when the wait is over.
OnWait = Callable[[str, datetime | None, Why], None]


@dataclass(frozen=True, slots=True)
class TileFailure:
    provider: str
    tile: Tile
    error: str
    tries: int = TILE_ATTEMPTS

    def describe(self) -> str:
        t = self.tile
        return (
            f"{self.provider} tile ({t.south:.3f}, {t.west:.3f})–({t.north:.3f}, {t.east:.3f})"
            f" given up after {self.tries} tries: {self.error}"
        )


class PatientSearch:
    """Searches tiles for one provider and trade; counts the calls and waits it spends."""

    def __init__(self, client: SourceClient, trade: str, *, sleep: Sleep, on_wait: OnWait) -> None:
        self.client = client
        self.trade = trade
        self.sleep = sleep
        self.on_wait = on_wait
        self.quota_waits = 0
        self.outage_waits = 0
        self._waits: list[tuple[datetime, Why]] = []  # (until, why) of each tile waiting
        self._calm = asyncio.Event()
        self._calm.set()

    @property
    def waiting(self) -> bool:
        """Whether some tile is waiting out a rate limit or an outage right now."""
        return bool(self._waits)

    async def calm(self) -> None:
        """Return once no tile is waiting (at once when none is)."""
        await self._calm.wait()

    async def search(self, tile: Tile) -> TileSearch | TileFailure:
        """The tile's answer, or the failure recorded once the tries are spent.

        Raises:
            SourceAuthError, SourceQuotaExceeded: nothing else can succeed this run.
        """
        tries = errors = outages = 0
        while True:
            tries += 1
            try:
                return await self.client.search(tile, self.trade)
            except (SourceAuthError, SourceQuotaExceeded):
                raise
            except SourceRateLimited as exc:
                if self.quota_waits >= QUOTA_WAITS:
                    return TileFailure(self.client.name, tile, str(exc), tries)
                self.quota_waits += 1
                await self._wait(min(max(exc.defer_seconds, 1.0), MAX_QUOTA_WAIT), "quota")
            except SourceUnavailable as exc:
                log.warning("sources.tile.unavailable", provider=self.client.name, error=str(exc))
                if outages < len(OUTAGE_WAITS) and self.outage_waits < RUN_OUTAGE_WAITS:
                    self.outage_waits += 1
                    outages += 1
                    await self._wait(OUTAGE_WAITS[outages - 1], "outage")
                    continue
                errors += 1
                if errors >= TILE_ATTEMPTS or outages:
                    return TileFailure(self.client.name, tile, str(exc), tries)
                await self.sleep(ERROR_PAUSE)
            except SourceError as exc:
                errors += 1
                log.warning("sources.tile.failed", provider=self.client.name, error=str(exc))
                if errors >= TILE_ATTEMPTS:
                    return TileFailure(self.client.name, tile, str(exc), tries)
                await self.sleep(getattr(exc, "defer_seconds", ERROR_PAUSE) or ERROR_PAUSE)

    async def _wait(self, seconds: float, why: Why) -> None:
        wait = (utcnow() + timedelta(seconds=seconds), why)
        self._waits.append(wait)
        self._calm.clear()
        self.on_wait(self.client.name, *max(self._waits))
        try:
            await self.sleep(seconds)
        finally:
            self._waits.remove(wait)
            if self._waits:  # tiles still waiting: the job says the longest of their waits
                self.on_wait(self.client.name, *max(self._waits))
            else:
                self._calm.set()
                self.on_wait(self.client.name, None, why)
