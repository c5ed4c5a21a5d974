"""Each trade in each provider's vocabulary.

Google Places has no HVAC type (and `includedType` takes a single type), so every trade
is searched with a `textQuery`. Yelp filters on category aliases, not titles.
"""

from __future__ import annotations

from dataclasses import dataclass

from ravensearch.kit.trades import TRADES, normalize_trade


@dataclass(frozen=True, slots=True)
class TradeVocabulary:
    trade: str
    google_query: str
    # Lower-case phrases that identify the trade in a Google text query (the fake's matcher).
    google_keywords: tuple[str, ...]
    yelp_categories: tuple[str, ...]


VOCABULARY: dict[str, TradeVocabulary] = {
    v.trade: v
    for v in (
        TradeVocabulary(
            "hvac",
            "HVAC contractor",
            ("hvac", "heating", "air conditioning", "furnace", "ac repair"),
            ("hvac",),
        ),
        TradeVocabulary("plumbing", "plumber", ("plumber", "plumbing", "drain"), ("plumbing",)),
        TradeVocabulary(
            "electrical", "electrician", ("electrician", "electrical"), ("electricians",)
        ),
        TradeVocabulary("roofing", "roofing contractor", ("roofing", "roofer"), ("roofing",)),
        TradeVocabulary(
            "appliance_repair", "appliance repair", ("appliance",), ("homeappliancerepair",)
        ),
        TradeVocabulary(
            "general_contractor",
            "general contractor",
            ("general contractor", "remodeling"),
            ("contractors",),
        ),
        TradeVocabulary("locksmith", "locksmith", ("locksmith",), ("locksmiths",)),
        TradeVocabulary(
            "garage_door", "garage door repair", ("garage door",), ("garage_door_services",)
        ),
        TradeVocabulary(
            "pest_control", "pest control", ("pest", "exterminator"), ("pest_control",)
        ),
    )
}
assert set(VOCABULARY) == set(TRADES), "every trade needs a provider vocabulary"

# Other real Yelp aliases near our trades: the Yelp fake accepts them (an unknown alias is
# a 400 there), they just match no business of the synthetic universe.
OTHER_YELP_ALIASES = frozenset(
    {
        "homeservices",
        "localservices",
        "waterheaterinstallrepair",
        "handyman",
        "gutterservices",
        "solarinstallation",
        "generatorinstallrepair",
        "septicservices",
        "painters",
    }
)


def vocabulary(trade: str) -> TradeVocabulary:
    """Raises InvalidInput for an unknown trade."""
    return VOCABULARY[normalize_trade(trade)]


def trade_for_text(text: str) -> str | None:
    """The trade a free-text query asks for, or None (a name or phone lookup)."""
    lowered = text.lower()
    for entry in VOCABULARY.values():
        if any(keyword in lowered for keyword in entry.google_keywords):
            return entry.trade
    return None


def trades_for_yelp_alias(alias: str) -> list[str]:
    return [v.trade for v in VOCABULARY.values() if alias in v.yelp_categories]


def is_known_yelp_alias(alias: str) -> bool:
    return alias in OTHER_YELP_ALIASES or bool(trades_for_yelp_alias(alias))
