"""Fixtures for the SendGrid client, fake and simulator: the fake in process (contract-checked)
and over a real socket for the timeout cases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.fake import FakeSendGrid, FakeSendGridServer, create_fake_sendgrid
from ravensearch.sendgrid.mail import Address, MailBatch, Personalization
from tests.sendgrid.contract import ContractTransport

API_KEY = "SG.test-key"
BASE_URL = "http://fake-sendgrid/v3"


def make_batch(count: int = 2, *, html: bool = True, **overrides: Any) -> MailBatch:
    """`count` technicians, each with their own subject and body through substitutions."""
    people = [
        Personalization(
            to=Address(f"tech{i}@shop{i}.example", f"Tech {i}"),
            subject=f"Plumbing work in Austin, Tech {i}?",
            substitutions={"-first_name-": f"Tech {i}", "-city-": "Austin"},
            headers={"Message-ID": f"<d{i}.s1@mail.ravensearch.example>"},
            custom_args={"dispatch_id": f"d-{i}", "step": "1", "campaign_id": "c-1"},
        )
        for i in range(count)
    ]
    options: dict[str, Any] = {
        "sender": Address("dana@crew-hiring.example", "Dana"),
        "personalizations": people,
        "text": "Hi -first_name-, we hire in -city-.",
        "html": "<p>Hi -first_name-, we hire in -city-.</p>" if html else None,
        "reply_to": Address("replies@crew-hiring.example"),
    }
    options.update(overrides)
    return MailBatch(**options)


@pytest.fixture
def fake() -> FakeSendGrid:
    return create_fake_sendgrid(api_key=API_KEY)


@pytest.fixture
async def contract(fake: FakeSendGrid) -> AsyncIterator[ContractTransport]:
    """The fake in process; every exchange through it must fit the documented shapes."""
    transport = ContractTransport(httpx.ASGITransport(fake.app))
    yield transport
    assert transport.violations == []


ClientFactory = Callable[..., SendGridClient]


@pytest.fixture
async def make_client(contract: ContractTransport) -> AsyncIterator[ClientFactory]:
    clients: list[SendGridClient] = []

    def make(**overrides: Any) -> SendGridClient:
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "base_url": BASE_URL,
            "transport": contract,
            "backoff_base": 0.01,
            "backoff_max": 0.02,
        }
        options.update(overrides)
        client = SendGridClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture(scope="session")
def sendgrid_server() -> Iterator[FakeSendGridServer]:
    """One real-socket fake per test process; each test resets it."""
    with FakeSendGridServer(create_fake_sendgrid(api_key=API_KEY)) as server:
        yield server


@pytest.fixture
def served(sendgrid_server: FakeSendGridServer) -> Iterator[FakeSendGridServer]:
    sendgrid_server.fake.state.reset()
    yield sendgrid_server
    # An answer the client gave up on is still being written: let it land in this test.
    assert sendgrid_server.fake.state.wait_idle(), "the fake still answers this test's requests"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded instead of slept."""
    recorded: list[float] = []

    async def sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr("ravensearch.kit.http_retry.asyncio", SimpleNamespace(sleep=sleep))
    return recorded
