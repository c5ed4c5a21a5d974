"""Client IP from X-Forwarded-For: only through trusted proxies, rightmost untrusted hop."""

from __future__ import annotations

import pytest

from ravensearch.config import parse_networks
from ravensearch.web.forwarded import forwarded_client


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        # Nobody trusted (the default): the header is whatever the client wrote.
        ("127.0.0.1", "203.0.113.9", "", "127.0.0.1"),
        # A peer outside the list: its header is ignored.
        ("192.0.2.1", "203.0.113.9", "10.0.0.0/8", "192.0.2.1"),
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        # The client wrote the left part; the proxy appended what it saw.
        ("10.0.0.2", "1.1.1.1, 2.2.2.2, 203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        # Two of our proxies in a row: skip both.
        ("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.3", "10.0.0.0/8", "203.0.113.9"),
        ("10.0.0.2", "203.0.113.9:5123", "10.0.0.0/8", "203.0.113.9"),
        ("2001:db8::2", "[2001:db8:ffff::1]:443", "2001:db8::/48", "2001:db8:ffff::1"),
        ("10.0.0.2", "unknown", "10.0.0.0/8", "unknown"),
        # Only our proxies: the first one asked.
        ("10.0.0.2", "10.0.0.9, 10.0.0.3", "10.0.0.0/8", "10.0.0.9"),
        ("10.0.0.2", "", "10.0.0.0/8", "10.0.0.2"),
        (None, "203.0.113.9", "10.0.0.0/8", None),
    ],
)
def test_forwarded_client(
    peer: str | None, forwarded_for: str, trusted: str, client: str | None
) -> None:
    assert forwarded_client(peer, forwarded_for, parse_networks(trusted)) == client
