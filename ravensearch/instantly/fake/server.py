"""Serving the fake over real HTTP: in the foreground (`ravensearch fake-instantly`) or
on a background thread (tests and browser demos that need a real socket)."""

from __future__ import annotations

import uvicorn

from ravensearch.instantly.fake.app import create_fake_app
from ravensearch.instantly.fake.demo import seed_demo_campaigns
from ravensearch.instantly.fake.state import API_PREFIX, FakeInstantlyState
from ravensearch.kit.fake_server import FakeServer


def build_fake_state(*, demo: bool = True, api_key: str | None = None) -> FakeInstantlyState:
    """A state that accepts `api_key` (any key when None), seeded with demo data if asked."""
    state = FakeInstantlyState()
    if api_key:
        state.api_keys = {api_key}
    else:
        state.accept_any_key = True
    if demo:
        seed_demo_campaigns(state)
    return state


def run_fake_instantly(
    host: str, port: int, *, demo: bool = True, api_key: str | None = None
) -> None:
    """Serve the fake until interrupted; the API lives under http://host:port/api/v2."""
    state = build_fake_state(demo=demo, api_key=api_key)
    uvicorn.run(create_fake_app(state), host=host, port=port, log_level="info", lifespan="off")


class FakeInstantlyServer(FakeServer):
    """The Instantly fake as a `FakeServer`; its API lives at `base_url`.

    ```python
    with FakeInstantlyServer() as server:
        client = InstantlyClient("test-key", base_url=server.base_url)
    ```
    """

    def __init__(self, state: FakeInstantlyState | None = None, *, host: str = "127.0.0.1") -> None:
        self.state = state if state is not None else FakeInstantlyState()
        super().__init__(create_fake_app(self.state), host=host)

    @property
    def base_url(self) -> str:
        return f"{self.url}{API_PREFIX}"
