"""The only code that fetches arbitrary websites: a polite, bounded, SSRF-safe crawl of one site.

A crawl reads the home page, then same-site pages by priority (`links.py` scores each link
by words in its URL and text), in rounds of two, up to two clicks from the home page and
`max_pages` in all. Links to contact, about, team, careers, billing … pages are always
followed. Weaker ones (services, locations, departments) fill the rounds while no address
was found; after that, what the last round gave decides:
- new links one click further (an index of services or locations): a round of them;
- new addresses: one weak link beside the strong ones;
- nothing: the crawl stops, except that weak links get one look first (the best of them,
  once the strong ones are read), since a department's or a branch's address is often on
  a service or location page that a site's own contact page never shows.
`/contact` and `/contact-us` are probed when no page is linked at all.
Each origin's robots.txt is read once per crawler before its first page: a page it
disallows is never fetched, and its `Crawl-delay` (capped) spaces that origin's requests.
Redirects, including `<meta http-equiv="refresh">`, are followed by hand so that every hop
is checked by the `AddressGuard` before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from selectolax.lexbor import LexborHTMLParser

from ravensearch.enrichment.domains import same_site, social_domain
from ravensearch.enrichment.links import MAX_DEPTH, Frontier, Navigation, parse_navigation
from ravensearch.enrichment.netguard import (
    AddressGuard,
    HostNotFound,
    HostResolver,
    PrivateAddressRefused,
    SystemHostResolver,
    pinned_transport,
)
from ravensearch.enrichment.pools import Borrowed, HostSlots
from ravensearch.enrichment.robots import (
    ROBOTS_MAX_BYTES,
    RobotsCache,
    RobotsRules,
    RobotsStatus,
    origin_of,
    product_token,
)

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
PROBE_PATHS = ("/contact", "/contact-us")
PAGES_PER_ROUND = 2  # the per-host limit: a bigger round would queue on it
# Tells the crawler which addresses a page shows, so it can stop when a site gives no more.
PageReader = Callable[["Page"], Collection[str]]
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ROBOTS_HEADERS = {"Accept": "text/plain"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class CrawlError(StrEnum):
    invalid_url = "invalid_url"
    social_site = "social_site"
    private_address = "private_address"
    host_not_found = "host_not_found"
    unreachable = "unreachable"
    timeout = "timeout"
    http_status = "http_status"
    not_html = "not_html"
    too_many_redirects = "too_many_redirects"
    left_site = "left_site"  # a contact page redirected to another site (never the home page)
    robots_disallowed = "robots_disallowed"  # the home page (or a hop to it) is disallowed


_EXPLANATIONS = {
    CrawlError.invalid_url: "invalid website URL",
    CrawlError.social_site: "social-only website ({detail})",
    CrawlError.private_address: "refused: website resolves to a private address ({detail})",
    CrawlError.host_not_found: "unreachable: host not found",
    CrawlError.unreachable: "unreachable: {detail}",
    CrawlError.timeout: "timed out: {detail}",
    CrawlError.http_status: "website answered {detail}",
    CrawlError.not_html: "website is not HTML ({detail})",
    CrawlError.too_many_redirects: "too many redirects",
    CrawlError.left_site: "website redirected to another site ({detail})",
    CrawlError.robots_disallowed: "the website's robots.txt asks crawlers not to read it",
}


def explain_crawl_error(error: CrawlError, detail: str | None) -> str:
    """One line for people: `social-only website (facebook.com)`."""
    return _EXPLANATIONS[error].format(detail=(detail or "")[:200])


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    html: str
    truncated: bool = False
    # The parsed `html`, kept so extraction does not parse the page a second time.
    document: LexborHTMLParser | None = field(default=None, repr=False, compare=False)


@dataclass
class CrawlResult:
    url: str
    final_url: str | None = None
    pages: list[Page] = field(default_factory=list)
    error: str | None = None  # a CrawlError value when the home page could not be read
    detail: str | None = None
    requests: int = 0  # robots.txt requests included
    # Each robots.txt consulted (URL → a RobotsStatus value), cached ones included.
    robots_txt: dict[str, str] = field(default_factory=dict)


class _Failure(Exception):
    def __init__(self, error: CrawlError, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


@dataclass(frozen=True)
class _Fetched:
    status: int
    content_type: str
    location: str | None
    body: bytes
    truncated: bool


@dataclass(frozen=True)
class _Visit:
    client: httpx.AsyncClient
    result: CrawlResult


class Crawler:
    """Fetches a site's home and contact pages within the page, byte, time and host limits."""

    def __init__(
        self,
        *,
        max_pages: int = 6,
        timeout: float = 10.0,
        max_bytes: int = 2_000_000,
        concurrency: int = 64,
        per_host: int = 2,
        user_agent: str = "Ravensearch",
        allow_private_network: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: HostResolver | None = None,
    ) -> None:
        self.max_pages = max_pages
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.guard = AddressGuard(
            resolver or SystemHostResolver(), allow_private_network=allow_private_network
        )
        self._transport = transport
        self._ssl_context: ssl.SSLContext | None = None
        self._headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml"}
        self._robots_agent = product_token(user_agent)
        self._robots = RobotsCache()
        self._robots_fetches = HostSlots(1)
        self._requests = asyncio.Semaphore(concurrency)
        self._hosts = HostSlots(per_host)
        self._site_limits = httpx.Limits(max_connections=2 * per_host)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    def _site_client(self) -> httpx.AsyncClient:
        # One small connection pool per crawl: a site is never visited again, and httpcore
        # scans every pooled connection on each request, so one pool shared by hundreds of
        # sites would cost more CPU per request than parsing the page.
        if self._transport is not None:
            transport: httpx.AsyncBaseTransport = Borrowed(self._transport)
        else:
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context(trust_env=False)
            transport = pinned_transport(
                self.guard, limits=self._site_limits, ssl_context=self._ssl_context
            )
        return httpx.AsyncClient(
            transport=transport,
            headers=self._headers,
            timeout=self.timeout,
            follow_redirects=False,
            trust_env=False,
        )

    async def crawl(self, url: str, reader: PageReader | None = None) -> CrawlResult:
        """Read the site at `url` (absolute http/https); a failure is in `error`, never raised.

        `reader` gives the addresses on each page read; without it every page the budget
        allows is read.
        """
        result = CrawlResult(url=url)
        async with self._site_client() as client:
            visit = _Visit(client, result)
            try:
                home, navigation = await self._follow(url, visit, site=None)
            except _Failure as failure:
                result.error, result.detail = failure.error, failure.detail
                return result
            result.final_url = home.url
            result.pages.append(home)
            frontier = Frontier(home.url)
            frontier.add(navigation, depth=1)
            if not frontier.has_strong():
                frontier.add_probes([urljoin(home.url, path) for path in PROBE_PATHS])
            found = set(reader(home)) if reader else set()
            await self._read_by_priority(frontier, found, visit, reader)
        return result

    async def _read_by_priority(
        self, frontier: Frontier, found: set[str], visit: _Visit, reader: PageReader | None
    ) -> None:
        budget = self.max_pages - 1
        # What the last round gave decides how many weak links the next one may hold (see
        # the module's docstring); the home page counts as a round that gave its addresses.
        gave_links, gave_addresses, look = False, bool(found), True
        # A site gets a budget as well as each request, so a tarpit cannot hold a worker.
        deadline = asyncio.get_running_loop().time() + self.timeout * 3
        while budget > 0:
            if not found or gave_links:
                weak = PAGES_PER_ROUND
            elif gave_addresses:
                weak = 1
            else:  # the look waits for the strong links: a round of them cannot spend it
                weak = int(look and not frontier.has_strong())
            batch: list[tuple[str, int]] = []
            while len(batch) < min(budget, PAGES_PER_ROUND):
                lead = frontier.pop(strong_only=weak == 0)
                if lead is None:
                    break
                # Dropped before the page budget is shared out, so they cost no slot.
                if (await self._robots_rules(lead.url, visit)).allows(lead.url):
                    batch.append((lead.url, lead.depth))
                    weak -= not lead.strong
                    look = look and lead.strong
            if not batch:
                return
            budget -= len(batch)
            remaining = deadline - asyncio.get_running_loop().time()
            read = await self._fetch_subpages(batch, visit, timeout=remaining)
            if read:  # a round of 404s says nothing about whether the site has more
                gave_links = gave_addresses = False
            for page, navigation, depth in read:
                new = set(reader(page)) - found if reader else set()
                if depth < MAX_DEPTH:
                    gave_links |= frontier.add(navigation, depth=depth + 1)
                gave_addresses, found = gave_addresses or bool(new), found | new

    async def _fetch_subpages(
        self, links: list[tuple[str, int]], visit: _Visit, *, timeout: float
    ) -> list[tuple[Page, Navigation, int]]:
        result = visit.result

        async def fetch(link: str) -> tuple[Page, Navigation] | None:
            try:
                return await self._follow(link, visit, site=result.final_url)
            except _Failure as failure:
                log.debug("crawl.page.skipped url=%s error=%s", link, failure.error)
                return None

        tasks = [asyncio.create_task(fetch(link)) for link, _ in links]
        done, pending = await asyncio.wait(tasks, timeout=max(0.0, min(timeout, self.timeout * 2)))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        seen = {page.url for page in result.pages}
        read = []
        for task, (_, depth) in zip(tasks, links, strict=True):
            if task in done and (fetched := task.result()) is not None:
                page, navigation = fetched
                if page.url not in seen:
                    seen.add(page.url)
                    result.pages.append(page)
                    read.append((page, navigation, depth))
        return read

    async def _follow(
        self, url: str, visit: _Visit, *, site: str | None
    ) -> tuple[Page, Navigation]:
        """GET `url`, following up to MAX_REDIRECTS redirects; `site` keeps hops on one site."""
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Failure(CrawlError.invalid_url, f"not a web URL: {url}")
            if not parts.path:
                url = urlunsplit(parts._replace(path="/"))
            if site is None and (social := social_domain(url)):
                raise _Failure(CrawlError.social_site, social)
            if site is not None and not same_site(url, site):
                raise _Failure(CrawlError.left_site, url)
            robots = await self._robots_rules(url, visit)
            if not robots.allows(url):
                raise _Failure(CrawlError.robots_disallowed, url)
            await robots.wait_turn()
            fetched = await self._fetch(url, visit)
            if fetched.location is not None:
                url = urljoin(url, fetched.location)
                continue
            if not 200 <= fetched.status < 300:
                raise _Failure(CrawlError.http_status, f"HTTP {fetched.status}")
            if not _is_html(fetched.content_type):
                raise _Failure(CrawlError.not_html, fetched.content_type or "no content type")
            html = _decode(fetched.body, fetched.content_type)
            document = LexborHTMLParser(html)
            navigation = parse_navigation(document, url)
            if navigation.refresh_url and navigation.refresh_url != url:
                url = navigation.refresh_url
                continue
            return Page(url, fetched.status, html, fetched.truncated, document), navigation
        raise _Failure(CrawlError.too_many_redirects, f"more than {MAX_REDIRECTS} redirects")

    async def _robots_rules(self, url: str, visit: _Visit) -> RobotsRules:
        """The rules of `url`'s origin, read once per origin for the crawler's life."""
        origin = origin_of(url)
        rules = self._robots.get(origin)
        if rules is None:
            # One read per origin even when crawls reach it at once: the others wait, then
            # find it cached. A cancelled reader frees the slot and the next one reads.
            async with self._robots_fetches.hold(origin):
                rules = self._robots.get(origin)
                if rules is None:
                    rules = await self._read_robots(f"{origin}/robots.txt", visit)
                    self._robots.put(origin, rules)
        visit.result.robots_txt[rules.url] = rules.status
        return rules

    async def _read_robots(self, robots_url: str, visit: _Visit) -> RobotsRules:
        url = robots_url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                fetched = await self._fetch(url, visit, robots_txt=True)
            except _Failure as failure:
                # Timeout, unreachable, or a hop refused by the SSRF guard (that address is
                # never dialled): read as no rules rather than failing the crawl here. If the
                # site is down, fetching the home page says so, with the precise reason.
                log.debug("crawl.robots.unavailable url=%s error=%s", url, failure.error)
                break
            if fetched.location is None:
                answer = (fetched.status, fetched.body, fetched.truncated)
                return RobotsRules.from_answer(robots_url, *answer, agent=self._robots_agent)
            url = urljoin(url, fetched.location)
        return RobotsRules(robots_url, RobotsStatus.unavailable)

    async def _fetch(self, url: str, visit: _Visit, *, robots_txt: bool = False) -> _Fetched:
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            async with self._hosts.hold(host), self._requests, asyncio.timeout(self.timeout):
                # Checked before the request whatever the transport; the default transport
                # then dials exactly these checked addresses (see netguard.py).
                await self.guard.addresses(host, parts.port or _default_port(parts.scheme))
                visit.result.requests += 1
                return await self._get(visit.client, url, robots_txt=robots_txt)
        except PrivateAddressRefused as exc:
            raise _Failure(CrawlError.private_address, exc.address) from None
        except HostNotFound:
            raise _Failure(CrawlError.host_not_found, host) from None
        except (TimeoutError, httpx.TimeoutException):
            raise _Failure(CrawlError.timeout, f"no answer within {self.timeout:g} s") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise _Failure(CrawlError.invalid_url, str(exc)) from None
        except httpx.HTTPError as exc:
            raise _Failure(CrawlError.unreachable, str(exc) or type(exc).__name__) from None

    async def _get(self, client: httpx.AsyncClient, url: str, *, robots_txt: bool) -> _Fetched:
        # robots.txt is read whatever its declared type: servers label it every which way.
        headers, max_bytes = (
            (_ROBOTS_HEADERS, ROBOTS_MAX_BYTES) if robots_txt else (None, self.max_bytes)
        )
        async with client.stream("GET", url, headers=headers) as response:
            content_type = response.headers.get("content-type", "").lower()
            location = response.headers.get("location")
            if response.is_redirect and location:
                return _Fetched(response.status_code, content_type, location, b"", False)
            if not (response.is_success and (robots_txt or _is_html(content_type))):
                return _Fetched(response.status_code, content_type, None, b"", False)
            body = bytearray()
            truncated = False
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) >= max_bytes:
                    truncated = True
                    del body[max_bytes:]
                    break
            return _Fetched(response.status_code, content_type, None, bytes(body), truncated)


def _is_html(content_type: str) -> bool:
    # No Content-Type at all is common on hand-made sites; browsers sniff it as HTML.
    return not content_type or content_type.startswith(_HTML_TYPES)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _decode(body: bytes, content_type: str) -> str:
    charset = None
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";", 1)[0].strip(" \"'")
    elif match := _CHARSET.search(body[:2048]):
        charset = match.group(1).decode("ascii", "ignore")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
