"""Provider JSON → RawListing, on saved answers (no HTTP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ravensearch.db.models import BusinessStatus
from ravensearch.sources.google import mapping as google
from ravensearch.sources.yelp import mapping as yelp

DATA = Path(__file__).parent / "data"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text())
    return loaded


class TestGoogle:
    def test_a_storefront_place(self) -> None:
        first = google.listings_from_response(_load("google_search.json"))[0]
        assert (first.source, first.source_id, first.name) == (
            "google", "ChIJtest0000000000000001", "Alamo Heating & Air, LLC",
        )  # fmt: skip
        assert (first.address, first.city, first.state, first.zip) == (
            "4410 Broadway Street", "San Antonio", "TX", "78209",
        )  # fmt: skip
        assert (first.phone, first.website) == (
            "(210) 555-0147",
            "https://www.alamoheatingair.example/",
        )
        assert (first.lat, first.lng, first.is_closed, first.service_area_only) == (
            29.4891, -98.4676, False, False,
        )  # fmt: skip

    def test_a_pure_service_area_business(self) -> None:
        sab = google.listings_from_response(_load("google_search.json"))[1]
        assert sab.service_area_only
        assert sab.lat is None
        assert sab.lng is None
        assert (sab.city, sab.state, sab.zip, sab.address) == ("San Antonio", "TX", None, None)
        assert sab.phone == "+1 210-555-0199"  # only the international form was sent
        assert sab.website is None

    def test_closed_places_are_flagged_and_dropped_by_open_listings(self) -> None:
        payload = _load("google_search.json")
        closed = google.listings_from_response(payload)[2]
        assert closed.is_closed
        # No addressComponents: the formatted address is parsed instead.
        assert (closed.address, closed.city, closed.state, closed.zip) == (
            "12 Market St", "Boerne", "TX", "78006",
        )  # fmt: skip
        assert [x.source_id[-1] for x in google.open_listings(payload)] == ["1", "2"]

    def test_an_empty_answer_is_an_empty_object(self) -> None:
        assert google.listings_from_response({}) == []


class TestYelp:
    def test_a_business(self) -> None:
        first = yelp.listings_from_response(_load("yelp_search.json"))[0]
        assert (first.source, first.source_id, first.name) == (
            "yelp", "yelpTest000000000000001", "Alamo Heating and Air",
        )  # fmt: skip
        assert (first.address, first.city, first.state, first.zip) == (
            "4410 Broadway", "San Antonio", "TX", "78209",
        )  # fmt: skip
        assert (first.phone, first.website, first.categories) == ("+12105550147", None, ("hvac",))
        assert (first.lat, first.lng, first.service_area_only) == (29.48912, -98.46759, False)

    def test_empty_strings_and_nulls_become_none(self) -> None:
        hidden = yelp.listings_from_response(_load("yelp_search.json"))[1]
        assert (hidden.phone, hidden.address, hidden.zip) == (None, None, None)
        assert hidden.service_area_only

    def test_closed_is_flagged(self) -> None:
        listings = yelp.listings_from_response(_load("yelp_search.json"))
        assert [x.is_closed for x in listings] == [False, False, True]


def _place(**fields: Any) -> dict[str, Any]:
    place: dict[str, Any] = {"id": "ChIJx", "displayName": {"text": "Oak Air"}}
    place.update(fields)
    return place


def _component(text: str, kind: str) -> dict[str, Any]:
    return {"longText": text, "shortText": text, "types": [kind]}


class TestBusinessStatus:
    @pytest.mark.parametrize(
        ("status", "expected", "closed"),
        [
            ("OPERATIONAL", BusinessStatus.operational, False),
            ("CLOSED_TEMPORARILY", BusinessStatus.closed_temporarily, False),
            ("FUTURE_OPENING", BusinessStatus.future_opening, False),
            ("CLOSED_PERMANENTLY", BusinessStatus.operational, True),
            ("BUSINESS_STATUS_UNSPECIFIED", BusinessStatus.operational, False),
            (None, BusinessStatus.operational, False),
        ],
    )
    def test_google(self, status: str | None, expected: BusinessStatus, closed: bool) -> None:
        place = _place(businessStatus=status) if status else _place()
        listing = google.place_to_listing(place)
        assert (listing.business_status, listing.is_closed) == (expected, closed)

    @pytest.mark.parametrize(
        ("attributes", "expected"),
        [
            ({"business_temp_closed": True}, BusinessStatus.closed_temporarily),
            ({"business_temp_closed": None}, BusinessStatus.operational),
            (None, BusinessStatus.operational),
        ],
    )
    def test_yelp_temporary_closure(
        self, attributes: dict[str, Any] | None, expected: BusinessStatus
    ) -> None:
        business = {"id": "y1", "name": "Oak Air", "is_closed": False, "attributes": attributes}
        assert yelp.business_to_listing(business).business_status == expected


class TestSuite:
    def test_google_subpremise_is_not_glued_to_the_street(self) -> None:
        place = _place(
            addressComponents=[
                _component("Ste 200", "subpremise"),
                _component("1200", "street_number"),
                _component("Oak St", "route"),
                _component("Austin", "locality"),
                _component("TX", "administrative_area_level_1"),
                _component("78701", "postal_code"),
            ]
        )
        listing = google.place_to_listing(place)
        assert (listing.address, listing.suite) == ("1200 Oak St", "Ste 200")

    def test_google_formatted_address_loses_its_suite(self) -> None:
        place = _place(formattedAddress="1200 Oak St Suite 4, Austin, TX 78701, USA")
        listing = google.place_to_listing(place)
        assert (listing.address, listing.city, listing.zip) == ("1200 Oak St", "Austin", "78701")

    def test_yelp_address2(self) -> None:
        location = {"address1": "1200 Oak St", "address2": "Suite 200", "address3": None}
        business = {"id": "y1", "name": "Oak Air", "location": location}
        listing = yelp.business_to_listing(business)
        assert (listing.address, listing.suite) == ("1200 Oak St", "Suite 200")
        assert not listing.service_area_only

    def test_yelp_without_suite(self) -> None:
        location = {"address1": "1200 Oak St", "address2": "", "address3": None}
        listing = yelp.business_to_listing({"id": "y1", "name": "Oak Air", "location": location})
        assert listing.suite is None
