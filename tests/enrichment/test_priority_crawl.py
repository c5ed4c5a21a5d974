"""The crawl by priority: strong links first, two clicks deep, stop when addresses stop coming."""

from __future__ import annotations

import re
from collections.abc import Collection

from ravensearch.enrichment.crawler import Page
from tests.enrichment.conftest import Reply, Sites, make_crawler

HOME = "https://acme.com/"


def _emails(page: Page) -> Collection[str]:
    return set(re.findall(r"[\w.]+@acme\.com", page.html))


async def _crawl(routes: dict[str, str], *, max_pages: int = 8) -> tuple[list[str], Sites]:
    app = Sites({("acme.com", path): Reply(body) for path, body in routes.items()})
    crawler = make_crawler(app, max_pages=max_pages)
    try:
        result = await crawler.crawl(HOME, _emails)
    finally:
        await crawler.aclose()
    return [re.sub(r"^https://(www\.)?acme\.com", "", page.url) for page in result.pages], app


async def test_two_clicks_deep_through_about_to_the_team_page() -> None:
    pages, _ = await _crawl(
        {
            "/": '<a href="/about-us/">About</a><a href="/gallery/">Gallery</a> info@acme.com',
            "/about-us/": '<a href="/about-us/crew/">Meet the crew</a>',
            "/about-us/crew/": '<a href="/about-us/crew/mike/">Mike</a> mike@acme.com',
            "/about-us/crew/mike/": "three clicks: never read",
        }
    )
    assert pages == ["/", "/about-us/", "/about-us/crew/"]


async def test_inner_pages_by_absolute_and_root_relative_links() -> None:
    pages, _ = await _crawl(
        {
            "/": '<a href="https://www.acme.com/careers/">Careers</a><a href="/billing">Pay bill</a>',
            "/careers/": "jobs@acme.com",
            "/billing": "billing@acme.com",
        }
    )
    assert pages == ["/", "/careers/", "/billing"]


async def test_stops_when_a_round_adds_no_address() -> None:
    pages, app = await _crawl(
        {
            "/": '<a href="/contact">Contact</a><a href="/about">About</a>'
            '<a href="/services">Services</a><a href="/service-area">Service area</a>'
            " info@acme.com",
            "/contact": "info@acme.com",
            "/about": "info@acme.com",
        }
    )
    # Both strong links read; the weak ones only if that round had turned up something.
    assert pages == ["/", "/contact", "/about"]
    assert ("acme.com", "/services") not in app.seen


async def test_weak_links_are_read_while_nothing_is_found() -> None:
    pages, _ = await _crawl(
        {
            "/": '<a href="/contact">Contact</a><a href="/services/">Services</a>',
            "/contact": "<form></form>",
            "/services/": '<a href="/services/ac/">AC repair</a>',
            "/services/ac/": "book AC repair: ac@acme.com",
        }
    )
    assert pages == ["/", "/contact", "/services/", "/services/ac/"]


async def test_links_with_no_hint_are_never_read() -> None:
    _, app = await _crawl({"/": '<a href="/gallery">Gallery</a><a href="/blog">Blog</a>'})
    assert {path for _, path in app.seen} == {"/", "/robots.txt", "/contact", "/contact-us"}


async def test_the_page_budget_holds_across_rounds() -> None:
    links = "".join(f'<a href="/team-{n}">Team {n}</a>' for n in range(10))
    routes = {"/": links} | {f"/team-{n}": f"t{n}@acme.com" for n in range(10)}
    pages, _ = await _crawl(routes, max_pages=5)
    assert len(pages) == 5
