"""Adaptive tiling: cover an area with queries past a provider's per-query cap. Pure.

Start from the state's bounding box. Every tile is first clipped to the part of it near
the state's ZIP centroids (a tile with none in or near it is dropped), so border tiles do
not spend the cap on the neighbours' businesses. A tile the provider cannot search in one
query (Yelp's 40 km radius) is split before asking. A queried tile whose answer came back
saturated is split into four, and each quarter is queried in turn; a tile that is not
saturated is done. Tiles narrower than `min_span` are never split: if one still saturates
it is counted in `capped`, the only way this can miss businesses.

`ZipDensity` lets a sweep split by where businesses are rather than by a uniform grid: it
learns how many listings one street ZIP holds from the tiles answered so far, and a tile
whose ZIPs predict most of the provider's cap is split before it is asked (a saturated
Google answer costs three requests whose places its quarters return again).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ravensearch.sources.geo import Tile

# ~1 km: below that, more than a page of one trade at one spot is a data problem, not density.
DEFAULT_MIN_SPAN = 0.01
# Listings to see before the learned density is trusted (a few tiles' worth).
DENSITY_MIN_SEEN = 100
# Split a tile predicted past this share of the cap. Splitting one that would not have
# saturated costs about one request (four quarters instead of up to three pages); asking
# one that saturates wastes three. Density varies from ZIP to ZIP, so a tile predicted at
# three quarters of the cap saturates often enough to be worth splitting.
CROWDED_SHARE = 0.75


@dataclass
class TilingStats:
    queried: int = 0
    saturated: int = 0
    skipped: int = 0
    capped: int = 0
    failed: int = 0


class AdaptiveTiler:
    """The frontier of tiles still to query. The caller queries them and reports back,
    in any order (`tile_pool` keeps a few in flight).

    ```python
    tiler = AdaptiveTiler(geo.bbox, clip=geo.clip, fits=client.fits)
    while batch := tiler.take(4):
        for tile in batch:
            tiler.report(tile, saturated=(await client.search(tile, trade)).saturated)
    ```
    """

    def __init__(
        self,
        root: Tile,
        *,
        clip: Callable[[Tile], Tile | None],
        fits: Callable[[Tile], bool] | None = None,
        min_span: float = DEFAULT_MIN_SPAN,
    ) -> None:
        self._clip = clip
        self._fits = fits or (lambda _tile: True)
        self._min_span = min_span
        self._pending: deque[Tile] = deque()
        self._in_flight: set[Tile] = set()
        self.stats = TilingStats()
        self.failures: list[tuple[Tile, str]] = []
        self._add(root)

    @property
    def done(self) -> int:
        return self.stats.queried

    @property
    def known(self) -> int:
        """Tiles queried, being queried or waiting: the progress total (it grows on splits)."""
        return self.stats.queried + len(self._in_flight) + len(self._pending)

    @property
    def finished(self) -> bool:
        return not self._pending and not self._in_flight

    def take(self, count: int = 1) -> list[Tile]:
        """Up to `count` tiles to query now; empty when nothing is pending."""
        batch: list[Tile] = []
        while self._pending and len(batch) < count:
            tile = self._pending.popleft()
            self._in_flight.add(tile)
            batch.append(tile)
        return batch

    def report(self, tile: Tile, *, saturated: bool) -> None:
        """Record a tile's answer; a saturated one is replaced by its four quarters."""
        self._in_flight.remove(tile)
        self.stats.queried += 1
        if not saturated:
            return
        self.stats.saturated += 1
        if tile.span / 2 < self._min_span:
            self.stats.capped += 1
            return
        for quarter in tile.split():
            self._add(quarter)

    def fail(self, tile: Tile, error: str) -> None:
        """Give a tile up: its provider kept failing. It stays listed in `failures`."""
        self._in_flight.remove(tile)
        self.stats.queried += 1
        self.stats.failed += 1
        self.failures.append((tile, error))

    def _add(self, whole: Tile) -> None:
        tile = self._clip(whole)
        if tile is None:
            self.stats.skipped += 1
        elif not self._fits(tile) and tile.span / 2 >= self._min_span:
            for quarter in tile.split():
                self._add(quarter)
        else:
            self._pending.append(tile)


class ZipDensity:
    """Listings per street ZIP in the tiles answered so far: which tiles will saturate.

    Only complete answers teach it: a saturated one says nothing of its tile's density
    (a state-wide tile's 60 would make every ZIP look empty).
    """

    def __init__(self, cap: int, *, min_seen: int = DENSITY_MIN_SEEN) -> None:
        self._cap = cap
        self._min_seen = min_seen
        self._zips = 0
        self._listings = 0

    def learn(self, zips: int, listings: int, *, saturated: bool) -> None:
        if zips > 0 and not saturated:
            self._zips += zips
            self._listings += listings

    def crowded(self, zips: int) -> bool:
        """Whether a tile over `zips` street ZIPs likely holds more than the cap."""
        if self._listings < self._min_seen:
            return False
        return zips * self._listings > CROWDED_SHARE * self._cap * self._zips
