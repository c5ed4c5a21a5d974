"""Every trade has a word in each provider's vocabulary, and the fakes understand them."""

from __future__ import annotations

import pytest

from ravensearch.errors import InvalidInput
from ravensearch.kit.trades import TRADES
from ravensearch.sources.trades import (
    is_known_yelp_alias,
    trade_for_text,
    trades_for_yelp_alias,
    vocabulary,
)


@pytest.mark.parametrize("trade", TRADES)
def test_each_trade_round_trips(trade: str) -> None:
    words = vocabulary(trade)
    assert trade_for_text(words.google_query) == trade
    assert all(trade in trades_for_yelp_alias(alias) for alias in words.yelp_categories)


def test_the_required_yelp_aliases() -> None:
    aliases = {alias for trade in TRADES for alias in vocabulary(trade).yelp_categories}
    assert aliases >= {
        "hvac", "plumbing", "electricians", "roofing", "homeappliancerepair", "locksmiths",
        "garage_door_services", "pest_control", "contractors",
    }  # fmt: skip
    assert is_known_yelp_alias("waterheaterinstallrepair")
    assert not is_known_yelp_alias("bakeries")


def test_spellings_and_unknown_trades() -> None:
    assert vocabulary("Plumber").trade == "plumbing"
    assert trade_for_text("Joe's Bakery") is None
    with pytest.raises(InvalidInput):
        vocabulary("baking")
