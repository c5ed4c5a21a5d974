"""Trades read from the listing: its categories first, its name next, the query last."""

from __future__ import annotations

from ravensearch.sources.base import RawListing
from ravensearch.sources.classify import OUTSIDE, classify, judge


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


def _google_secondary(name: str, *types: str) -> RawListing:
    """Types without a `primaryType` (Google leaves it out when it is not a supported type)."""
    return RawListing("google", "g1", name, categories=(*types, "point_of_interest"))


class TestWhoseCategoryDecides:
    def test_an_appliance_repairer_whose_yelp_also_lists_hvac_is_appliance_repair(self) -> None:
        listing = _yelp("Smith Appliance Doctor", "homeappliancerepair", "hvac")
        assert classify(listing, "hvac") == "appliance_repair"

    def test_yelps_first_category_decides_when_the_name_names_no_trade(self) -> None:
        listing = _yelp("Morales Enterprises, LLC", "homeappliancerepair", "hvac")
        assert classify(listing, "hvac") == "appliance_repair"

    def test_an_electrician_whose_yelp_also_lists_hvac_is_an_electrician(self) -> None:
        listing = _yelp("Sun State Electric Co Inc", "electricians", "hvac")
        assert classify(listing, "hvac") == "electrical"
        # Its name naming both trades, it does both: the searched one is kept.
        assert classify(_yelp("Smith Electric & Air", "electricians", "hvac"), "hvac") == "hvac"

    def test_an_hvac_company_whose_yelp_also_lists_appliances_stays_hvac(self) -> None:
        assert classify(_yelp("Cool Breeze Heating & Air", "hvac", "appliances"), "hvac") == "hvac"
        listing = _yelp("Cool Breeze Heating & Air", "homeappliancerepair", "hvac")
        assert classify(listing, "appliance_repair") == "hvac"

    def test_googles_primary_type_outweighs_the_searched_trade(self) -> None:
        listing = _google(
            "Tony Smith Appliance Doctor", "appliance_repair_service", "hvac_contractor"
        )
        assert classify(listing, "hvac") == "appliance_repair"


class TestNotOurs:
    def test_a_store_is_no_trade_even_when_its_name_says_ac(self) -> None:
        assert classify(_google("Martin A/C Supply", "home_improvement_store"), "hvac") == OUTSIDE
        assert classify(_google("Wright Pool & Spa Heaters", "store"), "hvac") == OUTSIDE
        assert classify(_google("Gulf Hardware", "hardware_store"), "hvac") == OUTSIDE
        # A store type that is not the primary one says nothing: contractors sell too.
        listing = _google_secondary("Bay Heating & Air", "home_improvement_store")
        assert classify(listing, "hvac") == "hvac"

    def test_a_supply_house_yelp_files_under_hvac_is_no_trade(self) -> None:
        assert classify(_yelp("Martin A/C Supply", "hvac"), "hvac") == OUTSIDE
        assert classify(_google_secondary("Indian River A/C Supply"), "hvac") == OUTSIDE
        # The query answers only when nothing else speaks.
        assert classify(_google_secondary("Castillo AC Services"), "hvac") == "hvac"

    def test_pool_and_spa_heating_is_not_hvac(self) -> None:
        assert classify(_google_secondary("Wright Pool & Spa Heaters"), "hvac") == OUTSIDE
        assert (
            classify(_yelp("Wright Pool & Spa Heaters", "poolservice", "hvac"), "hvac") == OUTSIDE
        )

    def test_a_car_ac_shop_yelp_files_under_hvac_is_no_trade(self) -> None:
        assert classify(_yelp("Sunshine Auto A/C & Radiator", "hvac"), "hvac") == OUTSIDE

    def test_the_verdict_says_what_decided_it(self) -> None:
        assert judge(_google("Gulf Electric", "electrician"), "hvac").by == "main_category"
        assert judge(_yelp("Gulf Electric", "electricians", "hvac"), "hvac").by == "categories"
        assert judge(_google_secondary("Gulf Electric"), "hvac").by == "name"
        assert judge(_google_secondary("Morales Enterprises, LLC"), "hvac").by == "query"


class TestNames:
    def test_keywords_stuffed_after_a_dash_are_not_the_name(self) -> None:
        listing = _google_secondary("Fischer Appliance Repair - AC Repair Jacksonville")
        assert classify(listing, "hvac") == "appliance_repair"
        assert classify(_google_secondary("Cool Air - Heating & Cooling"), "plumbing") == "hvac"
