"""HTML → where the crawler goes next: same-site contact/about pages and meta refreshes (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from ravensearch.enrichment.domains import same_site

# (pattern over the lower-cased path and link text, score): contact pages first, then the
# pages small businesses put their address on (sources.md §3.2).
_HINTS = (
    (re.compile(r"contact"), 10),
    (re.compile(r"get[\s_-]*in[\s_-]*touch|reach[\s_-]*(us|out)|e-?mail[\s_-]*us"), 9),
    (re.compile(r"inquir|enquir|imprint|impressum"), 6),
    (re.compile(r"about"), 6),
    (re.compile(r"team|staff|our[\s_-]*company|who[\s_-]*we[\s_-]*are"), 4),
    (re.compile(r"request[\s_-]*service|schedule|estimate|quote|book[\s_-]*(now|online)"), 3),
    (re.compile(r"service[\s_-]*area|locations"), 2),
)
_SKIPPED_PATH = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|webp|svg|ico|css|js|xml|zip|mp4|mp3|docx?)$"
    r"|/(?:wp-json|wp-admin|wp-login|feed|xmlrpc|cart|checkout|login|tag|category)(?:/|$)"
    r"|privacy|terms|cookie",
)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Navigation:
    contact_links: list[str]
    refresh_url: str | None


def parse_navigation(html: str | LexborHTMLParser, page_url: str) -> Navigation:
    """Where to go from the page at `page_url` (HTML text or an already parsed document)."""
    tree = LexborHTMLParser(html) if isinstance(html, str) else html
    base = page_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(page_url, base_node.attributes.get("href") or "")
    return Navigation(
        contact_links=_contact_links(tree, base, page_url), refresh_url=_refresh(tree, base)
    )


def _contact_links(tree: LexborHTMLParser, base: str, page_url: str) -> list[str]:
    scores: dict[str, int] = {}
    here = _without_fragment(page_url)
    for link in tree.css("a[href]"):
        url = _without_fragment(urljoin(base, (link.attributes.get("href") or "").strip()))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or url == here or not same_site(url, page_url):
            continue
        path = parts.path.lower()
        if _SKIPPED_PATH.search(path):
            continue
        words = f"{path} {link.text(deep=True).lower()} {link.attributes.get('title') or ''}"
        score = max((points for pattern, points in _HINTS if pattern.search(words)), default=0)
        if score > scores.get(url, 0):
            scores[url] = score
    # sorted() is stable: equal scores keep the page's order.
    return sorted(scores, key=lambda url: -scores[url])


def _refresh(tree: LexborHTMLParser, base: str) -> str | None:
    for meta in tree.css("meta[http-equiv]"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        match = _REFRESH_URL.search(meta.attributes.get("content") or "")
        if match:
            return _without_fragment(urljoin(base, match.group(1).strip()))
    return None


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
