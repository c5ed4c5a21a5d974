"""A fake Places API (New) Text Search over the synthetic universe, as a FastAPI app.

Faithful where our client could go wrong: the required `X-Goog-FieldMask` (400 without
it, unknown paths rejected, answers projected to it), `nextPageToken` only when the mask
names it, page tokens bound to the original body (400 INVALID_ARGUMENT otherwise), the
60-place cap, `locationRestriction` rectangles, pure service-area businesses only with
`includePureServiceAreaBusinesses` and then without `location`, Google's error envelope,
a page token refused as "not yet valid" for `token_delay` seconds after it was issued,
and 429 RESOURCE_EXHAUSTED (or 5xx) injected through `/_fake/faults`.

Queries: a phone number in international format ("+1 512-555-0100", "+15125550100") looks
a business up, as Google documents phone input (a national "(512) 555-0100" is only text
and matches nothing); "Name, City, ST" looks a business up by name; a query naming a trade
(`sources.trades`) lists that trade inside the rectangle.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ravensearch.sources.fake_controls import create_provider_fake
from ravensearch.sources.fake_faults import Fault, FaultQueue
from ravensearch.sources.geo import Tile
from ravensearch.sources.google.fake_places import place_json
from ravensearch.sources.trades import trade_for_text
from ravensearch.sources.universe import Business, Universe
from ravensearch.targets.addresses import US_STATES
from ravensearch.targets.merge import business_key

FIELD_MASK_REQUIRED = (
    "FieldMask is a required parameter. See https://cloud.google.com/apis/docs/system-parameters"
    " on how to provide it. As an example, you can set the header 'X-Goog-FieldMask' to value"
    " 'places.displayName', 'places.id' to ask for the display name and the place ID of a"
    " place. You can also set the value to '*' in manual testing to get all the available"
    " response fields."
)
BODY_FIELDS = frozenset(
    {
        "textQuery", "pageSize", "maxResultCount", "pageToken", "includedType",
        "strictTypeFiltering", "includePureServiceAreaBusinesses", "locationBias",
        "locationRestriction", "regionCode", "languageCode", "rankPreference", "openNow",
        "minRating", "priceLevels", "evOptions", "routingParameters",
        "searchAlongRouteParameters",
    }
)  # fmt: skip
PLACE_FIELDS = frozenset(
    {
        "name", "id", "displayName", "formattedAddress", "shortFormattedAddress",
        "addressComponents", "location", "viewport", "plusCode", "types", "primaryType",
        "primaryTypeDisplayName", "nationalPhoneNumber", "internationalPhoneNumber",
        "websiteUri", "googleMapsUri", "rating", "userRatingCount", "businessStatus",
        "pureServiceAreaBusiness", "regularOpeningHours", "currentOpeningHours",
        "utcOffsetMinutes", "attributions", "postalAddress",
    }
)  # fmt: skip
TOP_FIELDS = frozenset({"places", "nextPageToken", "searchUri", "routingSummaries"})
MAX_TOKENS = 10_000
# Fields that may differ between the first call and the page-token calls.
_PAGING_FIELDS = ("pageToken", "pageSize", "maxResultCount")
_PHONE_QUERY = re.compile(r"^\+1[\s.()-]*(?:\d[\s().-]*){10}$")
_NAME_QUERY = re.compile(r"^(?P<name>.+?),\s*(?P<city>[^,]+),\s*(?P<state>[A-Z]{2})$")


TOKEN_NOT_YET_VALID = "The page_token is not yet valid."


@dataclass
class _Token:
    body_key: str
    results: list[Business]
    offset: int
    issued: float = field(default_factory=time.monotonic)


@dataclass
class FakeGoogleState:
    """What the fake knows; tests read `calls` and inject faults."""

    universe: Universe
    api_keys: set[str] | None = None  # None accepts any non-empty key
    result_cap: int = 60
    # Seconds before a fresh page token may be used (Google's own is ~0.1-2 s); 0: at once.
    token_delay: float = 0.0
    calls: int = 0
    tokens: dict[str, _Token] = field(default_factory=dict)
    faults: FaultQueue = field(default_factory=FaultQueue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(
        self, status_code: int = 429, *, count: int = 1, retry_after: float | None = None
    ) -> None:
        """The next `count` searchText requests answer `status_code` (429 or 5xx)."""
        self.faults.inject(status_code, count=count, retry_after=retry_after)

    def reset(self) -> None:
        with self.lock:
            self.calls = 0
            self.tokens.clear()
            self.faults.clear()

    def snapshot(self) -> dict[str, Any]:
        return {"calls": self.calls, "tokens": len(self.tokens), "faults": len(self.faults)}


class GoogleFakeError(Exception):
    def __init__(self, code: int, status: str, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.code, self.status, self.message, self.reason = code, status, message, reason


def error_response(
    code: int,
    status: str,
    message: str,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": "places.googleapis.com"},
            }
        ]
    return JSONResponse({"error": error}, status_code=code, headers=headers)


def _invalid(message: str) -> GoogleFakeError:
    return GoogleFakeError(400, "INVALID_ARGUMENT", message)


def create_google_fake(state: FakeGoogleState) -> FastAPI:
    """The fake at `/v1/places:searchText`, control routes under `/_fake/`."""

    async def search_text(request: Request) -> JSONResponse:
        fault = state.faults.take()
        if fault is not None:
            return _fault_response(fault)
        try:
            return JSONResponse(_search(state, request.headers, await request.body()))
        except GoogleFakeError as exc:
            return error_response(exc.code, exc.status, exc.message, exc.reason)

    return create_provider_fake(
        "Fake Google Places API (New)",
        state,
        method="POST",
        path="/v1/places:searchText",
        answer=search_text,
    )


def _fault_response(fault: Fault) -> JSONResponse:
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    if fault.status_code == 429:
        message = "Quota exceeded for quota metric 'SearchTextRequest' and limit 'per minute'."
        return error_response(429, "RESOURCE_EXHAUSTED", message, headers=headers)
    status = "UNAVAILABLE" if fault.status_code == 503 else "INTERNAL"
    return error_response(fault.status_code, status, "The service is currently unavailable.")


def _search(state: FakeGoogleState, headers: Any, raw: bytes) -> dict[str, Any]:
    key = headers.get("x-goog-api-key")
    if not key:
        raise GoogleFakeError(
            403,
            "PERMISSION_DENIED",
            "The request is missing a valid API key.",
        )
    if state.api_keys is not None and key not in state.api_keys:
        raise GoogleFakeError(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            reason="API_KEY_INVALID",
        )
    mask = _parse_mask(headers.get("x-goog-fieldmask") or "")
    body = _parse_body(raw)
    page_size = _page_size(body)
    body_key = _body_key(body)
    token_value = body.get("pageToken")
    if token_value:
        with state.lock:
            # Tokens are reusable until evicted, like Google's own opaque, stateless ones.
            token = state.tokens.get(str(token_value))
        if token is None:
            raise _invalid("The provided page token is invalid or has expired.")
        if time.monotonic() - token.issued < state.token_delay:
            raise _invalid(TOKEN_NOT_YET_VALID)
        if token.body_key != body_key:
            raise _invalid(
                "All parameters other than page_token, page_size and max_result_count must"
                " match the initial request that returned the page token."
            )
        results, offset = token.results, token.offset
    else:
        results, offset = _matches(state, body), 0
    page = results[offset : offset + page_size]
    answer: dict[str, Any] = {}
    if page and any(path == "*" or path.split(".")[0] == "places" for path in mask):
        answer["places"] = [_project(place_json(b), mask) for b in page]
    next_offset = offset + len(page)
    if next_offset < len(results) and ("nextPageToken" in mask or "*" in mask):
        token_value = secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[token_value] = _Token(body_key, results, next_offset)
            while len(state.tokens) > MAX_TOKENS:
                del state.tokens[next(iter(state.tokens))]
        answer["nextPageToken"] = token_value
    return answer


def _parse_mask(raw: str) -> set[str]:
    """Mask paths as a set: "*", top-level names, and "places.<field>" entries."""
    if not raw.strip():
        raise _invalid(FIELD_MASK_REQUIRED)
    paths = {path.strip() for path in raw.split(",")}
    for path in paths:
        top, _, rest = path.partition(".")
        if path == "*" or (top in TOP_FIELDS and not rest):
            continue
        if top == "places" and rest.split(".")[0] in PLACE_FIELDS:
            continue
        raise _invalid(f"Invalid field mask path: '{path}'.")
    return paths


def _parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise _invalid("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise _invalid("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in BODY_FIELDS:
            raise _invalid(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
            )
    if not isinstance(body.get("textQuery"), str) or not body["textQuery"].strip():
        raise _invalid("text_query must be set.")
    if "locationBias" in body and "locationRestriction" in body:
        raise _invalid("location_bias and location_restriction cannot both be set.")
    restriction = body.get("locationRestriction")
    if restriction is not None:
        if not isinstance(restriction, dict) or set(restriction) != {"rectangle"}:
            raise _invalid("location_restriction must be a rectangle.")
        _rectangle(restriction["rectangle"])
    return body


def _page_size(body: dict[str, Any]) -> int:
    value = body.get("pageSize", body.get("maxResultCount"))
    if value is None:
        return 20
    if not isinstance(value, int) or value < 0:
        raise _invalid("page_size must be a non-negative integer.")
    # Current discovery text: above 20 is set to 20 (not an error); 0 means the default.
    return min(value, 20) or 20


def _body_key(body: dict[str, Any]) -> str:
    fixed = {k: v for k, v in body.items() if k not in _PAGING_FIELDS}
    return hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()


def _rectangle(value: Any) -> Tile:
    try:
        low, high = value["low"], value["high"]
        tile = Tile(
            float(low["latitude"]),
            float(low["longitude"]),
            float(high["latitude"]),
            float(high["longitude"]),
        )
    except (KeyError, TypeError, ValueError):
        raise _invalid("rectangle needs low and high, each with latitude and longitude.") from None
    if tile.south > tile.north:
        raise _invalid("rectangle low.latitude must not exceed high.latitude.")
    if not -90 <= tile.south <= 90 or not -90 <= tile.north <= 90:
        raise _invalid("rectangle latitude must be within [-90, 90].")
    if tile.east - tile.west > 180:
        raise _invalid("rectangle must not be wider than 180 degrees.")
    return tile


def _matches(state: FakeGoogleState, body: dict[str, Any]) -> list[Business]:
    query = body["textQuery"].strip()
    restriction = body.get("locationRestriction")
    area = _rectangle(restriction["rectangle"]) if restriction else None
    universe = state.universe
    found: list[Business]
    if _PHONE_QUERY.match(query):
        business = universe.by_phone("+1" + re.sub(r"\D", "", query)[-10:])
        found = [business] if business is not None else []
    elif re.fullmatch(r"[\d\s().+-]+", query):
        found = []  # a number not in international format: Google's phone input wants it
    elif (named := _NAME_QUERY.match(query)) and named["state"] in US_STATES:
        wanted, city = business_key(named["name"]), named["city"].strip().lower()
        found = [
            b
            for b in universe.businesses(named["state"])
            if b.city.lower() == city and business_key(b.google_name) == wanted
        ]
    elif (trade := trade_for_text(query)) and area is not None:
        # A text query also ranks some neighbouring trades' businesses, as Google's does.
        found = list(universe.in_area(area, trade, loose=True))
    else:
        # A trade query without a rectangle would rank the whole country: out of scope.
        found = []
    include_sab = bool(body.get("includePureServiceAreaBusinesses"))
    found = [
        b
        for b in found
        if b.on_google
        and (include_sab or not b.service_area_only)
        and (
            area is None or (area.south <= b.lat <= area.north and area.west <= b.lng <= area.east)
        )
    ]
    found.sort(key=lambda b: (-b.prominence, b.key))
    return found[: state.result_cap]


def _project(place: dict[str, Any], mask: set[str]) -> dict[str, Any]:
    if "*" in mask or "places" in mask:
        return place
    wanted = {path.split(".")[1] for path in mask if path.startswith("places.")}
    return {name: value for name, value in place.items() if name in wanted}
