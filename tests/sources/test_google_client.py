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

    async def test_asks_by_phone_in_international_format(
        self, google: GooglePlacesClient, universe: Universe, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        business = next(
            b for b in universe.businesses(STATE)
            if b.on_google and b.google_website and b.phone_e164 and not b.closed
        )  # fmt: skip
        sent: list[str] = []
        search_text = google.search_text

        async def recorded(body: dict[str, object], *, field_mask: str) -> dict[str, object]:
            sent.append(str(body["textQuery"]))
            return await search_text(body, field_mask=field_mask)

        monkeypatch.setattr(google, "search_text", recorded)
        national = (
            f"({business.phone_e164[2:5]}) {business.phone_e164[5:8]}-{business.phone_e164[8:]}"
        )
        assert await google.find_website("Another Name", national, None, None) == (
            business.google_website
        )
        digits = business.phone_e164[2:]
        assert sent == [f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"]


class TestFakePhoneQueries:
    @pytest.mark.parametrize(
        ("written", "matches"),
        [
            ("+1 {a}-{b}-{c}", True),  # Google's internationalPhoneNumber
            ("+1{a}{b}{c}", True),  # E.164
            ("({a}) {b}-{c}", False),  # national: not the documented phone input
            ("{a}{b}{c}", False),
        ],
    )
    async def test_only_the_international_format_finds_the_business(
        self, google: GooglePlacesClient, universe: Universe, written: str, matches: bool
    ) -> None:
        business = next(b for b in universe.businesses(STATE) if b.on_google and b.phone_e164)
        digits = business.phone_e164[2:]
        query = written.format(a=digits[:3], b=digits[3:6], c=digits[6:])
        answer = await google.search_text(
            {"textQuery": query, "includePureServiceAreaBusinesses": True},
            field_mask="places.id",
        )
        assert ([p["id"] for p in answer.get("places", [])] == [business.google_id]) is matches


class TestPageTokenWait:
    async def test_a_token_is_asked_after_the_wait_so_google_need_not_refuse_it(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.token_delay = google.token_wait * 0.75
        try:
            result = await google.search(BBOX, "hvac")
        finally:
            google_fake.token_delay = 0.0
        assert (len(result.listings), result.api_calls, result.refused) == (60, 3, 0)
        assert google_fake.calls == 3

    async def test_the_wait_grows_to_what_google_needs_then_costs_nothing(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        google_fake.token_delay = google.token_wait + 0.15
        try:
            first = await google.search(BBOX, "hvac")
            second = await google.search(BBOX, "plumbing")
        finally:
            google_fake.token_delay = 0.0
        assert len(first.listings) == len(second.listings) == 60  # no page lost
        assert first.refused >= 1
        assert google.token_wait >= 0.35
        assert (second.refused, second.api_calls) == (0, 3)
        assert google_fake.calls == first.api_calls + second.api_calls
