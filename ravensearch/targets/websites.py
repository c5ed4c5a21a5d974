"""Website URLs: add the missing scheme, and reduce a URL to the domain we de-duplicate on."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")


def _is_host(host: str | None) -> bool:
    if not host or len(host) > 253:
        return False
    labels = host.rstrip(".").split(".")
    # At least "name.tld", and an all-digit last label means an IP address, not a website.
    return (
        len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def normalize_website(value: str) -> str:
    """`example.com/x` → `https://example.com/x`. Raises ValueError for anything not a web URL."""
    text = value.strip()
    url = text if _SCHEME.match(text) else "https://" + text.lstrip("/")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or " " in url or not _is_host(parts.hostname):
        raise ValueError(f"invalid website '{text}': expected a URL like https://example.com")
    return url


def website_domain(url: str | None) -> str | None:
    """Lower-case host without `www.`, or None."""
    if not url:
        return None
    host = (urlsplit(url if _SCHEME.match(url) else "https://" + url).hostname or "").rstrip(".")
    return host.removeprefix("www.") or None
