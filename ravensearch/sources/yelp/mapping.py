"""Yelp Fusion business-search JSON → `RawListing`. Pure.

Yelp never gives a business's own website (nor an email); `phone` is `+1XXXXXXXXXX` or
`""`; `address2`/`address3` may be `""` or null; a business that hides its address (a
service-area business) has an empty `address1`; `address2` holds a suite ("Suite 200"),
kept apart. `is_closed` means permanently closed; `attributes.business_temp_closed`, when
set, a temporary closure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ravensearch.db.models import BusinessStatus
from ravensearch.sources.base import RawListing


def listings_from_response(payload: Mapping[str, Any]) -> list[RawListing]:
    """Every business of a search answer, closed ones included (flagged `is_closed`)."""
    businesses = payload.get("businesses") or []
    return [business_to_listing(b) for b in businesses if isinstance(b, Mapping)]


def business_to_listing(business: Mapping[str, Any]) -> RawListing:
    location = business.get("location") or {}
    coordinates = business.get("coordinates") or {}
    street = str(location.get("address1") or "").strip()
    suite = " ".join(
        str(part).strip()
        for part in (location.get("address2"), location.get("address3"))
        if part and str(part).strip()
    )
    attributes = business.get("attributes") or {}
    temp_closed = isinstance(attributes, Mapping) and bool(attributes.get("business_temp_closed"))
    categories = tuple(
        str(c["alias"]) for c in business.get("categories") or () if isinstance(c, Mapping)
    )
    return RawListing(
        source="yelp",
        source_id=str(business.get("id") or ""),
        name=str(business.get("name") or "").strip(),
        phone=business.get("phone") or business.get("display_phone") or None,
        website=None,
        address=street or None,
        city=location.get("city") or None,
        state=location.get("state") or None,
        zip=location.get("zip_code") or None,
        lat=_float(coordinates.get("latitude")),
        lng=_float(coordinates.get("longitude")),
        is_closed=bool(business.get("is_closed")),
        business_status=BusinessStatus.closed_temporarily
        if temp_closed
        else BusinessStatus.operational,
        suite=suite or None,
        categories=categories,
        service_area_only=not street,
        raw=business,
    )


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None
