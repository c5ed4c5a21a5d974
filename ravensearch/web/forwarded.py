"""Who is on the other end: the client's IP and whether it came over HTTPS.

X-Forwarded-For and X-Forwarded-Proto are believed only when the connection's peer is one of
RAVENSEARCH_TRUSTED_PROXIES; anyone else could write them, and would then choose the IP that
the login limit counts. Same rule as uvicorn's proxy headers, which `serve` configures from
the same setting (here again so the app is right however it is served).
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import ip_address

from fastapi import Request

from ravensearch.config import IPNetwork
from ravensearch.web.deps import get_runtime


def client_ip(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return forwarded_client(peer, forwarded, _trusted(request))


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    if not is_trusted(peer, _trusted(request)):
        return False
    # The nearest proxy's word: the last value when a chain appended theirs.
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https"


def forwarded_client(
    peer: str | None, forwarded_for: str, trusted: Sequence[IPNetwork]
) -> str | None:
    """The rightmost hop of X-Forwarded-For that is not a trusted proxy (each proxy appends
    the address it saw, so what lies left of an untrusted hop may be invented)."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [_host(hop) for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer  # a chain of our own proxies: the first one asked


def is_trusted(host: str | None, trusted: Sequence[IPNetwork]) -> bool:
    if not host or not trusted:
        return False
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)


def _trusted(request: Request) -> Sequence[IPNetwork]:
    return get_runtime(request).settings.trusted_proxies


def _host(hop: str) -> str:
    """ "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443" → the address alone."""
    hop = hop.strip()
    if hop.startswith("[") and "]" in hop:
        return hop[1 : hop.index("]")]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop
