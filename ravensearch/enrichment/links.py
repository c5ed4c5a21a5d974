"""HTML → where the crawler goes next: same-site contact/about pages and meta refreshes (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from ravensearch.enrichment.domains import same_site

# (pattern over the lower-cased path and link text, score): contact pages first, then the
# pages small businesses put an address on (sources.md §3.2): who they are, who to write
# to for a job, a bill, a permit or a warranty claim. Links scoring STRONG or more are
# always worth a page; weaker ones as the crawler's rounds allow (crawler.py). Among the
# weak ones, a department's or a branch's page comes before an ordinary service's: it is
# the one likely to give its own address.
STRONG = 4
MAX_DEPTH = 2  # home → about → team; home → services → one service
_HINTS = (
    (re.compile(r"contact"), 10),
    (re.compile(r"get[\s_-]*in[\s_-]*touch|reach[\s_-]*(us|out)|e-?mail[\s_-]*us"), 9),
    (re.compile(r"inquir|enquir|imprint|impressum"), 6),
    (re.compile(r"about"), 6),
    (re.compile(r"team|staff|crew|our[\s_-]*company|who[\s_-]*we[\s_-]*are|leadership"), 5),
    (re.compile(r"career|jobs?\b|hiring|employment|join[\s_-]*(us|our)|work[\s_-]*with"), 5),
    (re.compile(r"billing|payments?\b|pay[\s_-]*(your[\s_-]*)?(online|bill)|invoice"), 5),
    (re.compile(r"permit|warrant|schedul|appointment|book[\s_-]*(now|online)"), 4),
    (re.compile(r"request[\s_-]*service|estimate|quote|financing"), 3),
    (re.compile(r"service[\s_-]*area|areas[\s_-]*we|locations?\b|offices?\b|branch"), 3),
    (re.compile(r"commercial|industrial|department|division|builders?\b|property[\s_-]*manag"), 3),
    (re.compile(r"services?\b"), 2),
)
_SKIPPED_PATH = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|webp|svg|ico|css|js|xml|zip|mp4|mp3|docx?)$"
    r"|/(?:wp-json|wp-admin|wp-login|feed|xmlrpc|cart|checkout|login|tag|category)(?:/|$)"
    r"|privacy|terms|cookie",
)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Navigation:
    contact_links: list[str]  # same-site links with a hint, best first
    refresh_url: str | None
    scores: dict[str, int] = field(default_factory=dict)  # link → its hint score


def parse_navigation(html: str | LexborHTMLParser, page_url: str) -> Navigation:
    """Where to go from the page at `page_url` (HTML text or an already parsed document)."""
    tree = LexborHTMLParser(html) if isinstance(html, str) else html
    base = page_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(page_url, base_node.attributes.get("href") or "")
    scores = _scored_links(tree, base, page_url)
    # sorted() is stable: equal scores keep the page's order.
    ordered = sorted(scores, key=lambda url: -scores[url])
    return Navigation(contact_links=ordered, refresh_url=_refresh(tree, base), scores=scores)


def _scored_links(tree: LexborHTMLParser, base: str, page_url: str) -> dict[str, int]:
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
    return scores


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


class Lead(NamedTuple):
    url: str
    depth: int
    strong: bool


class Frontier:
    """Links not read yet, best score first (page order among equals), each at its depth."""

    def __init__(self, home: str) -> None:
        self._seen = {home}
        self._links: dict[str, tuple[int, int]] = {}  # url → (score, depth)

    def __bool__(self) -> bool:
        return bool(self._links)

    def add(self, navigation: Navigation, *, depth: int) -> bool:
        """Queue the links not seen before; False if there was none."""
        added = False
        for link in navigation.contact_links:
            if link not in self._seen:
                self._seen.add(link)
                self._links[link] = (navigation.scores.get(link, 0), depth)
                added = True
        return added

    def has_strong(self) -> bool:
        return any(score >= STRONG for score, _ in self._links.values())

    def add_probes(self, links: list[str]) -> None:
        for link in links:
            if link not in self._seen:
                self._seen.add(link)
                self._links[link] = (STRONG, MAX_DEPTH)

    def pop(self, *, strong_only: bool) -> Lead | None:
        """The best link left (None if none, or only weak ones and `strong_only`)."""
        best = max(self._links, key=lambda link: self._links[link][0], default=None)
        if best is None or (strong_only and self._links[best][0] < STRONG):
            return None
        score, depth = self._links.pop(best)
        return Lead(best, depth, score >= STRONG)
