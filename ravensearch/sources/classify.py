"""Which trade a listing is, read from the listing itself rather than from the query. Pure.

A text query for "HVAC contractor" also returns electricians, plumbers, appliance
repairers, A/C supply houses and the odd car air-conditioning shop; Yelp's category filter
is strict, but a business files itself under several categories. Evidence, strongest first:

1. Google's `primaryType`, the business's own main category: a trade type names its trade,
   any other specific type (a store, a car repair shop) makes it `OUTSIDE`;
2. a name that says it sells rather than services ("… A/C Supply", "Pool & Spa Heaters"):
   `OUTSIDE` whatever secondary categories say (Yelp files supply houses under HVAC);
3. the other categories (Google `types`, Yelp aliases, the main one first): with several
   trades, the name picks among them ("… Appliance Repair" listing `hvac` too is an
   appliance repairer), else the first one listed; a listing whose only specific
   categories are outside every trade is `OUTSIDE`;
4. the business name ("… Electric", "… Heating & Air"), when the categories are generic
   (Google had no HVAC, garage-door or pest type);
5. the searched trade, only when nothing above says anything.

Among trades that the evidence names equally, the searched one is kept: a "Plumbing &
Air" company does both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    {"point_of_interest", "establishment", "service", "business", "contractor",
     "home_services"}
)  # fmt: skip
# Shop types: a contractor may carry one besides its own, so only as the primary type do
# they say the business is a shop.
STORE_TYPES = frozenset(
    {"store", "home_improvement_store", "hardware_store", "home_goods_store",
     "furniture_store", "electronics_store", "wholesaler"}
)  # fmt: skip
# Yelp aliases of the wider home-services family that say nothing about which trade.
GENERIC_YELP = frozenset({"homeservices", "localservices", "contractors_general"})

_NAME_WORDS = {
    "hvac": r"hvac|heating|air condition|cooling|furnace|a/?c repair|(?:&|and) air\b|air (?:&|and)\s",
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
    trade: re.compile(rf"(?<!\w)(?:{words})", re.IGNORECASE) for trade, words in _NAME_WORDS.items()
}
assert set(_NAME_PATTERNS) == set(VOCABULARY)
_TAGLINE = re.compile(r"\s+[-–—|]\s+")
# Businesses that sell the equipment, or service what is not a building's system.
_NOT_OURS = re.compile(
    r"\b(?:suppl(?:y|ies)|wholesale|distribut(?:ors?|ing)|pool|spa|hot tubs?|home warranty"
    r"|auto(?:motive)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    trade: str  # one of ours, or `OUTSIDE`
    by: str  # what said it, one of `kit.trades.TRADE_EVIDENCE`


def classify(listing: RawListing, searched: str) -> str:
    """The listing's trade, `OUTSIDE` when it is none of ours."""
    return judge(listing, searched).trade


def judge(listing: RawListing, searched: str) -> Verdict:
    """The listing's trade and what said it."""
    primary = _google_primary(listing)
    if primary is not None:
        return Verdict(primary, "main_category")
    if _NOT_OURS.search(listing.name):
        return Verdict(OUTSIDE, "name")
    named = trades_in_name(listing.name)
    said = _from_categories(listing)
    if said is None:
        trade = _pick(named, searched)
        return Verdict(trade, "name") if trade else Verdict(searched, "query")
    if said == [OUTSIDE]:
        return Verdict(OUTSIDE, "categories")
    return Verdict(_pick([t for t in said if t in named], searched) or said[0], "categories")


def trades_in_name(name: str) -> list[str]:
    """Trades the name names; those of the name proper when it has any, not of keywords
    stuffed in after a dash or a bar ("Fischer Appliance Repair - AC Repair Jacksonville")."""
    for part in (_TAGLINE.split(name, maxsplit=1)[0], name):
        trades = [trade for trade, pattern in _NAME_PATTERNS.items() if pattern.search(part)]
        if trades:
            return trades
    return []


def _google_primary(listing: RawListing) -> str | None:
    """The trade of Google's primary type, `OUTSIDE` for a shop or any other specific
    type, None when there is none or it is generic."""
    primary = listing.raw.get("primaryType") if listing.source == "google" and listing.raw else None
    if not primary or primary in GENERIC_TYPES:
        return None
    return GOOGLE_TYPES.get(str(primary), OUTSIDE)


def _from_categories(listing: RawListing) -> list[str] | None:
    """Trades the categories name, main one first; [OUTSIDE] when they name only other
    things; None when they are generic or absent."""
    if listing.source == "yelp":
        specific = [a for a in listing.categories if a not in GENERIC_YELP]
        trades = [t for alias in specific for t in trades_for_yelp_alias(alias)]
    else:
        ignored = GENERIC_TYPES | STORE_TYPES
        specific = [t for t in listing.categories if t not in ignored]
        trades = [GOOGLE_TYPES[t] for t in specific if t in GOOGLE_TYPES]
    if trades:
        return list(dict.fromkeys(trades))
    return [OUTSIDE] if specific else None


def _pick(trades: list[str], searched: str) -> str | None:
    if searched in trades:
        return searched
    return trades[0] if trades else None
