"""Async client for Yelp Fusion business search: the only code that calls Yelp.

A tile becomes a circle (its center, and the radius reaching its corners, ≤ 40 km).
Yelp pages with `limit` ≤ 50 and `offset`, and refuses `offset + limit > 240`; when the
first page's `total` is already at that cap the tile is reported saturated without paging
further, since its quarters will be searched anyway. Yelp also treats `radius` as a
suggestion and searches a smaller circle where businesses are dense, with `total`
counting only that circle: a full answer whose furthest business (`distance`) stops well
inside the radius asked for is saturated too. A tile too small to split is read as deep
as Yelp lets: every page up to the cap, then each category alias on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

import httpx

from ravensearch.sources.base import (
    RawListing,
    SourceError,
    SourceName,
    SourceQuotaExceeded,
    TileSearch,
)
from ravensearch.sources.geo import Tile
from ravensearch.sources.http import ClientOptions, ProviderClient, error_body, error_for_status
from ravensearch.sources.tiling import DEFAULT_MIN_SPAN
from ravensearch.sources.trades import vocabulary
from ravensearch.sources.yelp.mapping import listings_from_response

DEFAULT_BASE_URL = "https://api.yelp.com/v3"
SEARCH_PATH = "/businesses/search"
MAX_RADIUS_M = 40_000
PAGE_LIMIT = 50
# Documented as 1000 once; observed (and coded by everyone) as 240 today.
RESULT_CAP = 240
# An answer of at least this many businesses, all nearer than this share of the radius
# asked for, came from a shrunk circle. A uniform spread of 50 points in a disc puts one
# past 0.75 R with odds of 1 - 0.75^100; a small town alone in a big circle is not
# "dense", and stays below the count.
SHRUNK_RATIO = 0.75
SHRUNK_MIN_RESULTS = 20


@dataclass
class _Answer:
    """One query read page after page."""

    listings: list[RawListing] = field(default_factory=list)
    total: int = 0
    calls: int = 0
    furthest_m: float = 0.0

    def shrunk(self, radius_m: float) -> bool:
        return (
            len(self.listings) >= SHRUNK_MIN_RESULTS and self.furthest_m < SHRUNK_RATIO * radius_m
        )


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
        """The trade's businesses within the circle around `tile`, up to 240 per query."""
        lat, lng = tile.center
        radius = min(MAX_RADIUS_M, math.ceil(tile.radius_m()))
        aliases = vocabulary(trade).yelp_categories
        base: dict[str, str | int | float] = {
            "latitude": round(lat, 6),
            "longitude": round(lng, 6),
            "radius": radius,
            "categories": ",".join(aliases),
            "sort_by": "best_match",
        }
        if tile.span / 2 >= DEFAULT_MIN_SPAN:
            # Past the cap: the quarters of this tile will see what paging cannot.
            answer = await self._read(base, to_the_cap=False)
            saturated = answer.total >= RESULT_CAP or answer.shrunk(radius)
            return TileSearch(tuple(answer.listings), saturated, answer.calls)
        return await self._read_deep(base, aliases, radius)

    async def _read_deep(
        self, base: dict[str, str | int | float], aliases: tuple[str, ...], radius: int
    ) -> TileSearch:
        """A tile that cannot be split: every reachable page, then one alias at a time."""
        answers = [await self._read(base, to_the_cap=True)]
        if answers[0].total > RESULT_CAP and len(aliases) > 1:
            for alias in aliases:
                answers.append(await self._read({**base, "categories": alias}, to_the_cap=True))
        found: dict[str, RawListing] = {}
        for answer in answers:
            found.update((listing.source_id, listing) for listing in answer.listings)
        last = answers[1:] or answers
        saturated = any(a.total > RESULT_CAP or a.shrunk(radius) for a in last)
        return TileSearch(tuple(found.values()), saturated, sum(a.calls for a in answers))

    async def _read(self, base: dict[str, str | int | float], *, to_the_cap: bool) -> _Answer:
        """Page through one query; without `to_the_cap`, stop after a first page at the cap."""
        answer = _Answer()
        while True:
            offset = len(answer.listings)
            limit = min(PAGE_LIMIT, RESULT_CAP - offset)
            data = await self.search_businesses({**base, "limit": limit, "offset": offset})
            answer.calls += 1
            page = listings_from_response(data)
            answer.listings.extend(page)
            answer.total = int(data.get("total") or 0)
            answer.furthest_m = max(answer.furthest_m, _furthest(data))
            if answer.total >= RESULT_CAP and not to_the_cap:
                return answer
            if len(page) < limit or len(answer.listings) >= min(answer.total, RESULT_CAP):
                return answer


def _furthest(data: dict[str, Any]) -> float:
    distances = [
        float(b["distance"])
        for b in data.get("businesses") or ()
        if isinstance(b, dict) and isinstance(b.get("distance"), int | float)
    ]
    return max(distances, default=0.0)


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
