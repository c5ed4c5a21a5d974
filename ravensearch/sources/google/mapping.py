"""Places API (New) JSON → `RawListing`. Pure.

Absent data is simply omitted in proto3 JSON, never null, and an empty answer is `{}`.
Pure service-area businesses come without `location` and usually with a city-level
`formattedAddress` ("Austin, TX, USA").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ravensearch.db.models import BusinessStatus
from ravensearch.sources.base import RawListing

CLOSED_PERMANENTLY = "CLOSED_PERMANENTLY"
# Absent ("no data"), BUSINESS_STATUS_UNSPECIFIED and OPERATIONAL all read as operational.
_STATUS = {
    "CLOSED_TEMPORARILY": BusinessStatus.closed_temporarily,
    "FUTURE_OPENING": BusinessStatus.future_opening,
}
_STATE_ZIP = re.compile(r"^([A-Z]{2})(?:\s+(\d{5})(?:-\d{4})?)?$")


def listings_from_response(payload: Mapping[str, Any]) -> list[RawListing]:
    """Every place of a searchText answer, closed ones included (flagged `is_closed`)."""
    places = payload.get("places") or []
    return [place_to_listing(place) for place in places if isinstance(place, Mapping)]


def open_listings(payload: Mapping[str, Any]) -> list[RawListing]:
    """The answer's places minus the permanently closed ones."""
    return [listing for listing in listings_from_response(payload) if not listing.is_closed]


def place_to_listing(place: Mapping[str, Any]) -> RawListing:
    components = _components(place.get("addressComponents") or [])
    street = " ".join(
        part for part in (components.get("street_number"), components.get("route")) if part
    )
    city = components.get("locality") or components.get("postal_town")
    state = components.get("administrative_area_level_1")
    zip_code = components.get("postal_code")
    if not components:
        street, city, state, zip_code = _parse_formatted(place.get("formattedAddress") or "")
        street = _without_suite(street)
    location = place.get("location") or {}
    display = place.get("displayName") or {}
    return RawListing(
        source="google",
        source_id=str(place.get("id") or str(place.get("name", "")).removeprefix("places/")),
        name=str(display.get("text") or "").strip(),
        phone=place.get("nationalPhoneNumber") or place.get("internationalPhoneNumber"),
        website=place.get("websiteUri") or None,
        address=street or None,
        city=city or None,
        state=state or None,
        zip=zip_code or None,
        lat=_float(location.get("latitude")),
        lng=_float(location.get("longitude")),
        is_closed=place.get("businessStatus") == CLOSED_PERMANENTLY,
        business_status=_STATUS.get(str(place.get("businessStatus")), BusinessStatus.operational),
        suite=components.get("subpremise"),
        categories=tuple(place.get("types") or ()),
        service_area_only=bool(place.get("pureServiceAreaBusiness")),
        raw=place,
    )


def _components(items: Sequence[Any]) -> dict[str, str]:
    """First component per type; US states by their short code ("TX"), the rest long text."""
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        for kind in item.get("types") or ():
            if kind in found:
                continue
            short = kind == "administrative_area_level_1"
            text = item.get("shortText" if short else "longText") or item.get("longText")
            if text:
                found[kind] = str(text)
    return found


def _parse_formatted(text: str) -> tuple[str, str | None, str | None, str | None]:
    """ "1200 Oak St, Austin, TX 78701, USA" → street, city, state, zip (best effort)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if parts and parts[-1] in ("USA", "United States"):
        parts.pop()
    if not parts:
        return "", None, None, None
    match = _STATE_ZIP.match(parts[-1])
    if match is None:
        return "", None, None, None
    state, zip_code = match.groups()
    city = parts[-2] if len(parts) >= 2 else None
    street = ", ".join(parts[:-2])
    return street, city, state, zip_code


_SUITE = re.compile(r"\s+(?:suite|ste\.?|unit|#)\s*[\w-]+$", re.IGNORECASE)


def _without_suite(street: str) -> str:
    """ "1200 Oak St Suite 4" → "1200 Oak St": the suite never joins the street address
    (only a formatted address without components can carry one)."""
    return _SUITE.sub("", street)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None
