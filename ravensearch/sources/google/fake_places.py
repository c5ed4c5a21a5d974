"""How the Google fake renders a universe business as a Place (New) resource."""

from __future__ import annotations

from typing import Any

from ravensearch.sources.universe import Business
from ravensearch.targets.addresses import US_STATES

# Google has no HVAC, garage-door or pest type: such places carry generic types only.
_PRIMARY_TYPE = {
    "plumbing": "plumber", "electrical": "electrician", "roofing": "roofing_contractor",
    "general_contractor": "general_contractor", "locksmith": "locksmith",
}  # fmt: skip


def place_json(b: Business) -> dict[str, Any]:
    """The full Place JSON of a business; absent data is omitted, never null."""
    state_name = US_STATES[b.state]
    components: list[dict[str, Any]] = []
    sab = b.service_area_only
    if b.street and not sab:
        number, _, route = b.street.partition(" ")
        if b.suite:
            components.append(_component(b.suite, b.suite, "subpremise"))
        components += [
            _component(number, number, "street_number"),
            _component(route, route, "route"),
        ]
    components += [
        _component(b.city, b.city, "locality", "political"),
        _component(state_name, b.state, "administrative_area_level_1", "political"),
        _component("United States", "US", "country", "political"),
    ]
    if not sab:
        components.append(_component(b.zip, b.zip, "postal_code"))
    if sab:
        formatted = f"{b.city}, {b.state}, USA"
    elif b.street:
        street = f"{b.street} {b.suite}" if b.suite else b.street
        formatted = f"{street}, {b.city}, {b.state} {b.zip}, USA"
    else:
        formatted = f"{b.city}, {b.state} {b.zip}, USA"
    specific = [_PRIMARY_TYPE[t] for t in b.trades if t in _PRIMARY_TYPE]
    if b.foreign_type:
        specific = [b.foreign_type]
    primary = specific[0] if specific and (b.foreign_type or b.trades[0] in _PRIMARY_TYPE) else None
    place: dict[str, Any] = {
        "name": f"places/{b.google_id}",
        "id": b.google_id,
        "displayName": {"text": b.google_name, "languageCode": "en"},
        "formattedAddress": formatted,
        "addressComponents": components,
        "types": [*specific, "point_of_interest", "establishment"],
        "googleMapsUri": f"https://maps.google.com/?cid={int(b.key[3:].lstrip('X') or 0) + 10**15}",
        "rating": b.rating,
        "userRatingCount": b.review_count,
        "businessStatus": business_status(b) if b.google_status is None else b.google_status,
        "utcOffsetMinutes": -360,
    }
    if b.google_state_hidden:
        # Google shows no address at all for some listings: nothing says which state.
        del place["formattedAddress"], place["addressComponents"]
    if not place["businessStatus"]:
        del place["businessStatus"]
    if primary:
        place["primaryType"] = primary
    if not sab:
        place["location"] = {"latitude": b.lat, "longitude": b.lng}
    else:
        place["pureServiceAreaBusiness"] = True
    if b.phone_e164:
        digits = b.phone_e164[2:]
        place["nationalPhoneNumber"] = b.display_phone
        place["internationalPhoneNumber"] = f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if b.google_website:
        place["websiteUri"] = b.google_website
    return place


def business_status(b: Business) -> str:
    if b.closed:
        return "CLOSED_PERMANENTLY"
    if b.temporarily_closed:
        return "CLOSED_TEMPORARILY"
    return "FUTURE_OPENING" if b.future_opening else "OPERATIONAL"


def _component(long: str, short: str, *types: str) -> dict[str, Any]:
    return {"longText": long, "shortText": short, "types": list(types), "languageCode": "en"}
