"""Adaptive tiling (pure) and the geometry it stands on."""

from __future__ import annotations

import math

from ravensearch.sources.geo import Tile, state_geo
from ravensearch.sources.tiling import AdaptiveTiler, ZipDensity
from ravensearch.sources.universe import Business, Universe
from tests.sources.conftest import STATE

SQUARE = Tile(0.0, 0.0, 1.0, 1.0)


def _everywhere(tile: Tile) -> Tile:
    return tile


class TestTile:
    def test_quarters_partition_the_tile(self) -> None:
        quarters = SQUARE.split()
        assert sum(q.contains(0.5, 0.5) for q in quarters) == 1
        assert sum(q.contains(0.25, 0.75) for q in quarters) == 1
        assert all(q.span == 0.5 for q in quarters)

    def test_radius_reaches_the_corners(self) -> None:
        radius = Tile(30.0, -98.0, 30.5, -97.5).radius_m()
        assert 36_000 < radius < 38_000


class TestStateGeo:
    def test_the_box_holds_every_centroid(self) -> None:
        geo = state_geo(STATE)
        assert all(geo.bbox.contains(p.lat, p.lng) for p in geo.points)

    def test_clip_keeps_the_state_and_drops_the_sea(self) -> None:
        geo = state_geo(STATE)
        assert geo.clip(Tile(40.0, -70.0, 40.5, -69.5)) is None  # the Atlantic
        clipped = geo.clip(geo.bbox.expanded(1.0))
        assert clipped is not None
        assert clipped == geo.bbox


class TestAdaptiveTiler:
    def test_splits_saturated_tiles_until_none_is(self) -> None:
        points = [(0.1 + i * 0.001, 0.1 + i * 0.001) for i in range(100)]
        tiler = AdaptiveTiler(SQUARE, clip=_everywhere)
        while batch := tiler.take(4):
            for tile in batch:
                count = sum(tile.contains(*p) for p in points)
                tiler.report(tile, saturated=count >= 30)
        assert tiler.finished
        assert tiler.stats.saturated >= 3
        assert tiler.done == tiler.known == tiler.stats.queried

    def test_clipped_away_tiles_are_never_queried(self) -> None:
        def west_half(tile: Tile) -> Tile | None:
            return tile if tile.west < 0.5 else None

        tiler = AdaptiveTiler(SQUARE, clip=west_half)
        tiler.report(tiler.take()[0], saturated=True)
        assert len(tiler.take(10)) == 2
        assert tiler.stats.skipped == 2

    def test_tiles_too_big_to_search_are_split_first(self) -> None:
        tiler = AdaptiveTiler(SQUARE, clip=_everywhere, fits=lambda t: t.span <= 0.25)
        assert len(tiler.take(100)) == 16
        assert tiler.stats.queried == 0

    def test_the_minimum_size_stops_splitting(self) -> None:
        tiler = AdaptiveTiler(SQUARE, clip=_everywhere, min_span=0.3)
        tiler.report(tiler.take()[0], saturated=True)
        for tile in tiler.take(4):
            tiler.report(tile, saturated=True)
        assert tiler.finished
        assert tiler.stats.capped == 4


class TestCoverage:
    def test_tiling_reaches_every_business_of_a_trade(self, universe: Universe) -> None:
        """Google's rules without HTTP: 60 places a query, ranked by prominence."""
        geo = state_geo(STATE)
        tiler = AdaptiveTiler(geo.bbox, clip=geo.clip)
        found: set[str] = set()
        calls = 0
        while batch := tiler.take(8):
            for tile in batch:
                hits = sorted(
                    (b for b in universe.in_area(tile, "plumbing") if b.on_google),
                    key=_rank,
                )[:60]
                found.update(b.key for b in hits)
                calls += max(1, math.ceil(len(hits) / 20))
                tiler.report(tile, saturated=len(hits) >= 60)
        wanted = {
            b.key for b in universe.businesses(STATE) if "plumbing" in b.trades and b.on_google
        }
        assert len(wanted) > 600  # far past one query's 60
        assert found == wanted
        assert tiler.stats.capped == 0
        assert calls < len(wanted) / 5


def _rank(business: Business) -> float:
    return -business.prominence


class TestZipDensity:
    def test_trusts_nothing_before_enough_listings(self) -> None:
        density = ZipDensity(60, min_seen=100)
        density.learn(10, 50, saturated=False)  # 5 per ZIP, but only 50 seen
        assert not density.crowded(1000)

    def test_a_tile_whose_zips_predict_past_the_cap_is_crowded(self) -> None:
        density = ZipDensity(60, min_seen=100)
        density.learn(20, 60, saturated=False)
        density.learn(20, 60, saturated=False)  # 3 listings per street ZIP
        assert density.crowded(20)  # 60 predicted: at the cap
        assert not density.crowded(10)  # 30 predicted

    def test_saturated_answers_teach_nothing(self) -> None:
        density = ZipDensity(60, min_seen=100)
        density.learn(40, 120, saturated=False)
        density.learn(2000, 60, saturated=True)  # a state-wide tile would dilute it to ~0.1
        assert density.crowded(20)
