"""Find and check the emails of one website: crawl → extract → drop decoys → verify → rank."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from ravensearch.config import Settings
from ravensearch.enrichment.crawler import Crawler, Page
from ravensearch.enrichment.domains import registrable_domain
from ravensearch.enrichment.extract import Candidate, PageEmails, Rejected, extract_emails
from ravensearch.enrichment.netguard import HostResolver
from ravensearch.enrichment.ranking import (
    choose,
    merge_candidates,
    own_domains,
    rank,
    third_parties,
)
from ravensearch.enrichment.verify import DnsMxResolver, EmailVerifier, MxResolver, Verification
from ravensearch.errors import InvalidInput
from ravensearch.kit.closing import AsyncClosing
from ravensearch.targets.websites import normalize_website


class InvalidWebsite(InvalidInput):
    error = "invalid_website"


@dataclass(frozen=True)
class FoundEmail:
    email: str
    method: str
    page_url: str
    on_own_domain: bool
    score: int
    chosen: bool
    verification: Verification


@dataclass
class UrlReport:
    """What one website gave: its addresses best first, or why it could not be read."""

    url: str
    final_url: str | None = None
    error: str | None = None  # a CrawlError value
    detail: str | None = None
    emails: list[FoundEmail] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    requests: int = 0  # robots.txt requests included
    robots_txt: dict[str, str] = field(default_factory=dict)  # URL → RobotsStatus value

    @property
    def best(self) -> FoundEmail | None:
        return next((email for email in self.emails if email.chosen), None)


class Enricher(AsyncClosing):
    """A crawler and a verifier, plus how many sites to work on at once.

    Bound to the event loop it is first used on; close it with `aclose()`.
    """

    def __init__(self, crawler: Crawler, verifier: EmailVerifier, *, concurrency: int = 64):
        self.crawler = crawler
        self.verifier = verifier
        self.concurrency = concurrency

    async def aclose(self) -> None:
        await self.crawler.aclose()

    async def find(self, url: str) -> UrlReport:
        """Crawl `url` (an absolute http(s) URL) and return its checked addresses."""
        extracted: list[PageEmails] = []

        def read(page: Page) -> list[str]:
            found = extract_emails(page.document or page.html, page.url)
            extracted.append(found)
            return [candidate.email for candidate in found.candidates]

        crawl = await self.crawler.crawl(url, read)
        report = UrlReport(
            url=url,
            final_url=crawl.final_url,
            error=crawl.error,
            detail=crawl.detail,
            pages=[page.url for page in crawl.pages],
            requests=crawl.requests,
            robots_txt=crawl.robots_txt,
        )
        own = own_domains(url, crawl.final_url)
        candidates: list[Candidate] = []
        agencies: set[str] = set()
        for found in extracted:
            candidates.extend(found.candidates)
            report.rejected.extend(found.rejected)
            agencies |= found.agency_domains
        agencies -= own
        # An agency credited in one page's footer taints its address on every page.
        kept = [c for c in candidates if _domain(c.email) not in agencies]
        report.rejected.extend(
            Rejected(c.email, "web agency credit", c.page_url) for c in candidates if c not in kept
        )
        others = third_parties((c.email for c in kept), own)
        report.rejected.extend(
            Rejected(c.email, "another business's address", c.page_url)
            for c in kept
            if c.email in others
        )
        kept = [c for c in kept if c.email not in others]
        findings = merge_candidates(kept)
        checks = await asyncio.gather(*(self.verifier.verify(f.email) for f in findings))
        ranked = rank(findings, dict(zip((f.email for f in findings), checks, strict=True)), own)
        best = choose(ranked)
        report.emails = [
            FoundEmail(
                email=r.email,
                method=r.method.value,
                page_url=r.page_url,
                on_own_domain=r.on_own_domain,
                score=r.score,
                chosen=r is best,
                verification=r.verification,
            )
            for r in ranked
        ]
        return report


def _domain(email: str) -> str | None:
    return registrable_domain(email.rpartition("@")[2])


def build_enricher(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: HostResolver | None = None,
    mx_resolver: MxResolver | None = None,
) -> Enricher:
    """The enricher the settings describe; pass fakes for tests and mock mode."""
    crawler = Crawler(
        max_pages=settings.CRAWL_MAX_PAGES,
        timeout=settings.CRAWL_TIMEOUT_SECONDS,
        max_bytes=settings.CRAWL_MAX_BYTES,
        concurrency=settings.CRAWL_CONCURRENCY,
        user_agent=settings.USER_AGENT,
        allow_private_network=settings.ALLOW_PRIVATE_NETWORK,
        transport=transport,
        resolver=resolver,
    )
    verifier = EmailVerifier(
        mx_resolver or DnsMxResolver(timeout=min(5.0, settings.CRAWL_TIMEOUT_SECONDS))
    )
    return Enricher(crawler, verifier, concurrency=settings.CRAWL_CONCURRENCY)


def parse_website(url: str) -> str:
    """`acme.com` → `https://acme.com`; raises InvalidWebsite for anything not a web URL."""
    try:
        return normalize_website(url)
    except ValueError as exc:
        raise InvalidWebsite(str(exc)) from None


async def enrich_url(enricher: Enricher, url: str) -> UrlReport:
    """Everything one website gives, for `ravensearch enrich-url`.

    Raises:
        InvalidWebsite: `url` is not a web URL.
    """
    return await enricher.find(parse_website(url))
