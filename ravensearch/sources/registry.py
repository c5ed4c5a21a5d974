"""Which client answers for each provider: the real API when its key is set, otherwise the
in-package fake over `httpx.ASGITransport` (mock mode), holding the synthetic universe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from fastapi import FastAPI

from ravensearch.config import Settings
from ravensearch.kit.closing import AsyncClosing
from ravensearch.kit.ratelimit import RateLimiter
from ravensearch.sources.base import SourceClient, SourceName
from ravensearch.sources.google.client import DEFAULT_BASE_URL as GOOGLE_URL
from ravensearch.sources.google.client import GooglePlacesClient
from ravensearch.sources.google.fake import FakeGoogleState, create_google_fake
from ravensearch.sources.universe import Universe
from ravensearch.sources.yelp.client import DEFAULT_BASE_URL as YELP_URL
from ravensearch.sources.yelp.client import YelpClient
from ravensearch.sources.yelp.fake import FakeYelpState, create_yelp_fake

MOCK_API_KEY = "mock-mode-key"

ClientT = TypeVar("ClientT", GooglePlacesClient, YelpClient)


@dataclass
class SourceClients(AsyncClosing):
    """The provider clients of one process (web app, worker or CLI command).

    In mock mode `universe` is what the fakes list, and `google_fake`/`yelp_fake` expose
    their state (call counts, fault injection).
    """

    google: GooglePlacesClient | None
    yelp: YelpClient | None
    universe: Universe | None = None
    google_fake: FakeGoogleState | None = None
    yelp_fake: FakeYelpState | None = None
    _owned: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def google_is_mock(self) -> bool:
        return self.google_fake is not None

    @property
    def yelp_is_mock(self) -> bool:
        return self.yelp_fake is not None

    @property
    def website_lookups(self) -> bool:
        """Look Yelp listings up on Google: only when both are real or both are mock (a
        real Google knows nothing of the mock universe's businesses, and vice versa)."""
        return self.google is not None and self.google_is_mock == self.yelp_is_mock

    def client(self, name: SourceName) -> SourceClient | None:
        return self.google if name == "google" else self.yelp

    async def aclose(self) -> None:
        for client in (self.google, self.yelp):
            if client is not None:
                await client.aclose()
        for http in self._owned:
            await http.aclose()

    def client_on_fake(
        self, client_class: type[ClientT], fake: FastAPI, base_url: str, user_agent: str
    ) -> ClientT:
        """A `client_class` talking to `fake` in process; closing `self` closes its HTTP."""
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url=base_url)
        self._owned.append(http)
        # The fake has no quota worth protecting; a real limit would only slow mock mode.
        limiter = RateLimiter(1000, 60_000)
        return client_class(
            MOCK_API_KEY,
            base_url=base_url,
            http_client=http,
            rate_limiter=limiter,
            user_agent=user_agent,
        )


def build_source_clients(settings: Settings, *, universe: Universe | None = None) -> SourceClients:
    """Clients for both providers: real with a key, else wired to the fakes in process."""
    clients = SourceClients(google=None, yelp=None)
    if settings.google_is_mock or settings.yelp_is_mock:
        clients.universe = universe or Universe()
    if settings.google_is_mock:
        assert clients.universe is not None
        clients.google_fake = FakeGoogleState(clients.universe)
        fake = create_google_fake(clients.google_fake)
        clients.google = clients.client_on_fake(
            GooglePlacesClient, fake, GOOGLE_URL, settings.USER_AGENT
        )
    else:
        key = settings.GOOGLE_PLACES_API_KEY.get_secret_value()
        clients.google = GooglePlacesClient(
            key, base_url=settings.GOOGLE_PLACES_API_URL, user_agent=settings.USER_AGENT
        )
    if settings.yelp_is_mock:
        assert clients.universe is not None
        clients.yelp_fake = FakeYelpState(
            clients.universe, daily_limit=1_000_000, shrink_dense=clients.universe.hard
        )
        fake = create_yelp_fake(clients.yelp_fake)
        clients.yelp = clients.client_on_fake(YelpClient, fake, YELP_URL, settings.USER_AGENT)
    else:
        key = settings.YELP_API_KEY.get_secret_value()
        clients.yelp = YelpClient(
            key, base_url=settings.YELP_API_URL, user_agent=settings.USER_AGENT
        )
    return clients
