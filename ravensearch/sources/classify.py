"""Which trade a listing is, read from the listing itself rather than from the query. Pure.

A text query for "HVAC contractor" also returns electricians, plumbers and the odd car
air-conditioning shop; Yelp's category filter is strict but a business may carry several.
Evidence, strongest first:

1. the provider's own categories (Google `primaryType`/`types`, Yelp category aliases):
   the searched trade when they name it, else the trade they name; a listing whose only
   specific category is outside every trade is `OUTSIDE`;
2. the business name ("… Electric", "… Heating & Air"), when the categories are generic
   (Google has no HVAC, garage-door or pest type);
3. the query itself, when nothing else says anything.
"""

from __future__ import annotations

import re
from typing import Final

from ravensearch.sources.base import RawListing
from ravensearch.sources.trades import VOCABULARY, trades_for_yelp_alias

OUTSIDE: Final = "outside"

# Google Places (New) Table A types that name one of our trades.
GOOGLE_TYPES = {
    "plumber": "plumbing",
    "electrician": "electrical",
    "roofing_contractor": "roofing",
    "general_contractor": "general_contractor",
    "locksmith": "locksmith",
    "hvac_contractor": "hvac",
    "pest_control_service": "pest_control",
    "garage_door_supplier": "garage_door",
    "appliance_repair_service": "appliance_repair",
}
# Types that say nothing about what a business does.
GENERIC_TYPES = frozenset(
    {"point_of_interest", "establishment", "service", "home_improvement_store", "store",
     "business", "contractor", "home_services"}
)  # fmt: skip
# Yelp aliases of the wider home-services family that say nothing about which trade.
GENERIC_YELP = frozenset({"homeservices", "localservices", "contractors_general"})

_NAME_WORDS = {
    "hvac": r"hvac|heating|air condition|cooling|furnace|a/?c repair",
    "plumbing": r"plumb|drain|rooter|sewer",
    "electrical": r"electric",
    "roofing": r"roof",
    "appliance_repair": r"appliance",
    "general_contractor": r"construction|builders|remodel|general contract",
    "locksmith": r"locksmith|lock (?:&|and) key",
    "garage_door": r"garage door|overhead door",
    "pest_control": r"pest|extermin|termite",
}
_NAME_PATTERNS = {
    trade: re.compile(rf"\b(?:{words})", re.IGNORECASE) for trade, words in _NAME_WORDS.items()
}
assert set(_NAME_PATTERNS) == set(VOCABULARY)


def classify(listing: RawListing, searched: str) -> str:
    """The listing's trade, `OUTSIDE` when it is none of ours."""
    said = _from_categories(listing)
    if said is None:
        return _pick(trades_in_name(listing.name), searched) or searched
    if said == [OUTSIDE]:
        return OUTSIDE
    return _pick(said, searched) or searched


def trades_in_name(name: str) -> list[str]:
    return [trade for trade, pattern in _NAME_PATTERNS.items() if pattern.search(name)]


def _from_categories(listing: RawListing) -> list[str] | None:
    """Trades the categories name; [OUTSIDE] when they name only other things; None when
    they are generic or absent."""
    if listing.source == "yelp":
        aliases = [a for a in listing.categories if a not in GENERIC_YELP]
        trades = [t for alias in aliases for t in trades_for_yelp_alias(alias)]
        specific = aliases
    else:
        primary = listing.raw.get("primaryType") if listing.raw else None
        types = [str(primary)] if primary else []
        types += [t for t in listing.categories if t != primary]
        specific = [t for t in types if t not in GENERIC_TYPES]
        trades = [GOOGLE_TYPES[t] for t in specific if t in GOOGLE_TYPES]
    if trades:
        return trades
    return [OUTSIDE] if specific else None


def _pick(trades: list[str], searched: str) -> str | None:
    if searched in trades:
        return searched
    return trades[0] if trades else None
