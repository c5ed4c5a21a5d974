"""Merging listings into targets, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import BusinessStatus, Target, TargetStatus
from ravensearch.sources.base import RawListing
from ravensearch.targets.listings import listing_service
from ravensearch.targets.merge import identity_domain, name_key
from ravensearch.targets.service import target_service


def google(source_id: str = "G1", **kw: Any) -> RawListing:
    values: dict[str, Any] = {
        "name": "Alamo Heating & Air, LLC",
        "phone": "(210) 555-0147",
        "website": "https://www.alamoheatingair.example/",
        "address": "4410 Broadway St",
        "city": "San Antonio",
        "state": "TX",
        "zip": "78209",
        "lat": 29.4891,
        "lng": -98.4676,
    }
    values.update(kw)
    return RawListing(source="google", source_id=source_id, **values)


def yelp(source_id: str = "Y1", **kw: Any) -> RawListing:
    values: dict[str, Any] = {
        "name": "Alamo Heating and Air",
        "phone": "+12105550147",
        "address": "4410 Broadway",
        "city": "San Antonio",
        "state": "TX",
        "zip": "78209",
    }
    values.update(kw)
    return RawListing(source="yelp", source_id=source_id, **values)


async def upsert(session: AsyncSession, *listings: RawListing) -> Any:
    return await listing_service.upsert(
        session, listings=listings, trade="hvac", default_state="TX"
    )


async def targets(session: AsyncSession) -> list[Target]:
    session.expire_all()
    return list((await session.scalars(select(Target).order_by(Target.created_at))).all())


class TestOneTargetPerBusiness:
    async def test_google_yelp_and_csv_become_one_target(self, session: AsyncSession) -> None:
        csv = (
            b"business_name,phone,website\nAlamo Heating & Air,210.555.0147,alamoheatingair.example"
        )
        await target_service.import_csv(session, content=csv)
        first = await upsert(session, google())
        second = await upsert(session, yelp())
        [target] = await targets(session)
        assert (first.created, first.merged, second.created, second.merged) == (0, 1, 0, 1)
        assert (target.google_place_id, target.yelp_id) == ("G1", "Y1")
        assert target.source_ids == {"google": ["G1"], "yelp": ["Y1"]}
        # The CSV's values stay; only the gaps were filled.
        assert (target.business_name, target.source, target.website) == (
            "Alamo Heating & Air", "csv", "https://alamoheatingair.example",
        )  # fmt: skip
        assert (target.zip, target.trade, target.latitude) == ("78209", "hvac", 29.4891)

    async def test_phone_formats_join(self, session: AsyncSession) -> None:
        await upsert(session, google(website=None))
        result = await upsert(session, yelp(name="Totally Different Name", phone="210-555-0147"))
        assert result.merged == 1
        assert len(await targets(session)) == 1

    async def test_www_and_apex_join_without_a_phone(self, session: AsyncSession) -> None:
        await upsert(
            session,
            google(phone=None, website="http://alamoheatingair.example/?utm_source=gmb&x=1"),
        )
        result = await upsert(session, google("G2", name="Alamo HVAC", phone="(210) 555-9999"))
        [target] = await targets(session)
        assert result.merged == 1
        assert target.phone_e164 == "+12105559999"  # the gap was filled
        assert target.website == "http://alamoheatingair.example/?x=1"
        assert target.google_place_id == "G1"
        assert target.source_ids == {"google": ["G1", "G2"]}

    async def test_a_listing_seen_twice_in_one_batch(self, session: AsyncSession) -> None:
        result = await upsert(session, google(), google(), yelp())
        assert (result.created, result.merged) == (1, 2)
        assert len(await targets(session)) == 1


class TestNoFalseJoins:
    async def test_facebook_pages_are_not_an_identity(self, session: AsyncSession) -> None:
        await upsert(
            session,
            google("G1", phone="(210) 555-0001", website="https://www.facebook.com/alamohvac"),
            google("G2", name="Bexar Plumbing", phone="(210) 555-0002",
                   website="https://facebook.com/bexarplumbing"),
        )  # fmt: skip
        assert len(await targets(session)) == 2

    async def test_same_name_in_the_same_city_unless_phones_and_places_differ(
        self, session: AsyncSession
    ) -> None:
        await upsert(session, google("G1", name="Rio Mobile AC LLC", phone=None, website=None))
        joined = await upsert(session, yelp("Y1", name="Rio Mobile AC", phone="+12105550199"))
        other = await upsert(
            session,
            yelp("Y2", name="Rio Mobile AC", phone="+12105550777", address="9000 Culebra Rd",
                 zip="78228"),
        )  # fmt: skip
        elsewhere = await upsert(
            session, yelp("Y3", name="Rio Mobile AC", phone=None, city="Austin", zip="78701")
        )
        assert (joined.merged, other.created, elsewhere.created) == (1, 1, 1)
        assert len(await targets(session)) == 3

    async def test_one_website_for_two_numbers_on_google_is_two_locations(
        self, session: AsyncSession
    ) -> None:
        await upsert(
            session,
            google("G1", address=None, zip=None, lat=None, lng=None),
            google("G2", phone="(210) 555-0199", address="9000 Culebra Rd", zip="78228"),
        )
        assert len(await targets(session)) == 2

    async def test_another_phone_and_spelling_at_the_same_address_is_one_target(
        self, session: AsyncSession
    ) -> None:
        await upsert(session, google())
        tracked = await upsert(
            session,
            yelp("Y9", name="ALAMO HEATING AND AIR CONDITIONING INC", phone="+12105550999"),
        )
        assert tracked.merged == 1
        assert len(await targets(session)) == 1


class TestSharedPhones:
    async def test_a_business_that_moved_is_one_target(self, session: AsyncSession) -> None:
        # Google shows the new shop, Yelp the old one in the next town: one local number.
        await upsert(
            session,
            google(name="Kowalski Air Conditioning", phone="(772) 555-0183", website=None,
                   address="741 SE Port St Lucie Blvd", city="Port Saint Lucie", state="FL",
                   zip="34984", lat=27.2730, lng=-80.3582),
        )  # fmt: skip
        moved = await upsert(
            session,
            yelp(name="Tom Kowalski Air Conditioning", phone="772-555-0183",
                 address="1200 NE Jensen Beach Blvd", city="Jensen Beach", state="FL",
                 zip="34957", lat=27.2545, lng=-80.2298),
        )  # fmt: skip
        assert moved.merged == 1
        assert len(await targets(session)) == 1

    async def test_one_local_number_at_two_storefronts_on_one_provider(
        self, session: AsyncSession
    ) -> None:
        # One provider lists each location once: two of its listings are two locations.
        await upsert(
            session,
            google("G1", address="7172 Sunset Blvd", zip="75703", lat=32.2795, lng=-95.2965),
            google("G2", address="1818 Forest Dr", zip="75705", lat=32.3814, lng=-95.1188),
        )
        assert len(await targets(session)) == 2

    async def test_a_toll_free_number_is_not_an_identity(self, session: AsyncSession) -> None:
        chain = {"name": "Sun State Comfort Pros of Miami", "phone": "(888) 555-0151",
                 "website": None, "city": "Miami", "state": "FL"}  # fmt: skip
        await upsert(
            session,
            google("G1", **chain, address="3073 S Executive Trl", zip="33150",
                   lat=25.8691, lng=-80.1969),
            google("G2", **chain, address="2395 Beach Cir", zip="33144",
                   lat=25.7555, lng=-80.3061),
        )  # fmt: skip
        local = await upsert(
            session,
            yelp(name="Sun State Comfort Pros", phone="(305) 555-0108", city="Miami", state="FL",
                 address="3073 South Executive Trail", zip="33150"),
        )  # fmt: skip
        assert local.merged == 1
        assert sorted(t.address for t in await targets(session)) == [
            "2395 Beach Cir", "3073 S Executive Trl",
        ]  # fmt: skip


class TestSpellings:
    async def test_one_address_and_phone_spelt_two_ways(self, session: AsyncSession) -> None:
        await upsert(
            session,
            google(name="Stewart Brothers Climate Control - Seminole", phone="(904) 555-0118",
                   website=None, address="6700 E Baymeadows Trl", suite="Suite 18",
                   city="Jacksonville", state="FL", zip="32256", lat=30.2171, lng=-81.5710),
            yelp(name="Stewart Brothers Climate Control", phone="(904) 555-0118",
                 address="6700 East Baymeadows Trail", suite="Suite 18", city="Jacksonville",
                 state="FL", zip="32256", lat=30.2210, lng=-81.5770),
        )  # fmt: skip
        assert len(await targets(session)) == 1

    async def test_the_same_address_under_a_tracking_number(self, session: AsyncSession) -> None:
        await upsert(
            session,
            google(name="The Romano Comfort Systems", phone="(954) 555-0191", website=None,
                   address="14113 US-441", suite="Suite 260", city="Miami", state="FL",
                   zip="33169"),
            yelp(name="Romano Comfort Systems, LLC", phone="(754) 555-0135",
                 address="14113 U.S. 441 #260", city="Miami", state="FL", zip="33169"),
            yelp("Y2", name="Roberts Heating & Cooling, LLC", phone=None,
                 address="18337 Southwest 155th Street", city="Miami", state="FL", zip="33013"),
            google("G2", name="Roberts Heating & Cooling", phone="(305) 555-0125", website=None,
                   address="18337 SW 155th St", city="Hialeah", state="FL", zip="33013"),
        )  # fmt: skip
        assert len(await targets(session)) == 2

    async def test_namesakes_of_one_city_with_their_own_phones(self, session: AsyncSession) -> None:
        await upsert(
            session,
            google("G1", name="Williams Mechanical Services", phone="(689) 555-0125",
                   website=None, address="11432 Beach Rd", city="Orlando", state="FL",
                   zip="32808"),
            google("G2", name="Williams Mechanical Services", phone="(407) 555-0160",
                   website=None, address=None, city="Orlando", state="FL", zip=None,
                   lat=None, lng=None),
            google("G3", name="A+ Heating & Cooling", phone="(305) 555-0168", website=None,
                   address=None, city="Miami", state="FL", zip=None, lat=None, lng=None),
            yelp("Y3", name="A-1 Heating & Cooling", phone="(786) 555-0148", address=None,
                 city="Miami", state="FL", zip=None),
        )  # fmt: skip
        assert len(await targets(session)) == 4


class TestSuites:
    async def test_the_suite_has_its_own_column(self, session: AsyncSession) -> None:
        await upsert(session, google(suite="Ste 200"), yelp(suite="Suite 200"))
        [target] = await targets(session)
        assert (target.address, target.address_suite) == ("4410 Broadway St", "Ste 200")

    async def test_one_front_desk_for_two_suites_under_two_names(
        self, session: AsyncSession
    ) -> None:
        await upsert(
            session,
            google("G1", suite="Suite 100", website=None),
            google("G2", name="Broadway Electric", suite="Suite 300", website=None),
        )
        assert [t.address_suite for t in await targets(session)] == ["Suite 100", "Suite 300"]

    async def test_one_name_in_two_suites_is_one_business(self, session: AsyncSession) -> None:
        # Providers disagree on the suite of one shop more often than two shops share a name.
        await upsert(session, google(suite="Suite 100"), yelp(suite="Suite 110"))
        assert len(await targets(session)) == 1


class TestBusinessStatus:
    async def test_stored_with_the_target(self, session: AsyncSession) -> None:
        await upsert(session, google(business_status=BusinessStatus.future_opening))
        [target] = await targets(session)
        assert target.business_status == BusinessStatus.future_opening

    async def test_yelp_adds_a_temporary_closure_but_never_clears_googles(
        self, session: AsyncSession
    ) -> None:
        await upsert(session, google(business_status=BusinessStatus.future_opening))
        await upsert(session, yelp())
        [target] = await targets(session)
        assert target.business_status == BusinessStatus.future_opening
        await upsert(session, yelp(business_status=BusinessStatus.closed_temporarily))
        [target] = await targets(session)
        assert target.business_status == BusinessStatus.closed_temporarily

    async def test_google_clears_the_flag_of_a_reopened_business(
        self, session: AsyncSession
    ) -> None:
        await upsert(session, google(business_status=BusinessStatus.closed_temporarily))
        await upsert(session, google())
        [target] = await targets(session)
        assert target.business_status == BusinessStatus.operational


class TestNeverLoseAnything:
    @pytest.mark.parametrize("status", [TargetStatus.completed, TargetStatus.no_email])
    async def test_re_collect_keeps_edits_status_and_values(
        self, session: AsyncSession, status: TargetStatus
    ) -> None:
        await upsert(session, google())
        [target] = await targets(session)
        assert target.status == TargetStatus.pending
        target.business_name = "Alamo H&A (edited)"
        target.email = "owner@alamoheatingair.example"
        target.status = status
        target.status_reason = "manual"
        await session.flush()
        result = await upsert(session, google(phone=None, website=None, address=None, city=None))
        [target] = await targets(session)
        assert result.merged == 1
        assert (target.business_name, target.email, target.status, target.status_reason) == (
            "Alamo H&A (edited)", "owner@alamoheatingair.example", status, "manual",
        )  # fmt: skip
        assert (target.phone_e164, target.website_domain, target.city) == (
            "+12105550147", "alamoheatingair.example", "San Antonio",
        )  # fmt: skip


async def upsert_as(
    session: AsyncSession, listing: RawListing, trade: str, trade_by: str | None
) -> Any:
    return await listing_service.upsert(
        session, listings=[listing], trade=trade, trade_by=trade_by, default_state="TX"
    )


class TestWhichTradeWins:
    async def test_stronger_evidence_of_another_listing_corrects_the_trade(
        self, session: AsyncSession
    ) -> None:
        # Google showed no category and a bare legal name: stored under the searched trade.
        await upsert_as(session, google(name="Morales Enterprises, LLC"), "hvac", "query")
        # Its Yelp listing's categories say appliance repair: the business's own word.
        await upsert_as(
            session, yelp(name="White Appliance Repair"), "appliance_repair", "categories"
        )
        [target] = await targets(session)
        assert target.trade == "appliance_repair"
        assert target.source_ids["trade_by"] == "categories"

    async def test_weaker_or_equal_evidence_never_changes_it(self, session: AsyncSession) -> None:
        # Google's primary type (electrician) outweighs a secondary Yelp category (HVAC).
        await upsert_as(session, google(name="Sun State Electric"), "electrical", "main_category")
        await upsert_as(session, yelp(name="Sun State Electric"), "hvac", "categories")
        await upsert_as(session, yelp("Y2", name="Sun State Electric"), "hvac", "categories")
        [target] = await targets(session)
        assert (target.trade, target.source_ids["trade_by"]) == ("electrical", "main_category")

    async def test_a_trade_set_by_hand_or_import_stays(self, session: AsyncSession) -> None:
        csv = b"business_name,phone,trade\nAlamo Heating & Air,210.555.0147,plumbing"
        await target_service.import_csv(session, content=csv)
        await upsert_as(session, google(), "hvac", "main_category")
        await upsert_as(
            session, yelp("Y3", name="Bexar Electric", phone="+12105550300"), "hvac", "query"
        )
        [alamo, bexar] = await targets(session)
        bexar.status = TargetStatus.completed
        await session.flush()
        await upsert_as(session, google("G3", name="Bexar Electric", phone="+12105550300"),
                        "electrical", "main_category")  # fmt: skip
        alamo, bexar = await targets(session)
        assert (alamo.trade, bexar.trade) == ("plumbing", "hvac")


class TestWebsiteLookups:
    async def test_asked_for_once_and_only_without_google(self, session: AsyncSession) -> None:
        from_google = await upsert(session, google(website=None))
        from_yelp = await upsert(session, yelp("Y9", name="Bexar Plumbing", phone="+12105550300"))
        assert from_google.websiteless == []
        [wanted] = from_yelp.websiteless
        filled = await listing_service.record_websites(
            session, found={wanted.target_id: "https://www.bexarplumbing.example/"}
        )
        again = await upsert(session, yelp("Y9", name="Bexar Plumbing", phone="+12105550300"))
        assert (filled, again.websiteless) == (1, [])
        target = next(t for t in await targets(session) if t.yelp_id == "Y9")
        assert target.website_domain == "bexarplumbing.example"
        assert target.source_ids["website_lookup"] == "found"


class TestIdentityKeys:
    def test_name_key_ignores_legal_form_and_saint(self) -> None:
        assert name_key("Joe's Plumbing, LLC", city="Saint Louis", state="mo") == name_key(
            "joes plumbing", city="St. Louis", state="MO"
        )
        assert name_key("Joe's Plumbing", zip_code="63101-1234") == "joes plumbing|63101"
        assert name_key("Joe's Plumbing") is None

    def test_identity_domain(self) -> None:
        assert identity_domain("shop.acme.co.uk") == "acme.co.uk"
        assert identity_domain("joes.wixsite.com") == "joes.wixsite.com"
        assert identity_domain("facebook.com") is None
        assert identity_domain("joes.business.site") is None
