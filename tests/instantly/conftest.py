"""Fixtures for the Instantly client and fake: a real-HTTP fake server and clients wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, NamedTuple

import httpx
import pytest

from ravensearch.instantly import InstantlyClient, RateLimiter
from ravensearch.instantly.fake import FakeInstantlyServer, FakeInstantlyState, create_fake_app
from tests.instantly.contract import ContractRecorder, contract_hooks

API_KEY = "test-key"


class FakeInstantly(NamedTuple):
    base_url: str
    state: FakeInstantlyState


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeInstantlyServer]:
    """One uvicorn server per test process; each test resets its state."""
    with FakeInstantlyServer() as server:
        yield server


@pytest.fixture
def fake_instantly(fake_server: FakeInstantlyServer) -> Iterator[FakeInstantly]:
    fake_server.state.reset(config=True)
    yield FakeInstantly(fake_server.base_url, fake_server.state)
    # Requests a fault made the client abandon are still running; let them land here.
    assert fake_server.state.wait_idle(), "the fake still answers requests of this test"


ClientFactory = Callable[..., InstantlyClient]


@pytest.fixture
async def make_client(
    fake_instantly: FakeInstantly, contract: ContractRecorder
) -> AsyncIterator[ClientFactory]:
    """Build clients for the real-HTTP fake: tiny backoff, a private generous limiter;
    every exchange is checked against the published definition (`contract`)."""
    clients: list[InstantlyClient] = []
    checked = httpx.AsyncClient(event_hooks=contract_hooks(contract))

    def make(api_key: str = API_KEY, **overrides: Any) -> InstantlyClient:
        options: dict[str, Any] = {
            "http_client": checked,
            "base_url": fake_instantly.base_url,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "max_retries": 3,
            "rate_limiter": RateLimiter(1000, 60_000),
        }
        options.update(overrides)
        client = InstantlyClient(api_key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
    await checked.aclose()


@pytest.fixture
def instantly_client(make_client: ClientFactory) -> InstantlyClient:
    return make_client()


@pytest.fixture
def local_state() -> FakeInstantlyState:
    return FakeInstantlyState()


@pytest.fixture
async def local_http(local_state: FakeInstantlyState) -> AsyncIterator[httpx.AsyncClient]:
    """Raw, authenticated HTTP to an in-process fake (for the fake's own behaviour)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_fake_app(local_state)),
        base_url="https://api.instantly.ai",
        headers={"Authorization": f"Bearer {API_KEY}"},
    ) as http:
        yield http
