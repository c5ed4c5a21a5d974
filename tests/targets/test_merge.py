from __future__ import annotations

import uuid
from typing import Any

from ravensearch.targets.merge import Row, TargetMatcher, business_key, fill_empty


def _row(**values: Any) -> Row:
    base: Row = {
        "id": uuid.uuid4(),
        "business_name": "Acme Plumbing",
        "email": None,
        "phone": None,
        "phone_e164": None,
        "website": None,
        "website_domain": None,
        "city": None,
        "status": "pending",
        "status_reason": "no email yet",
    }
    return base | values


class TestBusinessKey:
    def test_ignores_case_punctuation_and_legal_suffix(self) -> None:
        assert business_key("Joe's Plumbing, LLC") == business_key("joes  plumbing")
        assert business_key("A&B Electric Inc.") == "a and b electric"

    def test_keeps_distinct_names_apart(self) -> None:
        assert business_key("Acme Plumbing") != business_key("Acme Roofing")


class TestFillEmpty:
    def test_fills_gaps_never_overwrites_or_blanks(self) -> None:
        current = _row(city="Austin", phone="512-555-0100", phone_e164="+15125550100")
        incoming = _row(
            city="Dallas",
            phone=None,
            phone_e164=None,
            website="https://acme.com",
            website_domain="acme.com",
        )
        filled = fill_empty(current, incoming)
        assert filled == {"website", "website_domain"}
        assert current["city"] == "Austin"
        assert current["phone_e164"] == "+15125550100"
        assert current["website_domain"] == "acme.com"

    def test_gaining_an_email_completes_the_target(self) -> None:
        current = _row()
        assert "status" in fill_empty(current, _row(email="pat@acme.com"))
        assert (current["status"], current["status_reason"]) == ("completed", None)


class TestTargetMatcher:
    def test_email_first_case_insensitive(self) -> None:
        matcher = TargetMatcher()
        stored = _row(email="Pat@Acme.com")
        matcher.add(stored)
        assert matcher.find(_row(business_name="Other", email="pat@acme.com")) is stored

    def test_phone_then_domain_with_same_name(self) -> None:
        matcher = TargetMatcher()
        by_phone = _row(phone_e164="+15125550100")
        by_site = _row(business_name="Acme Plumbing LLC", website_domain="acme.com")
        matcher.add(by_phone)
        matcher.add(by_site)
        assert matcher.find(_row(phone_e164="+15125550100")) is by_phone
        assert (
            matcher.find(_row(business_name="ACME plumbing", website_domain="acme.com")) is by_site
        )
        assert matcher.find(_row(business_name="Acme Roofing", website_domain="acme.com")) is None

    def test_a_different_email_is_another_contact(self) -> None:
        matcher = TargetMatcher()
        matcher.add(_row(email="pat@acme.com", phone_e164="+15125550100"))
        assert matcher.find(_row(email="sam@acme.com", phone_e164="+15125550100")) is None
        assert matcher.find(_row(phone_e164="+15125550100")) is not None

    def test_keyless_row_matches_on_name_and_place(self) -> None:
        matcher = TargetMatcher()
        stored = _row(business_name="Best Plumbing, Inc.", city="San  Diego", state="CA")
        matcher.add(stored)
        assert (
            matcher.find(_row(business_name="best plumbing", city="san diego", state="CA"))
            is stored
        )
        assert matcher.find(_row(business_name="Best Plumbing", city="Fresno", state="CA")) is None
        # A row with a key of its own never falls back to the name.
        keyed = _row(
            business_name="Best Plumbing, Inc.",
            city="San Diego",
            state="CA",
            phone_e164="+15125550100",
        )
        assert matcher.find(keyed) is None
