"""The Google client against the fake over real HTTP: paging, caps, masks, tokens, errors."""

from __future__ import annotations

import httpx
import pytest

from ravensearch.sources.base import (
    SourceAuthError,
    SourceBadRequest,
    SourceRateLimited,
    SourceUnavailable,
)
from ravensearch.sources.geo import Tile, state_geo
from ravensearch.sources.google.client import SEARCH_FIELD_MASK, GooglePlacesClient
from ravensearch.sources.google.fake import FakeGoogleState
from ravensearch.sources.universe import Universe
from tests.sources.conftest import STATE

BBOX = state_geo(STATE).bbox


def _body(tile: Tile = BBOX, query: str = "HVAC contractor", **extra: object) -> dict[str, object]:
    rectangle = {
        "low": {"latitude": tile.south, "longitude": tile.west},
        "high": {"latitude": tile.north, "longitude": tile.east},
    }
    return {"textQuery": query, "locationRestriction": {"rectangle": rectangle}, **extra}


def _around(lat: float, lng: float, half: float = 0.004) -> Tile:
    return Tile(lat - half, lng - half, lat + half, lng + half)


class TestSearch:
    async def test_a_dense_tile_pages_to_the_60_cap(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        result = await google.search(BBOX, "hvac")
        assert (len(result.listings), result.api_calls, result.saturated) == (60, 3, True)
        assert len({listing.source_id for listing in result.listings}) == 60
        assert google_fake.calls == 3

    async def test_a_sparse_tile_is_complete(
        self, google: GooglePlacesClient, universe: Universe
    ) -> None:
        business = next(b for b in universe.businesses(STATE) if b.on_google and "hvac" in b.trades)
        result = await google.search(_around(business.lat, business.lng), "hvac")
        assert not result.saturated
        assert result.api_calls == 1
        assert business.google_id in {listing.source_id for listing in result.listings}
        assert all(
            "hvac" in universe.state(STATE).by_google_id[x.source_id].trades
            for x in result.listings
        )

    async def test_service_area_businesses_only_when_asked(
        self, google: GooglePlacesClient
    ) -> None:
        mask = "places.id,places.location,places.pureServiceAreaBusiness"
        body = _body(Tile(41.75, -71.5, 41.9, -71.35), pageSize=20)
        with_sab = await google.search_text(
            {**body, "includePureServiceAreaBusinesses": True}, field_mask=mask
        )
        without = await google.search_text(body, field_mask=mask)
        sab = [p for p in with_sab["places"] if p.get("pureServiceAreaBusiness")]
        assert sab
        assert all("location" not in p for p in sab)
        assert not any(p.get("pureServiceAreaBusiness") for p in without["places"])


class TestFieldMaskAndTokens:
    async def test_the_field_mask_is_required(
        self, google_server: tuple[object, FakeGoogleState]
    ) -> None:
        server = google_server[0]
        async with httpx.AsyncClient(base_url=server.url) as http:  # type: ignore[attr-defined]
            response = await http.post(
                "/v1/places:searchText", json=_body(), headers={"X-Goog-Api-Key": "k"}
            )
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT"
        assert error["message"].startswith("FieldMask is a required parameter")

    async def test_an_empty_mask_is_a_bad_request(self, google: GooglePlacesClient) -> None:
        with pytest.raises(SourceBadRequest, match="FieldMask"):
            await google.search_text(_body(), field_mask="")

    async def test_next_page_token_only_when_masked(self, google: GooglePlacesClient) -> None:
        without = await google.search_text(_body(), field_mask="places.id")
        with_token = await google.search_text(_body(), field_mask="places.id,nextPageToken")
        assert len(without["places"]) == 20
        assert "nextPageToken" not in without
        assert with_token["nextPageToken"]

    async def test_a_token_is_bound_to_the_original_body(self, google: GooglePlacesClient) -> None:
        first = await google.search_text(_body(), field_mask=SEARCH_FIELD_MASK)
        token = first["nextPageToken"]
        with pytest.raises(SourceBadRequest, match="must match the initial request"):
            await google.search_text(
                _body(query="plumber", pageToken=token), field_mask=SEARCH_FIELD_MASK
            )
        second = await google.search_text(
            _body(pageToken=token, pageSize=20),
            field_mask=SEARCH_FIELD_MASK,
        )
        assert {p["id"] for p in second["places"]}.isdisjoint(p["id"] for p in first["places"])

    async def test_the_third_page_is_the_last(self, google: GooglePlacesClient) -> None:
        pages, token = [], None
        for _ in range(3):
            body = _body() if token is None else _body(pageToken=token)
            page = await google.search_text(body, field_mask=SEARCH_FIELD_MASK)
            pages.append(page)
            token = page.get("nextPageToken")
        assert token is None
        assert sum(len(p["places"]) for p in pages) == 60


class TestErrors:
    async def test_an_unknown_key_is_an_auth_error(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.api_keys = {"the-real-key"}
        with pytest.raises(SourceAuthError) as caught:
            await google.search(BBOX, "hvac")
        assert caught.value.code == "API_KEY_INVALID"
        assert google_fake.calls == 1  # never retried

    async def test_429_then_success(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.inject(429, count=2)
        result = await google.search(BBOX, "hvac")
        assert len(result.listings) == 60
        assert google_fake.calls == 5

    async def test_429_that_persists_is_raised_typed(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.inject(429, count=10, retry_after=0)
        with pytest.raises(SourceRateLimited) as caught:
            await google.search(BBOX, "hvac")
        assert (caught.value.upstream_status, caught.value.code) == (429, "RESOURCE_EXHAUSTED")
        assert google_fake.calls == 4  # the first try and 3 retries

    async def test_5xx_that_persists_is_unavailable(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.inject(503, count=10)
        with pytest.raises(SourceUnavailable):
            await google.search(BBOX, "hvac")

    async def test_a_rectangle_upside_down_is_a_bad_request(
        self, google: GooglePlacesClient
    ) -> None:
        flipped = Tile(BBOX.north, BBOX.west, BBOX.south, BBOX.east)
        with pytest.raises(SourceBadRequest, match=r"low\.latitude"):
            await google.search(flipped, "hvac")


class TestFindWebsite:
    async def test_by_phone_then_by_name(
        self, google: GooglePlacesClient, universe: Universe
    ) -> None:
        listed = [
            b for b in universe.businesses(STATE)
            if b.on_google and b.google_website and b.phone_e164 and not b.closed
        ]  # fmt: skip
        business = listed[0]
        by_phone = await google.find_website("Another Name", business.phone_e164, None, None)
        by_name = await google.find_website(business.name, None, business.city, STATE)
        assert by_phone == by_name == business.google_website

    async def test_a_business_google_does_not_list(
        self, google: GooglePlacesClient, universe: Universe
    ) -> None:
        yelp_only = next(b for b in universe.businesses(STATE) if not b.on_google and b.phone_e164)
        assert await google.find_website(yelp_only.name, yelp_only.phone_e164, None, None) is None
