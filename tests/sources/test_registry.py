"""Which clients the settings give: fakes in process without keys, real URLs with them."""

from __future__ import annotations

from ravensearch.config import Settings
from ravensearch.sources.registry import build_source_clients
from ravensearch.sources.universe import Universe


def _settings(**keys: str) -> Settings:
    values = {"GOOGLE_PLACES_API_KEY": "", "YELP_API_KEY": "", **keys}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class TestBuildSourceClients:
    async def test_no_keys_means_both_fakes_over_one_universe(self, universe: Universe) -> None:
        async with build_source_clients(_settings(), universe=universe) as clients:
            assert clients.google_is_mock
            assert clients.yelp_is_mock
            assert clients.universe is universe
            assert clients.google_fake is not None
            assert clients.google_fake.universe is universe
            assert clients.website_lookups
            assert clients.client("yelp") is clients.yelp

    async def test_keys_mean_the_real_apis(self) -> None:
        settings = _settings(GOOGLE_PLACES_API_KEY="g-key", YELP_API_KEY="y-key")
        async with build_source_clients(settings) as clients:
            assert clients.universe is None
            assert not clients.google_is_mock
            assert "places.googleapis.com/v1" in repr(clients.google)
            assert "api.yelp.com/v3" in repr(clients.yelp)
            assert clients.website_lookups

    async def test_one_real_one_mock_looks_nothing_up(self, universe: Universe) -> None:
        settings = _settings(GOOGLE_PLACES_API_KEY="g-key")
        async with build_source_clients(settings, universe=universe) as clients:
            assert clients.yelp_is_mock
            assert not clients.google_is_mock
            assert not clients.website_lookups
