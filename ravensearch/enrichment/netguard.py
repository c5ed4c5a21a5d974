"""SSRF guard: resolve a host, refuse non-public addresses, and dial only what was checked.

A crawler that fetches arbitrary websites must not become a way into our own network
(`http://10.0.0.5/`, `http://169.254.169.254/` metadata, a public name resolving to
127.0.0.1, or a redirect to any of those). `AddressGuard` resolves and checks; the
transport from `pinned_transport()` connects only to addresses the guard returned, so a
second, different DNS answer (DNS rebinding) can never be the address we connect to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Protocol

import httpcore
import httpx

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class HostResolver(Protocol):
    """Turns a host name into IP address strings."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address of `host`.

        Raises:
            HostNotFound: the name does not resolve.
        """
        ...


class GuardError(Exception):
    """The guard refused or could not resolve a host."""


class HostNotFound(GuardError):
    def __init__(self, host: str) -> None:
        super().__init__(f"host not found: {host}")
        self.host = host


class PrivateAddressRefused(GuardError):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to a non-public address ({address})")
        self.host = host
        self.address = address


class SystemHostResolver:
    """The operating system's resolver (`getaddrinfo`), without blocking the event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise HostNotFound(host) from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise HostNotFound(host)
        return list(dict.fromkeys(addresses))


class StaticHostResolver:
    """A fixed name → addresses table (tests, mock mode, benchmarks); `default` for the rest."""

    def __init__(
        self,
        mapping: Mapping[str, str | Iterable[str]] | None = None,
        *,
        default: str | None = None,
    ) -> None:
        self._mapping = {
            host.lower(): [value] if isinstance(value, str) else list(value)
            for host, value in (mapping or {}).items()
        }
        self._default = default
        self.calls = 0

    async def resolve(self, host: str, port: int) -> list[str]:
        self.calls += 1
        found = self._mapping.get(host.lower())
        if found:
            return list(found)
        if self._default is not None:
            return [self._default]
        raise HostNotFound(host)


def is_public_address(value: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by the
    embedded address: `::ffff:127.0.0.1` is loopback.
    """
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class AddressGuard:
    """Resolves hosts once, checks every address, and remembers the checked answer."""

    def __init__(
        self,
        resolver: HostResolver,
        *,
        allow_private_network: bool = False,
        ttl_seconds: float = 300.0,
        max_entries: int = 4096,
    ) -> None:
        self.resolver = resolver
        self.allow_private_network = allow_private_network
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._cache: dict[str, tuple[float, list[str]]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """Addresses safe to connect to for `host`.

        Raises:
            HostNotFound: the name does not resolve.
            PrivateAddressRefused: an address is not public (and the setting does not allow it).
        """
        host = host.lower().rstrip(".").strip("[]")
        cached = self._cache.get(host)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        if _is_ip_literal(host):
            addresses = [host]
        else:
            addresses = await self.resolver.resolve(host, port)
        if not self.allow_private_network:
            # One bad address refuses the host: a name that mixes public and private
            # answers is the usual shape of a rebinding attempt.
            for address in addresses:
                if not is_public_address(address):
                    raise PrivateAddressRefused(host, address)
        if len(self._cache) >= self._max_entries:
            self._cache.pop(next(iter(self._cache)))
        self._cache[host] = (now + self._ttl, addresses)
        return addresses


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Dials the guard's checked addresses instead of letting the socket layer resolve again."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last_error: Exception | None = None
        # TLS still verifies the certificate against `host`: httpcore passes the URL's host
        # as server_hostname to start_tls, whatever address the socket went to.
        for address in await self._guard.addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        guard: AddressGuard,
        *,
        limits: httpx.Limits,
        ssl_context: ssl.SSLContext,
        inner: httpcore.AsyncNetworkBackend | None,
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # httpx has no public parameter for httpcore's network backend, so the pool it
        # built is replaced by an identical one that dials through the guard. Everything
        # else (request/response mapping, exception mapping) stays httpx's own code;
        # tests/enrichment/test_netguard.py fails if an httpx upgrade breaks this.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(guard, inner),
        )


def pinned_transport(
    guard: AddressGuard,
    *,
    limits: httpx.Limits | None = None,
    ssl_context: ssl.SSLContext | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncBaseTransport:
    """An httpx transport whose connections go only to addresses `guard` checked.

    Pass one `ssl_context` to every transport you make: building one reads the CA bundle.
    """
    return _PinnedTransport(
        guard,
        limits=limits or httpx.Limits(),
        ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
        inner=network_backend,
    )
