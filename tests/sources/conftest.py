"""Fixtures for the sources: a small universe (Rhode Island only), the provider fakes over
real HTTP (one uvicorn server each per test process), and clients wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ravensearch.config import Settings
from ravensearch.kit.fake_server import FakeServer
from ravensearch.kit.ratelimit import RateLimiter
from ravensearch.sources.google.client import GooglePlacesClient
from ravensearch.sources.google.fake import FakeGoogleState, create_google_fake
from ravensearch.sources.registry import SourceClients, build_source_clients
from ravensearch.sources.universe import Universe
from ravensearch.sources.yelp.client import YelpClient
from ravensearch.sources.yelp.fake import FakeYelpState, create_yelp_fake

STATE = "RI"
API_KEY = "test-key"
FAST = {"backoff_base": 0.01, "backoff_max": 0.02, "max_retries": 3}


@pytest.fixture(scope="session")
def universe() -> Universe:
    """6,000 businesses in Rhode Island and none elsewhere: dense enough to saturate both
    providers' caps, small enough to build in a fraction of a second."""
    return Universe(states={STATE}, min_per_state=6000)


@pytest.fixture(scope="session")
def google_server(universe: Universe) -> Iterator[tuple[FakeServer, FakeGoogleState]]:
    state = FakeGoogleState(universe)
    with FakeServer(create_google_fake(state)) as server:
        yield server, state


@pytest.fixture(scope="session")
def yelp_server(universe: Universe) -> Iterator[tuple[FakeServer, FakeYelpState]]:
    state = FakeYelpState(universe)
    with FakeServer(create_yelp_fake(state)) as server:
        yield server, state


@pytest.fixture
def google_fake(google_server: tuple[FakeServer, FakeGoogleState]) -> FakeGoogleState:
    state = google_server[1]
    state.reset()
    state.api_keys = None
    return state


@pytest.fixture
def yelp_fake(yelp_server: tuple[FakeServer, FakeYelpState]) -> FakeYelpState:
    state = yelp_server[1]
    state.reset()
    state.api_keys = None
    state.daily_limit = 5000
    state.shrink_dense = False
    return state


@pytest.fixture
async def google(
    google_server: tuple[FakeServer, FakeGoogleState], google_fake: FakeGoogleState
) -> AsyncIterator[GooglePlacesClient]:
    client = GooglePlacesClient(
        API_KEY,
        base_url=google_server[0].url + "/v1",
        rate_limiter=RateLimiter(1000, 60_000),
        **FAST,  # type: ignore[arg-type]
    )
    yield client
    await client.aclose()


@pytest.fixture
async def yelp(
    yelp_server: tuple[FakeServer, FakeYelpState], yelp_fake: FakeYelpState
) -> AsyncIterator[YelpClient]:
    client = YelpClient(
        API_KEY,
        base_url=yelp_server[0].url + "/v3",
        rate_limiter=RateLimiter(1000, 60_000),
        **FAST,  # type: ignore[arg-type]
    )
    yield client
    await client.aclose()


def mock_settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        GOOGLE_PLACES_API_KEY="",
        YELP_API_KEY="",
    )


@pytest.fixture
async def mock_clients(universe: Universe) -> AsyncIterator[SourceClients]:
    """Both clients in mock mode, on in-process fakes over the shared small universe."""
    async with build_source_clients(mock_settings(), universe=universe) as clients:
        yield clients
