"""One business under two phones or two spellings; franchise locations kept apart."""

from __future__ import annotations

import pytest

from ravensearch.targets.merge import Row
from ravensearch.targets.names import similar_names
from ravensearch.targets.same_place import (
    NearbyNames,
    other_suite,
    places_differ,
    same_place,
    suite_key,
)


def _row(name: str, **values: object) -> Row:
    return {"business_name": name, "city": "Austin", "state": "TX", **values}


class TestNames:
    def test_spellings_of_one_name_agree(self) -> None:
        assert similar_names(
            "Reliable Heating & Air", "RELIABLE HEATING AND AIR CONDITIONING, INC."
        )
        assert similar_names("A-1 Plumbing LLC", "A 1 Plumbing")
        assert similar_names("Joe's Electric Co.", "Joes Electric")

    def test_other_businesses_do_not(self) -> None:
        assert not similar_names("San Antonio Heating & Cooling", "San Antonio Heating & Air")
        assert not similar_names("AA Plumbing", "AAA Plumbing")
        assert not similar_names("Miller Plumbing", "Miller Electric")

    def test_the_dba_and_abbreviations_do_not_hide_a_name(self) -> None:
        assert similar_names("The Romano Comfort Systems", "Romano Comfort Systems, LLC")
        assert similar_names(
            "Integrity Home Pros LLC", "Baker Mechanical, Inc. dba Integrity Home Pros, Inc."
        )
        assert similar_names("Cool Wave Heating & Air", "Cool Wave Htg & Air")
        assert similar_names("Quality Heating & Cooling | 24/7 AC Repair", "Quality Heating")
        # Abbreviations are not spelt out when nothing but the city backs a match.
        assert not similar_names("Tampa A/C & Htg", "Tampa Air Conditioning & Heating", strict=True)

    def test_symbols_and_digits_keep_namesakes_apart(self) -> None:
        assert not similar_names("A+ Heating & Cooling", "A-1 Heating & Cooling")
        assert not similar_names("A-1 Heating & Cooling", "A Heating & Cooling")
        assert similar_names("A+ Heating & Cooling", "A Plus Heating and Cooling")

    def test_an_owners_first_name_only_when_phone_or_address_agrees(self) -> None:
        tom, kowalski = "Tom Kowalski Air Conditioning", "Kowalski Air Conditioning LLC"
        assert not similar_names(tom, kowalski)
        assert similar_names(tom, kowalski, loose=True)
        # What is left must name a business, not a trade.
        assert not similar_names("Arctic Air Conditioning", "Air Conditioning", loose=True)


class TestNearby:
    def test_another_phone_at_the_same_address_is_the_same_business(self) -> None:
        index = NearbyNames()
        google = _row("Reliable Heating & Air", address="1200 Oak St", zip="78701",
                      phone_e164="+15125550100")  # fmt: skip
        index.add(google)
        yelp = _row("Reliable Heating and Air Conditioning", address="1200 Oak St Suite 4",
                    zip="78701", phone_e164="+15125550199")  # fmt: skip
        assert index.same_business(yelp) is google

    def test_a_franchise_location_elsewhere_is_not(self) -> None:
        index = NearbyNames()
        index.add(_row("Ross HVAC", address="1248 Center Blvd", zip="78701"))
        assert (
            index.same_business(_row("Ross HVAC", address="7750 Spring Ave", zip="78701")) is None
        )

    def test_within_150_m_without_addresses(self) -> None:
        index = NearbyNames()
        row = _row("Ace Rooter", latitude=30.2672, longitude=-97.7431)
        index.add(row)
        assert index.same_business(_row("ACE ROOTER", latitude=30.2680, longitude=-97.7431)) is row
        assert index.same_business(_row("Ace Rooter", latitude=30.2800, longitude=-97.7431)) is None

    def test_one_phone_at_two_storefronts_is_two_locations(self) -> None:
        a = _row("Ross HVAC", address="1248 Center Blvd", latitude=30.26, longitude=-97.74)
        b = _row("Ross HVAC", address="7750 Spring Ave", latitude=30.27, longitude=-97.74)
        assert places_differ(a, b)
        assert not places_differ(a, {**a, "address": "1248 Center Boulevard Ste 2"})


