"""Hosts and domains: registrable domains, same-site checks, and sites that are not "the website"."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

# The bundled public-suffix snapshot: nothing is fetched at run time, nothing is cached on disk.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Social networks, directories and link-in-bio pages: a business whose "website" is one of
# these has no website of its own for us to crawl (sources.md §3.2).
SOCIAL_DOMAINS = frozenset({
    "facebook.com", "fb.com", "fb.me", "instagram.com", "yelp.com", "linkedin.com",
    "twitter.com", "x.com", "nextdoor.com", "angi.com", "angieslist.com", "homeadvisor.com",
    "thumbtack.com", "bbb.org", "yellowpages.com", "tiktok.com", "youtube.com", "pinterest.com",
    "houzz.com", "porch.com", "mapquest.com", "manta.com", "business.site", "linktr.ee",
    "bit.ly", "tinyurl.com",
})  # fmt: skip

# Free-mail providers: one-person trade shops use them, and they are real contacts.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "comcast.net", "att.net", "sbcglobal.net", "bellsouth.net", "verizon.net", "cox.net",
    "charter.net", "earthlink.net", "frontier.com", "windstream.net", "centurylink.net",
    "optonline.net", "juno.com", "netzero.net", "roadrunner.com", "twc.com", "protonmail.com",
    "proton.me", "zoho.com", "gmx.com", "mail.com", "yandex.com", "aim.com", "q.com",
    "embarqmail.com", "suddenlink.net",
})  # fmt: skip


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str | None:
    """`www.shop.acme.co.uk` → `acme.co.uk`; None when the suffix is not a public one."""
    parts = _EXTRACT(host.strip().rstrip(".").lower())
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def has_public_suffix(domain: str) -> bool:
    return registrable_domain(domain) is not None


def url_host(url: str) -> str:
    """Lower-case host of an absolute URL ('' when it has none)."""
    return (urlsplit(url).hostname or "").rstrip(".")


def bare_host(host: str) -> str:
    return host.lower().rstrip(".").removeprefix("www.")


def same_site(url: str, other: str) -> bool:
    """Same host, treating `www.` and the apex as one site."""
    return bare_host(url_host(url)) == bare_host(url_host(other)) != ""


def social_domain(url: str) -> str | None:
    """The social or aggregator domain this URL belongs to, if any."""
    domain = registrable_domain(url_host(url))
    return domain if domain in SOCIAL_DOMAINS else None
