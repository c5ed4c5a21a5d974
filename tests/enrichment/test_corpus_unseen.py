"""The unseen corpus is well formed: what it calls readable is readable, decoys are there.

This checks the corpus, not the finder: a small reader written here (text as a browser joins
it, attributes, mail links, Cloudflare's encoding, JSON-LD, the usual `[at]`/`dot` spellings)
must read every true address on its site, and every decoy must be on its site.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import pytest

from ravensearch.enrichment.corpus import generate_corpus
from ravensearch.enrichment.corpus_unseen import UnseenSite, generate_unseen_corpus
from ravensearch.enrichment.corpus_unseen_parts import page_key
from ravensearch.enrichment.fake_web import create_fake_web_app, generate_sites

SITES = generate_unseen_corpus()
_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "section",
    "footer",
    "header",
    "nav",
    "main",
    "article",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "tr",
    "td",
    "th",
    "table",
    "form",
    "label",
    "figure",
    "button",
    "body",
    "html",
    "title",
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\xad"))


def _cloudflare(hexed: str) -> str:
    key = int(hexed[:2], 16)
    return bytes(int(hexed[i : i + 2], 16) ^ key for i in range(2, len(hexed), 2)).decode()


class _Reader(HTMLParser):
    """What a person (or a screen reader) can take from one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.values: list[str] = []
        self.links: list[str] = []
        self._buffer: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()
        if tag in ("script", "style"):
            self._script = dict(attrs).get("type") or tag
        for name, value in attrs:
            if value is None:
                continue
            if name in ("alt", "title", "aria-label", "value", "content"):
                self.values.append(value)
            elif name == "data-cfemail":
                self.values.append(_cloudflare(value))
            elif name in ("href", "action"):
                self._link(tag, value)

    def _link(self, tag: str, value: str) -> None:
        scheme, _, rest = value.partition(":")
        if scheme.lower() == "mailto":
            self.values.append(unquote(rest.split("?", 1)[0]))
        elif "/cdn-cgi/l/email-protection#" in value:
            self.values.append(_cloudflare(value.rsplit("#", 1)[1]))
        elif tag == "a" and "/cdn-cgi/" not in value:  # Cloudflare's own page, not the site's
            self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._script = None
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._script == "application/ld+json":
            self.values.extend(_jsonld_emails(json.loads(data)))
        elif self._script is None:
            self._buffer.append(data)

    def _flush(self) -> None:
        if self._buffer:
            self.chunks.append("".join(self._buffer))
            self._buffer = []

    def readable(self) -> list[str]:
        self._flush()
        return [_deobfuscate(text) for text in (*self.chunks, *self.values)]


def _jsonld_emails(node: Any) -> list[str]:
    if isinstance(node, list):
        return [email for item in node for email in _jsonld_emails(item)]
    if not isinstance(node, dict):
        return []
    found = [str(node["email"]).removeprefix("mailto:")] if "email" in node else []
    return found + [email for value in node.values() for email in _jsonld_emails(value)]


def _deobfuscate(text: str) -> str:
    text = text.translate(_INVISIBLE).lower()
    text = re.sub(r"\s*[\[({]\s*at\s*[\])}]\s*", "@", text)
    text = re.sub(r"\s*[\[({]\s*dot\s*[\])}]\s*", ".", text)
    return re.sub(r"\s+dot\s+", ".", re.sub(r"\s+at\s+", "@", text))


def _read(site: UnseenSite) -> tuple[str, list[str], dict[str, list[str]]]:
    raw, readable, links = "", [], {}
    for key, page in site.pages.items():
        reader = _Reader()
        reader.feed(page)
        raw += page.lower()
        readable += reader.readable()
        links[key] = reader.links
    return raw, readable, links


def test_enough_sites_each_on_its_own_domain() -> None:
    domains = [site.domain for site in SITES]
    assert len(SITES) >= 60
    assert len(set(domains)) == len(domains)
    others = {site.domain for site in generate_corpus()} | {s.domain for s in generate_sites(400)}
    assert not set(domains) & others


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.domain)
def test_truth_is_readable_and_decoys_are_present(site: UnseenSite) -> None:
    raw, readable, _ = _read(site)
    for email in site.truth:
        assert any(email in text for text in readable), email
        assert email not in site.decoys | site.neutral
    for decoy in site.decoys:
        assert decoy in raw or any(decoy in text for text in readable), decoy
    for email in site.neutral:  # only there once a script runs or CSS turns it around
        assert not any(email in text for text in readable), email


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.domain)
def test_every_link_leads_to_a_page_and_every_page_is_linked(site: UnseenSite) -> None:
    _, _, links = _read(site)
    reached = {"/"}
    for key, hrefs in links.items():
        page_url = key.rstrip("/") if re.search(r"\.html?/$", key) else key
        for href in hrefs:
            absolute = href.replace("{ORIGIN}", f"http://{site.domain}").replace("{PORT}", "")
            parts = urlsplit(urljoin(f"http://{site.domain}{page_url}", absolute))
            if (parts.hostname or "").removeprefix("www.") != site.domain:
                continue  # an agency's or a builder's site
            assert page_key(parts.path) in site.pages, (key, href)
            reached.add(page_key(parts.path))
    assert reached == set(site.pages)


def test_every_way_of_showing_an_address_is_there_more_than_once() -> None:
    ways = Counter(found.way for site in SITES for found in site.truth.values())
    assert len(ways) >= 18
    assert min(ways.values()) >= 2, ways
    places = Counter(found.where for site in SITES for found in site.truth.values())
    assert places["2 clicks deep"] >= 4
    assert places["other inner page"] >= 4
    assert sum(1 for site in SITES if not site.truth) >= 5
    assert sum(1 for site in SITES if len(site.truth) > 1) >= 10
    kinds = " ".join(decoy for site in SITES for decoy in site.decoys)
    for kind in ("@2x.png", "@3x.webp", "@5.3.2", "sentry", "example.com", "yourdomain.com"):
        assert kind in kinds


async def test_the_fake_web_server_serves_the_pages_as_linked() -> None:
    by_domain = {site.domain: site for site in SITES}
    app = create_fake_web_app(by_domain.get)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        upper = await client.get("http://baytownroofing.com/Contact-Us.html?from=nav")
        lower = await client.get("http://baytownroofing.com/contact-us.html")
        www = await client.get("http://www.elginheatingair.com:8000/contact-us/")
    assert upper.status_code == 200
    assert "@\u200cbaytownroofing.com" in upper.text
    assert lower.status_code == 404
    assert www.status_code == 200
    assert 'href="http://www.elginheatingair.com:8000/about-us/"' in www.text