class TestPlaces:
    @pytest.mark.parametrize(
        ("google", "yelp"),
        [
            ("6700 E Baymeadows Trl", "6700 East Baymeadows Trail"),
            ("14113 US-441", "14113 U.S. 441 #260"),
            ("18337 SW 155th St", "18337 Southwest 155th Street"),
        ],
    )
    def test_street_spellings_are_one_place(self, google: str, yelp: str) -> None:
        # Coordinates 300 m apart, as Yelp's often are: the street address decides.
        a = _row("Roberts Heating", address=google, latitude=25.8519, longitude=-80.3016)
        b = _row("Roberts Heating", address=yelp, latitude=25.8546, longitude=-80.3016)
        assert same_place(a, b)
        assert not places_differ(a, b)

    def test_two_phones_on_one_provider_need_the_address_not_the_city(self) -> None:
        index = NearbyNames()
        shop = _row("Williams Mechanical Services", address="11432 Beach Rd", zip="32808",
                    city="Orlando", state="FL", phone_e164="+16895550125",
                    source_ids={"google": ["G1"]})  # fmt: skip
        index.add(shop)
        service_area = _row("Williams Mechanical Services", city="Orlando", state="FL",
                            phone_e164="+14075550160", source_ids={"google": ["G2"]})  # fmt: skip
        assert index.same_business(service_area) is None
        # Without a phone of its own, the city still joins it; so does Yelp's other number
        # (often a call-tracking line).
        assert index.same_business({**service_area, "phone_e164": None}) is shop
        assert index.same_business({**service_area, "source_ids": {"yelp": ["Y1"]}}) is shop

    def test_a_hidden_street_is_placed_by_its_zip_not_its_point(self) -> None:
        shop = _row("Davis Cooling", address="15745 Magnolia Ave", zip="34208",
                    latitude=27.4731, longitude=-82.5183)  # fmt: skip
        # Yelp shows a point about 2 km off for a business that hides its street.
        hidden = _row("Davis Cooling", zip="34208", latitude=27.4911, longitude=-82.5183)
        assert same_place(shop, hidden)
        assert not same_place(shop, {**hidden, "zip": "34209"})

    def test_with_another_phone_a_zip_needs_a_near_identical_name(self) -> None:
        index = NearbyNames()
        shop = _row("Collins Air Conditioning Service", address="904 NW 196th Ct", zip="33130",
                    phone_e164="+13055550199", source_ids={"google": ["G1"]})  # fmt: skip
        index.add(shop)
        yelp = _row("The Collins Air LLC", zip="33130", phone_e164="+17865550100",
                    source_ids={"yelp": ["Y1"]})  # fmt: skip
        assert index.same_business(yelp) is None
        assert index.same_business({**yelp, "phone_e164": None}) is shop
        tracked = {**yelp, "business_name": "Collins Air Conditioning Service, LLC"}
        assert index.same_business(tracked) is shop

    def test_near_namesakes_in_one_city_stay_apart(self) -> None:
        index = NearbyNames()
        index.add(_row("A+ Heating & Cooling", city="Miami", state="FL"))
        assert index.same_business(_row("A-1 Heating & Cooling", city="Miami", state="FL")) is None

    def test_an_owners_first_name_at_the_same_address(self) -> None:
        index = NearbyNames()
        google = _row("Tom Wright Air Conditioning & Heating", address="14529 Kennedy Rd",
                      zip="32714", phone_e164="+16895550111")  # fmt: skip
        index.add(google)
        yelp = _row("Wright Air Conditioning & Heating LLC", address="14529 Kennedy Road",
                    zip="32714")  # fmt: skip
        assert index.same_business(yelp) is google


class TestSuites:
    @pytest.mark.parametrize(
        ("text", "key"),
        [("Suite 200", "200"), ("Ste. 200", "200"), ("#200", "200"), ("Unit 4B", "4b"),
         ("", None), (None, None)],
    )  # fmt: skip
    def test_suite_key(self, text: str | None, key: str | None) -> None:
        assert suite_key(text) == key

    def test_two_names_in_two_suites_are_two_businesses(self) -> None:
        a = _row("Broadway Electric", address_suite="Suite 100")
        b = _row("Alamo Heating & Air", address_suite="Ste 300")
        assert other_suite(a, b)

    def test_one_name_or_one_suite_is_not_enough(self) -> None:
        assert not other_suite(
            _row("Alamo Heating & Air", address_suite="Suite 100"),
            _row("Alamo Heating and Air", address_suite="Suite 300"),
        )
        assert not other_suite(
            _row("Broadway Electric", address_suite="Suite 100"),
            _row("Alamo Heating & Air", address_suite="Ste. 100"),
        )
        assert not other_suite(_row("Broadway Electric"), _row("Alamo Heating & Air"))
