from __future__ import annotations

import dataclasses
import time

import httpx
import pytest

from ravensearch.enrichment.crawler import Crawler
from ravensearch.enrichment.fake_web import (
    STYLES,
    RobotsFile,
    SiteSpec,
    create_fake_web_app,
    generate_sites,
    mock_network,
    render_page,
)
from ravensearch.enrichment.service import Enricher, enrich_url
from ravensearch.enrichment.verify import EmailVerifier, StaticMxResolver
from ravensearch.sources import universe

GENERATED = generate_sites(len(STYLES) * 4)
SITES = {site.style: site for site in GENERATED}


def _enricher(lookup: object, **kwargs: object) -> Enricher:
    transport, resolver = mock_network(lookup, **kwargs)  # type: ignore[arg-type]
    crawler = Crawler(transport=transport, resolver=resolver)
    return Enricher(crawler, EmailVerifier(StaticMxResolver()))


@pytest.mark.parametrize("site", GENERATED, ids=lambda site: f"{site.style}-{site.domain}")
async def test_every_style_gives_back_its_email_and_no_decoy(site: SiteSpec) -> None:
    async with _enricher({site.domain: site}.get) as enricher:
        report = await enrich_url(enricher, f"https://www.{site.domain}/")
    assert (report.best.email if report.best else None) == site.email
    assert [e.email for e in report.emails] == ([site.email] if site.email else [])
    assert report.requests <= 6  # robots.txt and the look at a weak link (services) included
    assert {r.reason for r in report.rejected} >= {"asset file name"}


def test_pages_and_404s() -> None:
    site = SiteSpec(
        "Apex Plumbing", "apexplumbing.com", "info@apexplumbing.com", "contact_page", "Austin", "TX"
    )
    assert render_page(site, "/get-in-touch") is not None
    assert render_page(site, "/contact") is None
    assert "Website by" in (render_page(site, "/") or "")


async def test_host_selects_the_site_and_latency_applies() -> None:
    site = SITES["mailto"]
    app = create_fake_web_app({site.domain: site}.get, latency_seconds=0.05)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        started = time.monotonic()
        found = await client.get(f"http://www.{site.domain}:8080/contact")
        elapsed = time.monotonic() - started
        missing = await client.get("http://unknown-site.com/")
    assert found.status_code == 200
    assert site.email
    assert site.email in found.text
    assert elapsed >= 0.05
    assert missing.status_code == 404


async def test_the_universe_site_specs_fit() -> None:
    site = universe.SiteSpec(
        business_name="Liberty HVAC",
        domain="libertyhvactx.com",
        email="office@libertyhvactx.com",
        style="obfuscated",
        city="Austin",
        state="TX",
        phone="(512) 555-0100",
    )
    async with _enricher({site.domain: site}.get) as enricher:
        report = await enrich_url(enricher, site.domain)
    assert report.best is not None
    assert (report.best.email, report.best.method) == ("office@libertyhvactx.com", "obfuscated")


def _with_robots(style: str, robots: RobotsFile) -> SiteSpec:
    return dataclasses.replace(SITES[style], robots=robots)


async def test_robots_txt_disallowing_everything_stops_the_crawl() -> None:
    site = _with_robots("mailto", RobotsFile("User-agent: *\nDisallow: /\n"))
    async with _enricher({site.domain: site}.get) as enricher:
        report = await enrich_url(enricher, site.domain)
    assert (report.error, report.pages, report.requests) == ("robots_disallowed", [], 1)


async def test_robots_txt_disallowing_the_contact_page_hides_its_email() -> None:
    site = _with_robots("contact_page", RobotsFile("User-agent: *\nDisallow: /get-in-touch\n"))
    async with _enricher({site.domain: site}.get) as enricher:
        report = await enrich_url(enricher, site.domain)
    assert report.error is None
    assert not any(page.endswith("/get-in-touch") for page in report.pages)
    assert report.emails == []


async def test_robots_txt_answering_500_is_read_as_no_rules() -> None:
    site = _with_robots("mailto", RobotsFile("oops", status=500))
    async with _enricher({site.domain: site}.get) as enricher:
        report = await enrich_url(enricher, site.domain)
    assert report.best is not None
    assert report.best.email == site.email
    assert list(report.robots_txt.values()) == ["unavailable"]


async def test_sites_without_robots_txt_answer_404() -> None:
    site = SITES["mailto"]
    app = create_fake_web_app({site.domain: site}.get)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        missing = await client.get(f"http://{site.domain}/robots.txt")
    site = _with_robots("mailto", RobotsFile("User-agent: *\nDisallow: /\n"))
    app = create_fake_web_app({site.domain: site}.get)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        found = await client.get(f"http://{site.domain}/robots.txt")
    assert missing.status_code == 404
    assert (found.status_code, found.headers["content-type"]) == (200, "text/plain; charset=utf-8")
