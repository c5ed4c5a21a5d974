"""Serving the fake SendGrid over real HTTP: in the foreground (`ravensearch fake-sendgrid`) or
on a background thread (tests of timeouts, benchmarks, browser demos)."""

from __future__ import annotations

import uvicorn

from ravensearch.kit.fake_server import FakeServer
from ravensearch.sendgrid.fake.app import FakeSendGrid, create_fake_sendgrid


def run_fake_sendgrid(
    host: str, port: int, *, api_key: str | None = None, latency_seconds: float = 0.0
) -> None:
    """Serve the fake until interrupted; the API lives under http://host:port/v3."""
    fake = create_fake_sendgrid(api_key=api_key, latency_seconds=latency_seconds)
    uvicorn.run(fake.app, host=host, port=port, log_level="info", lifespan="off")


class FakeSendGridServer(FakeServer):
    """The SendGrid fake as a `FakeServer`; its API lives at `base_url`.

    ```python
    with FakeSendGridServer() as server:
        client = SendGridClient(api_key="SG.test-key", base_url=server.base_url)
    ```
    """

    def __init__(self, fake: FakeSendGrid | None = None, *, host: str = "127.0.0.1") -> None:
        self.fake = fake if fake is not None else create_fake_sendgrid()
        super().__init__(self.fake.app, host=host)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v3"
