"""A collected listing as the columns of a target: normalised, bounded, and stamped with
where it came from. Pure; `targets.listings` decides which target it joins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ravensearch.targets.addresses import normalize_state, normalize_zip
from ravensearch.targets.merge import Row, name_key
from ravensearch.targets.phones import to_e164
from ravensearch.targets.websites import normalize_website, website_domain

ID_COLUMN = {"google": "google_place_id", "yelp": "yelp_id"}
# `source_ids` key recording what a collected target's trade was read from.
TRADE_BY = "trade_by"
_TRACKING = ("utm_", "gclid", "fbclid")


class Listing(Protocol):
    """A business as one provider lists it (`sources.base.RawListing` fits)."""

    @property
    def source(self) -> str: ...
    @property
    def source_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def website(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def zip(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lng(self) -> float | None: ...
    @property
    def suite(self) -> str | None: ...
    @property
    def business_status(self) -> str: ...


def _clean(value: str | None, length: int) -> str | None:
    text = " ".join((value or "").split())
    return text[:length] or None


def normalized(normalize: Callable[[str], str], value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalize(value)
    except ValueError:
        return None


def _without_tracking(url: str | None) -> str | None:
    """Drop `utm_*`, `gclid` and `fbclid` (Google Business Profile links carry them)."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(_TRACKING)]  # fmt: skip
    return urlunsplit(parts._replace(query=urlencode(query)))


def listing_values(
    listing: Listing,
    *,
    trade: str | None,
    default_state: str | None,
    trade_by: str | None = None,
) -> Row:
    """A listing as target columns (normalised; values that do not parse become None)."""
    website = normalized(normalize_website, _without_tracking(listing.website))
    if website is not None and len(website) > 500:
        website = None
    state = normalized(normalize_state, listing.state) or default_state
    zip_code = normalized(normalize_zip, listing.zip)
    city = _clean(listing.city, 120)
    name = _clean(listing.name, 300) or listing.source_id
    values: Row = {
        "business_name": name,
        "trade": trade,
        "phone": _clean(listing.phone, 40),
        "phone_e164": to_e164(listing.phone),
        "website": website,
        "website_domain": website_domain(website),
        "address": _clean(listing.address, 300),
        "address_suite": _clean(listing.suite, 60),
        "city": city,
        "state": state,
        "zip": zip_code,
        "name_key": name_key(name, city=city, state=state, zip_code=zip_code),
        "latitude": listing.lat,
        "longitude": listing.lng,
        "google_place_id": None,
        "yelp_id": None,
        "source_ids": {listing.source: [listing.source_id]},
        "business_status": str(listing.business_status),
    }
    values[ID_COLUMN[listing.source]] = listing.source_id[:200]
    if trade and trade_by:
        values["source_ids"][TRADE_BY] = trade_by
    return values
