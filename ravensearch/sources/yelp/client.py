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
from typing import Any

import httpx

from ravensearch.instantly.errors import parse_retry_after
from ravensearch.kit.closing import AsyncClosing
from ravensearch.kit.ratelimit import RateLimiter, shared_limiter, workspace_key
from ravensearch.sources.base import (
    SourceAuthError,
    SourceBadRequest,
    SourceError,
    SourceName,
    SourceQuotaExceeded,
    SourceRateLimited,
    SourceUnavailable,
    TileSearch,
)
from ravensearch.sources.geo import Tile
from ravensearch.sources.http import DEFAULT_USER_AGENT, ProviderHttp, json_or_none
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


class YelpClient(AsyncClosing):
    """One Yelp app's API key. Use as an async context manager or call `aclose()`."""

    name: SourceName = "yelp"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
        max_retries: int = 4,
        per_second: int = 5,
        per_minute: int = 300,
        rate_limiter: RateLimiter | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        if not api_key:
            raise ValueError("a Yelp API key is required")
        limiter = rate_limiter or shared_limiter(
            "yelp:" + workspace_key(base_url, api_key), per_second, per_minute
        )
        self._http = ProviderHttp(
            "yelp",
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            map_error=error_from_response,
            limiter=limiter,
            http_client=http_client,
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            user_agent=user_agent,
        )
        self.rate_limit = RateLimitStatus(None, None, None)

    def __repr__(self) -> str:
        return f"YelpClient(base_url={self._http.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def fits(self, tile: Tile) -> bool:
        return tile.radius_m() <= MAX_RADIUS_M

    async def search_businesses(self, params: dict[str, str | int | float]) -> dict[str, Any]:
        """One `GET /businesses/search`; the decoded answer."""
        response = await self._http.request("GET", SEARCH_PATH, params=params)
        self.rate_limit = _rate_limit(response.headers)
        data = json_or_none(response)
        if not isinstance(data, dict):
            raise SourceError("search answer is not a JSON object", provider="yelp")
        return data

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
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "") or None
    description = error.get("description")
    message = str(description if description else response.reason_phrase or "error")
    kwargs: dict[str, Any] = {"provider": "yelp", "status_code": response.status_code, "code": code}
    status = response.status_code
    if code == "ACCESS_LIMIT_REACHED":
        return SourceQuotaExceeded(message, reset_after=_seconds_until_reset(response), **kwargs)
    if status == 429:
        return SourceRateLimited(message, retry_after=parse_retry_after(response.headers), **kwargs)
    if status in (401, 403) and code != "BUSINESS_UNAVAILABLE":
        return SourceAuthError(message, **kwargs)
    if status == 408 or status >= 500:
        return SourceUnavailable(message, **kwargs)
    if status == 400:
        return SourceBadRequest(message, **kwargs)
    return SourceError(message, **kwargs)


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
