"""One tile's search, with the patience a long collect needs. The client has already
retried each HTTP call a few times; this is what happens when that was not enough.

- A rate limit (429) whose window is known: wait for it and ask again, with a notice the
  job shows ("waiting for Google quota until …"); the sweep resumes at this very tile.
- Any other provider error on the tile (5xx, a bad page token, a garbled answer): ask
  again a few times with a pause; if it persists the tile is given up and recorded, and
  the rest of the state is still collected.
- An auth error or a spent daily quota ends the sweep: no other tile could succeed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from ravensearch.kit.clock import utcnow
from ravensearch.sources.base import (
    SourceAuthError,
    SourceClient,
    SourceError,
    SourceQuotaExceeded,
    SourceRateLimited,
    TileSearch,
)
from ravensearch.sources.geo import Tile

TILE_ATTEMPTS = 3
ERROR_PAUSE = 5.0  # seconds between tries of a failing tile
# A per-minute quota reopens within a minute; this many waits in one run means it will not.
QUOTA_WAITS = 30
MAX_QUOTA_WAIT = 15 * 60.0

log = structlog.get_logger("ravensearch.sources")

Sleep = Callable[[float], Awaitable[None]]
OnWait = Callable[[str, datetime | None], None]


@dataclass(frozen=True, slots=True)
class TileFailure:
    provider: str
    tile: Tile
    error: str

    def describe(self) -> str:
        t = self.tile
        return (
            f"{self.provider} tile ({t.south:.3f}, {t.west:.3f})–({t.north:.3f}, {t.east:.3f})"
            f" given up after {TILE_ATTEMPTS} tries: {self.error}"
        )


class PatientSearch:
    """Searches tiles for one provider and trade; counts the calls and waits it spends."""

    def __init__(self, client: SourceClient, trade: str, *, sleep: Sleep, on_wait: OnWait) -> None:
        self.client = client
        self.trade = trade
        self.sleep = sleep
        self.on_wait = on_wait
        self.quota_waits = 0

    async def search(self, tile: Tile) -> TileSearch | TileFailure:
        """The tile's answer, or the failure recorded once the tries are spent.

        Raises:
            SourceAuthError, SourceQuotaExceeded: nothing else can succeed this run.
        """
        tries = 0
        while True:
            try:
                return await self.client.search(tile, self.trade)
            except (SourceAuthError, SourceQuotaExceeded):
                raise
            except SourceRateLimited as exc:
                if self.quota_waits >= QUOTA_WAITS:
                    return TileFailure(self.client.name, tile, str(exc))
                self.quota_waits += 1
                await self._wait_for_quota(exc.defer_seconds)
            except SourceError as exc:
                tries += 1
                log.warning("sources.tile.failed", provider=self.client.name, error=str(exc))
                if tries >= TILE_ATTEMPTS:
                    return TileFailure(self.client.name, tile, str(exc))
                await self.sleep(getattr(exc, "defer_seconds", ERROR_PAUSE) or ERROR_PAUSE)

    async def _wait_for_quota(self, seconds: float) -> None:
        seconds = min(max(seconds, 1.0), MAX_QUOTA_WAIT)
        until = utcnow() + timedelta(seconds=seconds)
        self.on_wait(self.client.name, until)
        try:
            await self.sleep(seconds)
        finally:
            self.on_wait(self.client.name, None)
