"""Which website lookups a run makes: only those its own Google sweep did not answer."""

from __future__ import annotations

import uuid

from ravensearch.sources.base import RawListing, SourceBadRequest, SourceUnavailable
from ravensearch.sources.geo import Tile
from ravensearch.sources.lookups import WebsiteLookups, find_websites
from ravensearch.targets.listings import WebsiteWanted

SWEPT = Tile(30.0, -98.0, 30.1, -97.9)
INSIDE = (30.05, -97.95)
OUTSIDE = (30.25, -97.95)


def _wanted(
    *, phone: str | None = "(512) 555-0100", trade: str = "hvac", at: tuple[float, float] | None
) -> WebsiteWanted:
    lat, lng = at if at is not None else (None, None)
    return WebsiteWanted(
        uuid.uuid4(), "Cool Air", phone, "Austin", "TX", trade=trade, lat=lat, lng=lng
    )


def _google(phone: str, website: str | None, **extra: object) -> RawListing:
    return RawListing("google", f"g-{phone}", "Cool Air LLC", phone=phone, website=website, **extra)  # type: ignore[arg-type]


class TestPlan:
    def test_a_target_inside_a_complete_google_answer_of_the_trade_is_spared(self) -> None:
        lookups = WebsiteLookups("hvac")
        lookups.answered(SWEPT, saturated=False)
        plan = lookups.plan([_wanted(at=INSIDE)])
        assert (plan.ask, plan.known, plan.skipped) == ([], {}, 1)

    def test_what_the_sweep_did_not_answer_is_asked(self) -> None:
        lookups = WebsiteLookups("hvac")
        lookups.answered(SWEPT, saturated=False)
        lookups.answered(Tile(30.2, -98.0, 30.3, -97.9), saturated=True)  # cap hid some
        wanted = [
            _wanted(at=OUTSIDE),  # in the saturated tile
            _wanted(at=(31.0, -97.0)),  # in no tile swept
            _wanted(at=INSIDE, trade="plumbing"),  # another trade than the one swept
            _wanted(at=None),  # no coordinates
        ]
        plan = lookups.plan(wanted)
        assert plan.ask == wanted
        assert plan.skipped == 0

    def test_a_google_listing_seen_in_the_run_answers_by_phone(self) -> None:
        lookups = WebsiteLookups("hvac")
        # Dropped by the run (no state shown), but its phone and website are known.
        lookups.saw(_google("+1 512-555-0100", "https://coolair.example"))
        lookups.saw(_google("+1 512-555-0199", None))
        lookups.saw(_google("+1 512-555-0177", "https://closed.example", is_closed=True))
        has, hasnt, closed = (
            _wanted(at=None),
            _wanted(phone="512.555.0199", at=None),
            _wanted(phone="512-555-0177", at=None),
        )
        plan = lookups.plan([has, hasnt, closed])
        assert plan.known == {has.target_id: "https://coolair.example", hasnt.target_id: None}
        assert plan.ask == [closed]


class TestFindWebsites:
    async def test_failed_lookups_are_left_for_the_next_run(self) -> None:
        ok, odd, down = (_wanted(at=None) for _ in range(3))

        async def find(
            name: str, phone: str | None, city: str | None, state: str | None
        ) -> str | None:
            if phone == "odd":
                raise SourceBadRequest("bad query", provider="google")
            if phone == "down":
                raise SourceUnavailable("503", provider="google")
            return "https://coolair.example"

        odd = WebsiteWanted(odd.target_id, "x", "odd", None, None)
        down = WebsiteWanted(down.target_id, "x", "down", None, None)
        found = await find_websites(find, [ok, odd, down])
        assert found == {ok.target_id: "https://coolair.example", odd.target_id: None}
