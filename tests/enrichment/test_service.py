"""The whole pipeline (crawl → extract → drop decoys → verify → rank) over the local corpus."""

from __future__ import annotations

import pytest

from ravensearch.config import Settings
from ravensearch.enrichment.crawler import Crawler
from ravensearch.enrichment.service import Enricher, InvalidWebsite, build_enricher, enrich_url
from ravensearch.enrichment.verify import MxStatus
from tests.enrichment.conftest import make_enricher

# site → (addresses with the method that found them, the chosen one)
EXPECTED: dict[str, tuple[set[tuple[str, str]], str | None]] = {
    "acme-plumbing": (
        {
            (f"{local}@acme-plumbing.com", "mailto")
            for local in ("office", "dispatch", "billing", "owner", "emergency")
        },
        "office@acme-plumbing.com",
    ),
    "coolbreeze-hvac": (
        {("info@coolbreeze-hvac.com", "text"), ("tech@coolbreeze-hvac.com", "text")},
        "info@coolbreeze-hvac.com",
    ),
    "sparky-electric": (
        {
            (f"{local}@sparky-electric.com", "obfuscated")
            for local in ("sparky", "office", "billing", "jobs", "estimates")
        },
        "sparky@sparky-electric.com",
    ),
    "topnotch-roofing": (
        {
            ("estimates@topnotch-roofing.com", "cloudflare"),
            ("crew@topnotch-roofing.com", "cloudflare"),
        },
        "estimates@topnotch-roofing.com",
    ),
    "brightside-locksmith": (
        {
            (f"{local}@brightside-locksmith.com", "jsonld")
            for local in ("keys", "dispatch", "repairs")
        }
        | {
            (f"{local}@brightside-locksmith.com", "microdata")
            for local in ("owner", "safes", "frontdesk")
        },
        "keys@brightside-locksmith.com",
    ),
    "garage-pros": (
        {("sales@garage-pros.com", "reversed")}
        | {(f"{local}@garage-pros.com", "attribute") for local in ("hello", "service", "doors")}
        | {("quotes@garage-pros.com", "form")},  # a hidden input of the form
        "sales@garage-pros.com",
    ),
    "pest-away": (
        {("pestaway.tx@gmail.com", "mailto"), ("orders@pestsupplyco.com", "text")},
        "pestaway.tx@gmail.com",
    ),
}
DECOYS = {
    "acme-plumbing": {"logo@2x.png": "asset file name", "truck@3x.jpg": "asset file name"},
    "coolbreeze-hvac": {
        "name@yourdomain.com": "placeholder",
        "user@email.com": "placeholder",
        "email@domain.com": "placeholder",
    },
    "topnotch-roofing": {
        "bootstrap@5.3.0.min.css": "package version",
        "vue@3.4.21.min.js": "package version",
    },
    "garage-pros": {
        "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com": "platform or monitoring address",
        "3f1b2c@o450123.ingest.sentry.io": "platform or monitoring address",
        "noreply@wix.com": "platform or monitoring address",
        "no-reply@squarespace.com": "platform or monitoring address",
    },
    "pest-away": {
        "hello@pixelforge.design": "web agency credit",
        "support@bluefindigital.net": "web agency credit",
        "team@growthcrew.co": "web agency credit",
        "studio@webnest.agency": "web agency credit",
    },
}


@pytest.mark.parametrize("site", sorted(EXPECTED))
async def test_corpus_site(corpus_enricher: Enricher, site: str) -> None:
    report = await enrich_url(corpus_enricher, f"{site}.com")
    found = {(email.email, email.method) for email in report.emails}
    expected, best = EXPECTED[site]
    assert found == expected
    assert report.best is not None
    assert report.best.email == best
    assert all(email.verification.verdict == "valid" for email in report.emails)
    rejected = {r.email: r.reason for r in report.rejected}
    assert rejected.items() >= DECOYS.get(site, {}).items()


async def test_page_and_flags_are_recorded(corpus_enricher: Enricher) -> None:
    report = await enrich_url(corpus_enricher, "https://pest-away.com")
    best = report.best
    assert best is not None
    assert (best.page_url, best.on_own_domain) == ("https://pest-away.com/contact", False)
    assert (best.verification.is_free, best.verification.is_role) == (True, False)
    other = next(e for e in report.emails if e.email == "orders@pestsupplyco.com")
    assert other.score < best.score


async def test_only_invalid_addresses_choose_nothing() -> None:
    async with make_enricher(mx={"topnotch-roofing.com": MxStatus.no_domain}) as enricher:
        report = await enrich_url(enricher, "topnotch-roofing.com")
    assert report.best is None
    assert {e.verification.verdict for e in report.emails} == {"invalid"}


@pytest.mark.parametrize("url", ["", "not a url", "ftp://acme.com", "http://localhost"])
async def test_bad_url_is_an_input_error(corpus_enricher: Enricher, url: str) -> None:
    with pytest.raises(InvalidWebsite):
        await enrich_url(corpus_enricher, url)


async def test_build_enricher_follows_the_settings() -> None:
    settings = Settings(
        _env_file=None,
        RAVENSEARCH_CRAWL_MAX_PAGES=3,
        RAVENSEARCH_CRAWL_TIMEOUT_SECONDS=4,
        RAVENSEARCH_ALLOW_PRIVATE_NETWORK=True,
        RAVENSEARCH_CRAWL_CONCURRENCY=7,
    )
    async with build_enricher(settings) as enricher:
        crawler: Crawler = enricher.crawler
        assert (crawler.max_pages, crawler.timeout, enricher.concurrency) == (3, 4, 7)
        assert crawler.guard.allow_private_network is True
