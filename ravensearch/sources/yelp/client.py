"""Async client for Yelp Fusion business search: the only code that calls Yelp.

A tile becomes a circle (its center, and the radius reaching its corners, ≤ 40 km).
Yelp pages with `limit` ≤ 50 and `offset`, and refuses `offset + limit > 240`; when the
first page's `total` is already at that cap the tile is reported saturated without paging
further, since its quarters will be searched anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

import httpx

from ravensearch.sources.base import SourceError, SourceName, SourceQuotaExceeded, TileSearch
from ravensearch.sources.geo import Tile
from ravensearch.sources.http import ClientOptions, ProviderClient, error_body, error_for_status
from ravensearch.sources.trades import vocabulary
from ravensearch.sources.yelp.mapping import listings_from_response

DEFAULT_BASE_URL = "https://api.yelp.com/v3"
SEARCH_PATH = "/businesses/search"
MAX_RADIUS_M = 40_000
PAGE_LIMIT = 50
# Documented as 1000 once; observed (and coded by everyone) as 240 today.
RESULT_CAP = 240


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """Yelp's `RateLimit-*` headers from the latest answer."""

    daily_limit: int | None
    remaining: int | None
    reset_time: str | None


class YelpClient(ProviderClient):
    """One Yelp app's API key."""

    name: SourceName = "yelp"
    default_per_second = 5
    default_per_minute = 300

    def __init__(
        self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, **options: Unpack[ClientOptions]
    ) -> None:
        if not api_key:
            raise ValueError("a Yelp API key is required")
        super().__init__(
            api_key,
            base_url=base_url,
            auth_headers={"Authorization": f"Bearer {api_key}"},
            map_error=error_from_response,
            **options,
        )
        self.rate_limit = RateLimitStatus(None, None, None)

    def fits(self, tile: Tile) -> bool:
        return tile.radius_m() <= MAX_RADIUS_M

    async def search_businesses(self, params: dict[str, str | int | float]) -> dict[str, Any]:
        """One `GET /businesses/search`; the decoded answer."""
        response = await self._http.request("GET", SEARCH_PATH, params=params)
        self.rate_limit = _rate_limit(response.headers)
        return self._http.json_object(response, "search")

    async def search(self, tile: Tile, trade: str) -> TileSearch:
        """The trade's businesses within the circle around `tile`, up to 240."""
        lat, lng = tile.center
        base: dict[str, str | int | float] = {
            "latitude": round(lat, 6),
            "longitude": round(lng, 6),
            "radius": min(MAX_RADIUS_M, math.ceil(tile.radius_m())),
            "categories": ",".join(vocabulary(trade).yelp_categories),
            "sort_by": "best_match",
        }
        listings = []
        calls = 0
        offset = 0
        while True:
            limit = min(PAGE_LIMIT, RESULT_CAP - offset)
            data = await self.search_businesses({**base, "limit": limit, "offset": offset})
            calls += 1
            page = listings_from_response(data)
            listings.extend(page)
            total = int(data.get("total") or 0)
            if total >= RESULT_CAP:
                # Past the cap: the quarters of this tile will see what paging cannot.
                return TileSearch(tuple(listings), True, calls)
            offset += len(page)
            if len(page) < limit or offset >= total:
                return TileSearch(tuple(listings), False, calls)


def _rate_limit(headers: httpx.Headers) -> RateLimitStatus:
    def number(name: str) -> int | None:
        value = headers.get(name)
        return int(value) if value is not None and value.isdigit() else None

    return RateLimitStatus(
        number("ratelimit-dailylimit"),
        number("ratelimit-remaining"),
        headers.get("ratelimit-resettime"),
    )


def error_from_response(response: httpx.Response) -> SourceError:
    """Yelp's `{"error": {"code", "description"}}` envelope → our error tree."""
    error = error_body(response)
    code = str(error.get("code") or "") or None
    description = error.get("description")
    message = str(description if description else response.reason_phrase or "error")
    kwargs: dict[str, Any] = {"provider": "yelp", "status_code": response.status_code, "code": code}
    if code == "ACCESS_LIMIT_REACHED":
        return SourceQuotaExceeded(message, reset_after=_seconds_until_reset(response), **kwargs)
    if code == "BUSINESS_UNAVAILABLE" and response.status_code in (401, 403):
        # Sent with a 403, but it is about the business asked for, not about our key.
        return SourceError(message, **kwargs)
    return error_for_status(response, message, provider="yelp", code=code)


def _seconds_until_reset(response: httpx.Response) -> float | None:
    raw = response.headers.get("ratelimit-resettime")
    if not raw:
        return None
    try:
        reset = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if reset.tzinfo is None:
        return None
    return max(0.0, (reset - datetime.now(reset.tzinfo)).total_seconds())
