"""A fake Yelp Fusion business search over the synthetic universe, as a FastAPI app.

Faithful where our client could go wrong: Bearer auth (401 TOKEN_MISSING/TOKEN_INVALID),
`location` or `latitude`+`longitude` required, `radius` ≤ 40000, `limit` ≤ 50,
`offset + limit` ≤ 240, known category aliases only, `total` counting every match (it can
exceed what paging reaches), `is_closed` and `attributes.business_temp_closed`, never a
website, a search radius that shrinks in dense areas when `shrink_dense` is set (Yelp
documents `radius` as a suggestion: dense areas get a smaller one), Yelp's error envelope, the
`RateLimit-*` headers on every answer with a daily allowance (429 ACCESS_LIMIT_REACHED when
spent), and 429 TOO_MANY_REQUESTS_PER_SECOND (or 5xx) injected through `/_fake/faults`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ravensearch.errors import InvalidInput
from ravensearch.kit.distance import distance_m
from ravensearch.kit.trades import TRADES
from ravensearch.sources.fake_controls import create_provider_fake
from ravensearch.sources.fake_faults import FaultQueue
from ravensearch.sources.geo import Tile, state_geo
from ravensearch.sources.trades import (
    VOCABULARY,
    is_known_yelp_alias,
    trade_for_text,
    trades_for_yelp_alias,
)
from ravensearch.sources.universe import Business, Universe, display_phone
from ravensearch.targets.addresses import US_STATES

MAX_RADIUS_M = 40_000
DEFAULT_RADIUS_M = 16_000
MAX_LIMIT = 50
SHRINK_FACTOR = 0.7
_TITLES = {
    "hvac": "Heating & Air Conditioning/HVAC", "plumbing": "Plumbing",
    "electricians": "Electricians", "roofing": "Roofing",
    "homeappliancerepair": "Appliances & Repair", "contractors": "Contractors",
    "locksmiths": "Keys & Locksmiths", "garage_door_services": "Garage Door Services",
    "pest_control": "Pest Control",
}  # fmt: skip
_SORTS = frozenset({"best_match", "rating", "review_count", "distance"})


@dataclass
class FakeYelpState:
    """What the fake knows; tests read `calls` and inject faults."""

    universe: Universe
    api_keys: set[str] | None = None  # None accepts any non-empty key
    result_cap: int = 240
    # Yelp narrows the search circle where businesses are dense: with more than
    # `dense_count` matches inside the radius asked for, the circle shrinks (by at least
    # `SHRINK_FACTOR`) until it holds `dense_count` or fewer, and `total` counts only those.
    shrink_dense: bool = False
    dense_count: int = 60
    shrunk: int = 0  # answers that came from a shrunk circle
    daily_limit: int = 5000
    used_today: int = 0
    calls: int = 0
    faults: FaultQueue = field(default_factory=FaultQueue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(
        self, status_code: int = 429, *, count: int = 1, code: str = "TOO_MANY_REQUESTS_PER_SECOND"
    ) -> None:
        """The next `count` searches answer `status_code` (429 with `code`, or 5xx)."""
        self.faults.inject(status_code, count=count, code=code)

    def reset(self) -> None:
        with self.lock:
            self.calls = self.used_today = self.shrunk = 0
            self.faults.clear()

    def snapshot(self) -> dict[str, Any]:
        return {"calls": self.calls, "used_today": self.used_today, "shrunk": self.shrunk}


class YelpFakeError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _validation(description: str) -> YelpFakeError:
    return YelpFakeError(400, "VALIDATION_ERROR", description)


def create_yelp_fake(state: FakeYelpState) -> FastAPI:
    """The fake at `/v3/businesses/search`, control routes under `/_fake/`."""

    async def search(request: Request) -> JSONResponse:
        try:
            _check_auth(state, request.headers.get("authorization"))
            _spend(state)
            body = _search(state, request.query_params)
            return JSONResponse(body, headers=_rate_headers(state))
        except YelpFakeError as exc:
            error = {"error": {"code": exc.code, "description": exc.description}}
            return JSONResponse(error, status_code=exc.status, headers=_rate_headers(state))

    return create_provider_fake(
        "Fake Yelp Fusion", state, method="GET", path="/v3/businesses/search", answer=search
    )


def _check_auth(state: FakeYelpState, header: str | None) -> None:
    if not header:
        raise YelpFakeError(
            401, "TOKEN_MISSING", "An access token must be supplied in order to use this endpoint."
        )
    scheme, _, key = header.partition(" ")
    if (
        scheme.lower() != "bearer"
        or not key.strip()
        or (state.api_keys is not None and key.strip() not in state.api_keys)
    ):
        raise YelpFakeError(401, "TOKEN_INVALID", "Invalid access token or authorization header.")


def _spend(state: FakeYelpState) -> None:
    fault = state.faults.take()
    if fault is not None:
        if fault.status_code == 429:
            code = fault.code or "TOO_MANY_REQUESTS_PER_SECOND"
            raise YelpFakeError(429, code, _limit_text(code))
        raise YelpFakeError(
            fault.status_code,
            "INTERNAL_ERROR",
            "Something went wrong internally, please try again later.",
        )
    with state.lock:
        if state.used_today >= state.daily_limit:
            code = "ACCESS_LIMIT_REACHED"
            raise YelpFakeError(429, code, _limit_text(code))
        state.used_today += 1


def _limit_text(code: str) -> str:
    if code == "ACCESS_LIMIT_REACHED":
        return "You've reached the access limit for this client. Please contact api@yelp.com."
    return "You have exceeded the queries-per-second limit for this endpoint."


def _rate_headers(state: FakeYelpState) -> dict[str, str]:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return {
        "RateLimit-DailyLimit": str(state.daily_limit),
        "RateLimit-Remaining": str(max(0, state.daily_limit - state.used_today)),
        "RateLimit-ResetTime": tomorrow.isoformat(),
    }


def _search(state: FakeYelpState, params: Any) -> dict[str, Any]:
    lat, lng = _center(params)
    radius = _int(params, "radius", DEFAULT_RADIUS_M)
    if not 0 < radius <= MAX_RADIUS_M:
        raise _validation(f"radius must be between 1 and {MAX_RADIUS_M} meters.")
    limit = _int(params, "limit", 20)
    if not 0 <= limit <= MAX_LIMIT:
        raise _validation(f"The supplied limit: {limit} is invalid, the maximum is {MAX_LIMIT}.")
    offset = _int(params, "offset", 0)
    if offset < 0:
        raise _validation("offset must be a non-negative integer.")
    if offset + limit > state.result_cap:
        raise _validation(
            f"Too many results requested: limit + offset must be <= {state.result_cap}."
        )
    sort_by = params.get("sort_by") or "best_match"
    if sort_by not in _SORTS:
        raise _validation(f"sort_by must be one of: {', '.join(sorted(_SORTS))}.")
    trades = _trades(params)
    # A box around the circle, then the exact distance: the universe is indexed by boxes.
    degrees = radius / 111_000 * 1.5 + 0.01
    box = Tile(lat - degrees, lng - degrees * 1.5, lat + degrees, lng + degrees * 1.5)
    seen: dict[str, tuple[float, Business]] = {}
    for trade in trades:
        for business in state.universe.in_area(box, trade):
            if not business.on_yelp or business.key in seen:
                continue
            b_lat, b_lng = _coordinates(business)
            distance = distance_m(lat, lng, b_lat, b_lng)
            if distance <= radius:
                seen[business.key] = (distance, business)
    found = _shrunk(state, list(seen.values()), radius)
    found.sort(key=_sort_key(sort_by))
    page = found[offset : offset + limit]
    return {
        "businesses": [_business(b, distance) for distance, b in page],
        "total": len(found),
        "region": {"center": {"longitude": lng, "latitude": lat}},
    }


def _shrunk(
    state: FakeYelpState, found: list[tuple[float, Business]], radius: float
) -> list[tuple[float, Business]]:
    if not state.shrink_dense or len(found) <= state.dense_count:
        return found
    by_distance = sorted(distance for distance, _ in found)
    kept = min(radius * SHRINK_FACTOR, by_distance[state.dense_count - 1])
    state.shrunk += 1
    return [item for item in found if item[0] <= kept]


def _center(params: Any) -> tuple[float, float]:
    if params.get("latitude") is not None or params.get("longitude") is not None:
        try:
            lat, lng = float(params["latitude"]), float(params["longitude"])
        except (KeyError, ValueError):
            raise _validation("latitude and longitude must both be decimal numbers.") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise _validation("latitude or longitude out of range.")
        return lat, lng
    location = (params.get("location") or "").strip()
    if not location:
        raise _validation("Please specify a location or a latitude and longitude")
    return _geocode(location)


def _geocode(location: str) -> tuple[float, float]:
    """A ZIP or "City, ST" → its (first) ZIP centroid; else LOCATION_NOT_FOUND."""
    city, _, state = (part.strip() for part in location.rpartition(","))
    codes = [state.upper()] if state.upper() in US_STATES else list(US_STATES)
    for code in codes:
        try:
            points = state_geo(code).points
        except InvalidInput:  # a territory without ZIP data
            continue
        for point in points:
            if point.zip == location or (city and point.city.lower() == city.lower()):
                return point.lat, point.lng
    raise YelpFakeError(
        400,
        "LOCATION_NOT_FOUND",
        "Could not execute search, try specifying a more exact location.",
    )


def _int(params: Any, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise _validation(f"{name} must be an integer.") from None


def _trades(params: Any) -> list[str]:
    raw = params.get("categories") or ""
    aliases = [alias.strip() for alias in raw.split(",") if alias.strip()]
    for alias in aliases:
        if not is_known_yelp_alias(alias):
            raise _validation(f"Invalid category alias: '{alias}'.")
    if aliases:
        return sorted({trade for alias in aliases for trade in trades_for_yelp_alias(alias)})
    term_trade = trade_for_text(params.get("term") or "")
    return [term_trade] if term_trade else list(TRADES)


def _coordinates(b: Business) -> tuple[float, float]:
    # Yelp geocodes on its own: a few meters off Google's pin, the same for every request.
    digest = hashlib.blake2s(b.key.encode(), digest_size=4).digest()
    return b.lat + (digest[0] - 128) * 2e-6, b.lng + (digest[1] - 128) * 2e-6


def _sort_key(sort_by: str) -> Any:
    if sort_by == "distance":
        return lambda item: (item[0], item[1].key)
    if sort_by == "rating":
        return lambda item: (-item[1].rating, item[1].key)
    if sort_by == "review_count":
        return lambda item: (-item[1].review_count, item[1].key)
    # Yelp's own relevance, unrelated to Google's ranking.
    return lambda item: (-((item[1].prominence * 7919) % 1), item[1].key)


def _business(b: Business, distance: float) -> dict[str, Any]:
    lat, lng = _coordinates(b)
    aliases = [alias for trade in b.trades for alias in VOCABULARY[trade].yelp_categories]
    street = b.street or ""
    alias = b.yelp_alias or ""
    return {
        "id": b.yelp_id,
        "alias": alias,
        "name": b.yelp_name,
        "image_url": f"https://s3-media1.fl.yelpcdn.com/bphoto/{b.yelp_id}/o.jpg",
        "is_closed": b.closed,
        "url": f"https://www.yelp.com/biz/{alias}?adjust_creative=fake&utm_campaign=yelp_api_v3"
        "&utm_medium=api_v3_business_search&utm_source=fake",
        "review_count": b.review_count,
        "categories": [{"alias": a, "title": _TITLES.get(a, a)} for a in aliases],
        "rating": b.rating,
        "coordinates": {"latitude": round(lat, 6), "longitude": round(lng, 6)},
        "transactions": [],
        "location": {
            "address1": street,
            "address2": b.suite or "",
            "address3": None,
            "city": b.city,
            "zip_code": b.zip,
            "country": "US",
            "state": b.state,
            "display_address": [
                *([street] if street else []),
                f"{b.city}, {b.state} {b.zip}",
            ],
        },
        "phone": b.yelp_phone or "",
        "display_phone": display_phone(b.yelp_phone) or "",
        "distance": round(distance, 1),
        "attributes": {"business_temp_closed": True if b.temporarily_closed else None},
    }
