"""Serving the fake over real HTTP: in the foreground (`ravensearch fake-instantly`) or
on a background thread (tests and browser demos that need a real socket)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn

from ravensearch.instantly.fake.app import create_fake_app
from ravensearch.instantly.fake.demo import seed_demo_campaigns
from ravensearch.instantly.fake.state import API_PREFIX, FakeInstantlyState


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


class FakeInstantlyServer:
    """The fake on a free 127.0.0.1 port, served by uvicorn on a daemon thread.

    ```python
    with FakeInstantlyServer() as server:
        client = InstantlyClient("test-key", base_url=server.base_url)
    ```
    """

    def __init__(self, state: FakeInstantlyState | None = None, *, host: str = "127.0.0.1") -> None:
        self.state = state if state is not None else FakeInstantlyState()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this. Without it a pre-bound socket meets Nagle plus
        # delayed ACK, and every keep-alive request takes ~40 ms instead of ~2 ms.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, 0))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            create_fake_app(self.state),
            log_level="warning",
            lifespan="off",
            loop="asyncio",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    def start(self, timeout: float = 10.0) -> Self:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Instantly server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
