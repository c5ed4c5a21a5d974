"""Async client for Google Places API (New) Text Search: the only code that calls Google.

A tile search pages with `nextPageToken` (which Google returns only when the field mask
names it), re-sending the identical body plus `pageToken`, as Google requires. One query
yields at most 60 places (3 pages of 20); `TileSearch.saturated` says when it hit that cap.
One field mask asks for everything collection uses (website and types included), so no
place needs a second request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Unpack

import httpx

from ravensearch.sources.base import (
    SourceAuthError,
    SourceBadRequest,
    SourceError,
    SourceName,
    SourceQuotaExceeded,
    TileSearch,
)
from ravensearch.sources.geo import Tile
from ravensearch.sources.google.mapping import listings_from_response
from ravensearch.sources.http import ClientOptions, ProviderClient, error_body, error_for_status
from ravensearch.sources.trades import vocabulary
from ravensearch.targets.merge import business_key
from ravensearch.targets.phones import to_e164

DEFAULT_BASE_URL = "https://places.googleapis.com/v1"
SEARCH_PATH = "/places:searchText"
PAGE_SIZE = 20
MAX_PAGES = 3
RESULT_CAP = PAGE_SIZE * MAX_PAGES
PLACE_FIELDS = (
    "id",
    "displayName",
    "formattedAddress",
    "addressComponents",
    "location",
    "nationalPhoneNumber",
    "internationalPhoneNumber",
    "websiteUri",
    "businessStatus",
    "types",
    "primaryType",
    "pureServiceAreaBusiness",
)
# Without `nextPageToken` in the mask Google never returns it, and paging silently stops.
SEARCH_FIELD_MASK = ",".join([*(f"places.{name}" for name in PLACE_FIELDS), "nextPageToken"])
# Google documents a short delay between a page token's issue and the moment it becomes
# valid; used sooner it is refused (400 "The page_token is not yet valid"), a request spent
# for nothing. So the next page is asked no sooner than the client's token wait after the
# previous page arrived: this much at first, raised to what a refused token turned out to
# need (never lowered: a wait costs time, a refusal costs a request).
INITIAL_TOKEN_WAIT = 0.2
# After a refusal all the same, waits before each new try, in seconds (~6 s in all).
TOKEN_WAITS = (0.2, 0.4, 0.8, 1.6, 3.2)
LOOKUP_FIELD_MASK = ",".join(
    f"places.{name}"
    for name in (
        "id",
        "displayName",
        "nationalPhoneNumber",
        "internationalPhoneNumber",
        "websiteUri",
        "businessStatus",
    )
)


class GooglePlacesClient(ProviderClient):
    """One Google Cloud project's Places API (New), reached with one API key."""

    name: SourceName = "google"
    # Google's quota is per project per minute; the limiter is shared per key accordingly.
    default_per_second = 10
    default_per_minute = 600

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token_wait: float = INITIAL_TOKEN_WAIT,
        **options: Unpack[ClientOptions],
    ) -> None:
        if not api_key:
            raise ValueError("a Google Places API key is required")
        super().__init__(
            api_key,
            base_url=base_url,
            auth_headers={"X-Goog-Api-Key": api_key},
            map_error=error_from_response,
            **options,
        )
        self.token_wait = token_wait

    def fits(self, tile: Tile) -> bool:
        return tile.east - tile.west <= 180.0

    async def search_text(self, body: dict[str, Any], *, field_mask: str) -> dict[str, Any]:
        """One `places:searchText` call; the decoded answer (`{}` when nothing matched).

        A search is a read, so retrying this POST after a 429, a 5xx or a timeout is safe.
        """
        response = await self._http.request(
            "POST", SEARCH_PATH, json_body=body, headers={"X-Goog-FieldMask": field_mask}
        )
        return self._http.json_object(response, "searchText")

    async def search(self, tile: Tile, trade: str) -> TileSearch:
        """The trade's places inside `tile` (service-area businesses included), ≤ 60."""
        body: dict[str, Any] = {
            "textQuery": vocabulary(trade).google_query,
            "pageSize": PAGE_SIZE,
            "includePureServiceAreaBusinesses": True,
            "locationRestriction": {
                "rectangle": {
                    "low": {"latitude": tile.south, "longitude": tile.west},
                    "high": {"latitude": tile.north, "longitude": tile.east},
                }
            },
            "languageCode": "en",
            "regionCode": "US",
        }
        listings = []
        calls = pages = refused = 0
        token: str | None = None
        issued = 0.0
        while True:
            # The same body every time, plus the token: anything else is a 400 from Google.
            if token is None:
                data = await self.search_text(body, field_mask=SEARCH_FIELD_MASK)
            else:
                data, tries = await self._next_page({**body, "pageToken": token}, issued)
                calls += tries - 1
                refused += tries - 1
            issued = time.monotonic()
            calls += 1
            pages += 1
            listings.extend(listings_from_response(data))
            token = data.get("nextPageToken") or None
            if token is None or pages >= MAX_PAGES:
                break
        return TileSearch(tuple(listings), len(listings) >= RESULT_CAP, calls, refused)

    async def _next_page(self, page: dict[str, Any], issued: float) -> tuple[dict[str, Any], int]:
        """A page-token call made once the token should be valid, waiting more while
        Google says it is not yet; the answer and the number of calls it took."""
        await asyncio.sleep(max(0.0, issued + self.token_wait - time.monotonic()))
        for tries, wait in enumerate((*TOKEN_WAITS, None), start=1):
            try:
                data = await self.search_text(page, field_mask=SEARCH_FIELD_MASK)
            except SourceBadRequest as exc:
                if wait is None or not is_token_not_yet_valid(exc):
                    raise
                await asyncio.sleep(wait)
                continue
            if tries > 1:
                # It worked this long after issue: wait that long from now on.
                self.token_wait = max(self.token_wait, time.monotonic() - issued)
            return data, tries
        raise AssertionError("unreachable: the last try returns or raises")

    async def find_website(
        self, name: str, phone: str | None, city: str | None, state: str | None
    ) -> str | None:
        """The website Google lists for this business, found by phone (else name and
        place) in one text query; None when Google has no match or no website for it."""
        e164 = to_e164(phone)
        if e164:
            query = international_phone(e164)
        else:
            query = ", ".join(part for part in (name, city, state) if part)
        body = {
            "textQuery": query,
            "pageSize": 5,
            "includePureServiceAreaBusinesses": True,
            "languageCode": "en",
            "regionCode": "US",
        }
        data = await self.search_text(body, field_mask=LOOKUP_FIELD_MASK)
        wanted = business_key(name)
        for listing in listings_from_response(data):
            if listing.is_closed or not listing.website:
                continue
            same_phone = e164 is not None and to_e164(listing.phone) == e164
            if same_phone or business_key(listing.name) == wanted:
                return listing.website
        return None


def international_phone(e164: str) -> str:
    """The number as Google's `internationalPhoneNumber` writes it, "+1 512-555-0100":
    Google asks for phone input in international format (a plus sign, the country code)."""
    digits = e164[2:]
    return f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"


def is_token_not_yet_valid(error: SourceError) -> bool:
    return "not yet valid" in error.message.lower()


def error_from_response(response: httpx.Response) -> SourceError:
    """Google's `{"error": {code, message, status, details}}` envelope → our error tree."""
    error = error_body(response)
    message = str(error.get("message") or response.reason_phrase or "error")
    code = str(error.get("status") or "") or None
    reasons = {
        str(detail.get("reason"))
        for detail in error.get("details") or ()
        if isinstance(detail, dict) and detail.get("reason")
    }
    kwargs: dict[str, Any] = {"provider": "google", "status_code": response.status_code}
    http = response.status_code
    if http in (401, 403) or "API_KEY_INVALID" in reasons:
        return SourceAuthError(message, code=next(iter(reasons), code), **kwargs)
    if http == 429 and "per day" in message.lower():
        return SourceQuotaExceeded(message, code=code, **kwargs)
    return error_for_status(response, message, provider="google", code=code)
