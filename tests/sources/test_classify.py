"""Trades read from the listing: its categories first, its name next, the query last."""

from __future__ import annotations

from ravensearch.sources.base import RawListing
from ravensearch.sources.classify import OUTSIDE, classify


def _google(name: str, *types: str) -> RawListing:
    raw = {"primaryType": types[0]} if types else {}
    return RawListing("google", "g1", name, categories=(*types, "point_of_interest"), raw=raw)


def _yelp(name: str, *aliases: str) -> RawListing:
    return RawListing("yelp", "y1", name, categories=aliases)


class TestClassify:
    def test_an_electrician_returned_for_hvac_is_an_electrician(self) -> None:
        assert classify(_google("Miller & Sons Electric", "electrician"), "hvac") == "electrical"
        assert classify(_yelp("Miller & Sons Electric", "electricians"), "hvac") == "electrical"

    def test_the_searched_trade_wins_among_several(self) -> None:
        assert classify(_yelp("Ace Plumbing & Air", "plumbing", "hvac"), "hvac") == "hvac"

    def test_generic_types_fall_back_to_the_name_then_the_query(self) -> None:
        assert classify(_google("Reliable Appliance Repair"), "hvac") == "appliance_repair"
        assert classify(_google("Comfort Systems of Texas"), "hvac") == "hvac"

    def test_a_business_of_no_trade_of_ours_is_outside(self) -> None:
        assert classify(_google("Auto A/C Repair", "car_repair"), "hvac") == OUTSIDE
        assert classify(_yelp("Bob's Painting", "painters"), "general_contractor") == OUTSIDE
