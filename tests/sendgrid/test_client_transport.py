"""Failures without an answer: retried only when the request never left; otherwise uncertain.
The timeout cases run against the fake over a real socket (ASGITransport has no timeouts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.errors import (
    SendGridRateLimited,
    SendGridRefused,
    SendGridUncertain,
    SendGridUnreachable,
)
from ravensearch.sendgrid.fake import FakeSendGridServer
from tests.sendgrid.conftest import API_KEY, BASE_URL, make_batch


def _failing(error: type[httpx.TransportError], calls: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error("simulated", request=request)

    return httpx.MockTransport(handler)


class TestNeverLeft:
    @pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
    async def test_is_retried_with_jittered_backoff_then_unreachable(
        self, error: type[httpx.TransportError], sleeps: list[float]
    ) -> None:
        calls: list[httpx.Request] = []
        client = SendGridClient(
            api_key=API_KEY,
            base_url=BASE_URL,
            max_retries=3,
            transport=_failing(error, calls),
            backoff_base=0.5,
            backoff_max=8.0,
        )
        async with client:
            with pytest.raises(SendGridUnreachable, match="nothing was sent") as raised:
                await client.send(make_batch(1))
        assert len(calls) == 4
        assert len(sleeps) == 3
        assert all(0 <= wait <= 0.5 * 2**i for i, wait in enumerate(sleeps))
        assert API_KEY not in str(raised.value)

    async def test_a_closed_port_is_unreachable(self, sleeps: list[float]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        async with SendGridClient(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v3", max_retries=1
        ) as client:
            with pytest.raises(SendGridUnreachable):
                await client.send(make_batch(1))
        assert len(sleeps) == 1

    async def test_recovers_when_the_connection_comes_back(self, sleeps: list[float]) -> None:
        calls: list[httpx.Request] = []

        def flaky(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            if len(calls) < 3:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(202, headers={"X-Message-Id": "abc"})

        async with SendGridClient(
            api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(flaky)
        ) as client:
            assert (await client.send(make_batch(1))).message_id == "abc"
        assert len(calls) == 3


class TestMayHaveLeft:
    @pytest.mark.parametrize(
        "error",
        [httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError],
    )
    async def test_is_uncertain_at_once(
        self, error: type[httpx.TransportError], sleeps: list[float]
    ) -> None:
        calls: list[httpx.Request] = []
        async with SendGridClient(
            api_key=API_KEY, base_url=BASE_URL, max_retries=3, transport=_failing(error, calls)
        ) as client:
            with pytest.raises(SendGridUncertain, match="may have been accepted"):
                await client.send(make_batch(1))
        assert len(calls) == 1
        assert sleeps == []

    async def test_accepted_then_timed_out_is_uncertain_and_the_mail_was_stored(
        self, served: FakeSendGridServer
    ) -> None:
        fake = served.fake
        fake.accept_then_hang(1.5)
        async with SendGridClient(
            api_key=API_KEY, base_url=served.base_url, timeout=0.3, max_retries=3
        ) as client:
            with pytest.raises(SendGridUncertain):
                await client.send(make_batch(2))
        # SendGrid did take it: why an uncertain send must never be re-sent automatically.
        assert [m.to for m in fake.messages] == ["tech0@shop0.example", "tech1@shop1.example"]
        assert fake.state.wait_idle()
        assert len(fake.state.request_log) == 1

    async def test_a_slow_but_timely_answer_is_accepted(self, served: FakeSendGridServer) -> None:
        served.fake.set_latency(0.1)
        try:
            async with SendGridClient(
                api_key=API_KEY, base_url=served.base_url, timeout=5
            ) as client:
                accepted = await client.send(make_batch(1))
        finally:
            served.fake.set_latency(0.0)
        assert served.fake.messages[0].x_message_id == accepted.message_id

    async def test_a_connection_dropped_mid_answer_is_uncertain(self, dropping_server: str) -> None:
        async with SendGridClient(api_key=API_KEY, base_url=dropping_server) as client:
            with pytest.raises(SendGridUncertain):
                await client.send(make_batch(1))


@pytest.fixture
def dropping_server() -> Iterator[str]:
    """Reads a request, starts an answer, and hangs up half way."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\npartial")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/v3"
    thread.join(timeout=5)
    listener.close()


async def test_a_429_without_reset_backs_off_and_says_no_time(sleeps: list[float]) -> None:
    calls: list[httpx.Request] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            429, json={"errors": [{"field": None, "message": "too many requests"}]}
        )

    async with SendGridClient(
        api_key=API_KEY, base_url=BASE_URL, max_retries=2, transport=httpx.MockTransport(limited)
    ) as client:
        with pytest.raises(SendGridRateLimited) as raised:
            await client.send(make_batch(1))
    assert raised.value.retry_at is None
    assert "too many requests" in str(raised.value)
    assert len(calls) == 3
    assert len(sleeps) == 2


async def test_an_error_body_that_is_not_json_still_reads_well() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="<html>Bad Request</html>")

    async with SendGridClient(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(broken)
    ) as client:
        with pytest.raises(
            SendGridRefused, match=r"SendGrid refused the mail \(400\): Bad Request"
        ):
            await client.send(make_batch(1))


async def test_a_url_httpx_cannot_use_is_unreachable_not_a_raw_httpx_error() -> None:
    async with SendGridClient(api_key=API_KEY, base_url="ftp://sendgrid.example/v3") as client:
        with pytest.raises(SendGridUnreachable, match="UnsupportedProtocol"):
            await client.send(make_batch(1))
