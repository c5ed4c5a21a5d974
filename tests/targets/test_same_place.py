"""One business under two phones or two spellings; franchise locations kept apart."""

from __future__ import annotations

import pytest

from ravensearch.targets.merge import Row
from ravensearch.targets.same_place import (
    NearbyNames,
    other_suite,
    places_differ,
    similar_names,
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
