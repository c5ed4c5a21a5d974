from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx
import pytest

from ravensearch.enrichment import crawler as crawler_module
from ravensearch.enrichment.crawler import Crawler, CrawlError
from ravensearch.enrichment.netguard import (
    AddressGuard,
    HostNotFound,
    PrivateAddressRefused,
    StaticHostResolver,
    is_public_address,
    pinned_transport,
)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1%eth0",
        "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::",
        "64:ff9b::a00:1", "not-an-ip",
    ],
)  # fmt: skip
def test_non_public_addresses(address: str) -> None:
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::6810:85e5"])
def test_public_addresses(address: str) -> None:
    assert is_public_address(address) is True


class TestAddressGuard:
    async def test_public_name_resolving_to_a_private_address_is_refused(self) -> None:
        guard = AddressGuard(StaticHostResolver({"shop.com": ["93.184.216.34", "10.0.0.7"]}))
        with pytest.raises(PrivateAddressRefused) as refused:
            await guard.addresses("shop.com", 443)
        assert refused.value.address == "10.0.0.7"

    async def test_ip_literals_are_checked_without_dns(self) -> None:
        resolver = StaticHostResolver()
        guard = AddressGuard(resolver)
        with pytest.raises(PrivateAddressRefused):
            await guard.addresses("[::1]", 80)
        assert await guard.addresses("8.8.8.8", 80) == ["8.8.8.8"]
        assert resolver.calls == 0

    async def test_setting_allows_private_addresses(self) -> None:
        guard = AddressGuard(StaticHostResolver(default="10.0.0.7"), allow_private_network=True)
        assert await guard.addresses("intranet.local", 80) == ["10.0.0.7"]

    async def test_unknown_host(self) -> None:
        with pytest.raises(HostNotFound):
            await AddressGuard(StaticHostResolver()).addresses("nowhere.com", 80)


class _RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.dialed: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dialed.append(host)
        raise httpcore.ConnectError("recorded")


class _RebindingResolver:
    """First answer public, every later answer loopback: the DNS-rebinding attack."""

    def __init__(self) -> None:
        self.calls = 0

    async def resolve(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


class TestPinnedTransport:
    async def test_connection_goes_to_the_checked_address_not_a_second_answer(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        resolver = _RebindingResolver()
        backend = _RecordingBackend()
        monkeypatch.setattr(
            crawler_module,
            "pinned_transport",
            lambda guard, **kw: pinned_transport(guard, network_backend=backend, **kw),
        )
        crawler = Crawler(resolver=resolver)
        result = await crawler.crawl("http://rebind.com/")
        await crawler.aclose()
        assert backend.dialed == ["93.184.216.34"] * 2  # robots.txt, then the home page
        assert resolver.calls == 1
        assert result.error == CrawlError.unreachable

    async def test_expired_answer_is_checked_again_before_dialling(self) -> None:
        resolver = _RebindingResolver()
        guard = AddressGuard(resolver, ttl_seconds=0.0)
        backend = _RecordingBackend()
        transport = pinned_transport(guard, network_backend=backend)
        await guard.addresses("rebind.com", 80)
        with pytest.raises(PrivateAddressRefused):
            await transport.handle_async_request(httpx.Request("GET", "http://rebind.com/"))
        assert backend.dialed == []


@pytest.fixture
async def local_server() -> AsyncIterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        hosts.extend(line[6:] for line in head.split("\r\n") if line.lower().startswith("host: "))
        body = b"<p>Mail: real@shop.com</p>"
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port, hosts
    server.close()
    await server.wait_closed()


class TestRealConnections:
    async def test_allowed_private_network_dials_the_resolved_address(
        self, local_server: tuple[int, list[str]]
    ) -> None:
        port, hosts = local_server
        crawler = Crawler(
            resolver=StaticHostResolver({"shop.com": "127.0.0.1"}), allow_private_network=True
        )
        result = await crawler.crawl(f"http://shop.com:{port}/")
        await crawler.aclose()
        assert result.error is None
        assert "real@shop.com" in result.pages[0].html
        assert hosts[0] == f"shop.com:{port}"

    async def test_refused_by_default_and_nothing_is_sent(
        self, local_server: tuple[int, list[str]]
    ) -> None:
        port, hosts = local_server
        crawler = Crawler(resolver=StaticHostResolver({"shop.com": "127.0.0.1"}))
        result = await crawler.crawl(f"http://shop.com:{port}/")
        await crawler.aclose()
        assert (result.error, result.detail) == (CrawlError.private_address, "127.0.0.1")
        assert hosts == []
