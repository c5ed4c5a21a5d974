"""The synthetic universe: deterministic, varied as the real world, and site lookups."""

from __future__ import annotations

from ravensearch.sources.universe import Universe
from ravensearch.targets.merge import business_key
from tests.sources.conftest import STATE


class TestContents:
    def test_the_same_seed_gives_the_same_world(self, universe: Universe) -> None:
        again = Universe(states={STATE}, min_per_state=6000)
        assert again.businesses(STATE) == universe.businesses(STATE)
        other = Universe(seed=1, states={STATE}, min_per_state=6000)
        assert other.businesses(STATE)[0] != universe.businesses(STATE)[0]

    def test_holds_every_case_collection_must_handle(self, universe: Universe) -> None:
        businesses = universe.businesses(STATE)
        assert len(businesses) == 6000
        share = {
            "service_area": sum(b.service_area_only for b in businesses),
            "closed": sum(b.closed for b in businesses),
            "no_website": sum(b.website is None for b in businesses),
            "facebook": sum("facebook.com" in (b.website or "") for b in businesses),
            "both": sum(b.on_google and b.on_yelp for b in businesses),
            "yelp_only": sum(not b.on_google for b in businesses),
        }
        assert all(count > 100 for count in share.values()), share
        assert all(b.on_google or b.on_yelp for b in businesses)
        assert {b.site_style for b in businesses if b.domain} >= {"mailto", "cloudflare", "none"}

    def test_providers_format_the_same_business_differently(self, universe: Universe) -> None:
        both = [b for b in universe.businesses(STATE) if b.on_google and b.on_yelp]
        assert any(b.google_name != b.yelp_name for b in both)
        assert all(business_key(b.google_name) == business_key(b.yelp_name) for b in both)
        assert any((b.google_website or "").startswith("https://www.") for b in both)
        assert any((b.google_website or "").startswith("http://") for b in both)

    def test_big_cities_are_dense(self, universe: Universe) -> None:
        providence = [b for b in universe.businesses(STATE) if b.city == "Providence"]
        assert len(providence) > 400  # one query per trade cannot list them all


class TestSiteSpec:
    def test_found_by_host_with_or_without_www(self, universe: Universe) -> None:
        business = next(b for b in universe.businesses(STATE) if b.domain and b.email)
        assert business.domain is not None
        spec = universe.site_spec(f"www.{business.domain}")
        assert spec == universe.site_spec(business.domain.upper())
        assert spec is not None
        assert (spec.business_name, spec.email, spec.style, spec.state) == (
            business.name, business.email, business.site_style, STATE,
        )  # fmt: skip

    def test_a_fresh_universe_builds_the_state_the_domain_names(self, universe: Universe) -> None:
        business = next(b for b in universe.businesses(STATE) if b.domain)
        assert business.domain is not None
        assert Universe(states={STATE}, min_per_state=6000).site_spec(business.domain) is not None

    def test_unknown_and_social_hosts(self, universe: Universe) -> None:
        assert universe.site_spec("nobody-here-ri.com") is None
        assert universe.site_spec("www.facebook.com") is None
