"""The Yelp client against the fake over real HTTP: paging, the 240 cap, errors, limits."""

from __future__ import annotations

import math

import httpx
import pytest

from ravensearch.sources.base import (
    SourceAuthError,
    SourceBadRequest,
    SourceQuotaExceeded,
    SourceRateLimited,
)
from ravensearch.sources.geo import Tile
from ravensearch.sources.trades import vocabulary
from ravensearch.sources.universe import Universe
from ravensearch.sources.yelp.client import RESULT_CAP, YelpClient
from ravensearch.sources.yelp.fake import FakeYelpState
from tests.sources.conftest import STATE

# Providence and its suburbs: more than 240 HVAC firms within 20 km.
PROVIDENCE = Tile(41.70, -71.55, 41.90, -71.30)


def _params(**overrides: object) -> dict[str, str | int | float]:
    lat, lng = PROVIDENCE.center
    params: dict[str, object] = {
        "latitude": lat,
        "longitude": lng,
        "radius": 20_000,
        "categories": "hvac",
        "limit": 50,
        "offset": 0,
    }
    params.update(overrides)
    return params  # type: ignore[return-value]


class TestSearch:
    async def test_pages_until_the_circle_is_exhausted(
        self, yelp: YelpClient, yelp_fake: FakeYelpState, universe: Universe
    ) -> None:
        tile = Tile(41.45, -71.75, 41.6, -71.55)
        result = await yelp.search(tile, "hvac")
        lat, lng = tile.center
        radius = math.ceil(tile.radius_m())
        total = (await yelp.search_businesses(_params(latitude=lat, longitude=lng, radius=radius)))[
            "total"
        ]
        assert 100 < total < 150  # so that this tile needs three pages
        assert not result.saturated
        assert (len(result.listings), result.api_calls) == (total, 3)
        by_id = universe.state(STATE).by_yelp_id
        assert all("hvac" in by_id[x.source_id].trades for x in result.listings)

    async def test_at_the_cap_it_stops_and_says_saturated(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        result = await yelp.search(PROVIDENCE, "hvac")
        assert result.saturated
        assert result.api_calls == 1  # no paging into a tile that will be split anyway
        assert yelp_fake.calls == 1

    async def test_never_a_website_and_closed_flagged(self, yelp: YelpClient) -> None:
        data = await yelp.search_businesses(_params())
        assert data["total"] > 240
        assert all("website" not in b and "is_closed" in b for b in data["businesses"])

    async def test_rate_limit_headers_are_read(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        await yelp.search_businesses(_params())
        await yelp.search_businesses(_params())
        assert yelp.rate_limit.daily_limit == 5000
        assert yelp.rate_limit.remaining == 4998
        assert yelp.rate_limit.reset_time


class TestShrunkRadius:
    """Yelp narrows the circle where businesses are dense, and `total` counts the smaller one."""

    SUBURBS = Tile(41.45, -71.75, 41.6, -71.55)

    async def test_the_fake_searches_a_smaller_circle_when_dense(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        yelp_fake.shrink_dense = True
        data = await yelp.search_businesses(_params())
        assert data["total"] <= yelp_fake.dense_count
        assert max(b["distance"] for b in data["businesses"]) <= 0.7 * 20_000
        assert yelp_fake.shrunk == 1

    async def test_a_shrunk_answer_is_saturated_though_under_the_cap(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        whole = await yelp.search(self.SUBURBS, "hvac")
        yelp_fake.shrink_dense = True
        shrunk = await yelp.search(self.SUBURBS, "hvac")
        assert not whole.saturated
        assert len(shrunk.listings) < len(whole.listings)
        assert shrunk.saturated

    async def test_a_sparse_answer_is_not_saturated(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        yelp_fake.shrink_dense = True
        yelp_fake.dense_count = 10_000  # never shrinks: whatever the spread, nothing is hidden
        result = await yelp.search(self.SUBURBS, "hvac")
        assert not result.saturated


class TestTileTooSmallToSplit:
    """A minimum-size tile still past the cap: every page to 240, then alias by alias."""

    @staticmethod
    def _yelp(per_alias: int, calls: list[dict[str, str]]) -> YelpClient:
        def answer(request: httpx.Request) -> httpx.Response:
            params = dict(request.url.params)
            calls.append(params)
            offset, limit = int(params["offset"]), int(params["limit"])
            assert offset + limit <= RESULT_CAP
            aliases = params["categories"].split(",")
            ids = [f"{a}-{i}" for a in aliases for i in range(per_alias)]
            # Spread over the whole circle asked for: nothing says it was shrunk.
            radius = int(params["radius"])
            page = [
                {"id": i, "name": f"Firm {i}", "distance": radius * (1 - n % 10 / 20)}
                for n, i in enumerate(ids[offset : offset + limit])
            ]
            return httpx.Response(200, json={"businesses": page, "total": len(ids)})

        http = httpx.AsyncClient(
            transport=httpx.MockTransport(answer), base_url="https://yelp.test/v3"
        )
        return YelpClient("k", base_url="https://yelp.test/v3", http_client=http)

    async def test_pages_with_offsets_up_to_the_cap(self) -> None:
        calls: list[dict[str, str]] = []
        yelp = self._yelp(300, calls)
        result = await yelp.search(Tile(41.80, -71.41, 41.81, -71.40), "hvac")
        assert [(c["offset"], c["limit"]) for c in calls] == [
            ("0", "50"), ("50", "50"), ("100", "50"), ("150", "50"), ("200", "40"),
        ]  # fmt: skip
        assert len(result.listings) == RESULT_CAP
        assert result.saturated  # still past the cap: counted as capped

    async def test_then_splits_by_category(self) -> None:
        calls: list[dict[str, str]] = []
        yelp = self._yelp(60, calls)  # 7 plumbing aliases x 60: 420 in all, 60 per alias
        result = await yelp.search(Tile(41.80, -71.41, 41.81, -71.40), "plumbing")
        aliases = vocabulary("plumbing").yelp_categories
        assert {c["categories"] for c in calls} == {",".join(aliases), *aliases}
        assert len(result.listings) == 60 * len(aliases)
        assert not result.saturated
        assert result.api_calls == len(calls)

    async def test_a_tile_that_can_be_split_stops_at_the_first_page(self) -> None:
        calls: list[dict[str, str]] = []
        yelp = self._yelp(300, calls)
        result = await yelp.search(Tile(41.80, -71.43, 41.83, -71.40), "hvac")
        assert (len(calls), result.saturated) == (1, True)


class TestLimits:
    @pytest.mark.parametrize(
        ("overrides", "text"),
        [
            ({"offset": 200, "limit": 50}, "limit \\+ offset must be <= 240"),
            ({"limit": 51}, "the maximum is 50"),
            ({"radius": 40_001}, "radius"),
            ({"latitude": None, "longitude": None}, "specify a location"),
            ({"categories": "hvac,notacategory"}, "notacategory"),
        ],
    )
    async def test_bad_requests_are_typed(
        self, yelp: YelpClient, overrides: dict[str, object], text: str
    ) -> None:
        params = {k: v for k, v in _params(**overrides).items() if v is not None}
        with pytest.raises(SourceBadRequest, match=text) as caught:
            await yelp.search_businesses(params)
        assert caught.value.code == "VALIDATION_ERROR"

    async def test_the_last_reachable_page(self, yelp: YelpClient) -> None:
        data = await yelp.search_businesses(_params(offset=200, limit=40))
        assert len(data["businesses"]) == 40


class TestErrors:
    async def test_a_bad_key(self, yelp: YelpClient, yelp_fake: FakeYelpState) -> None:
        yelp_fake.api_keys = {"the-real-key"}
        with pytest.raises(SourceAuthError) as caught:
            await yelp.search_businesses(_params())
        assert caught.value.code == "TOKEN_INVALID"

    async def test_429_per_second_then_success(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        yelp_fake.inject(429, count=2)
        data = await yelp.search_businesses(_params())
        assert data["businesses"]
        assert yelp_fake.calls == 3

    async def test_429_per_second_that_persists(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        yelp_fake.inject(429, count=10)
        with pytest.raises(SourceRateLimited) as caught:
            await yelp.search_businesses(_params())
        assert caught.value.code == "TOO_MANY_REQUESTS_PER_SECOND"

    async def test_the_daily_allowance_is_not_retried(
        self, yelp: YelpClient, yelp_fake: FakeYelpState
    ) -> None:
        yelp_fake.daily_limit = 1
        await yelp.search_businesses(_params())
        with pytest.raises(SourceQuotaExceeded) as caught:
            await yelp.search_businesses(_params())
        assert caught.value.code == "ACCESS_LIMIT_REACHED"
        assert caught.value.reset_after is not None
        assert 0 < caught.value.reset_after <= 86_400
        assert yelp_fake.calls == 2
