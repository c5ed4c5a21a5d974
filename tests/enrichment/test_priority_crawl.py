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


async def test_after_a_round_that_adds_nothing_weak_links_get_one_look() -> None:
    pages, app = await _crawl(
        {
            "/": '<a href="/contact">Contact</a><a href="/about">About</a>'
            '<a href="/services">Services</a><a href="/service-area">Service area</a>'
            " info@acme.com",
            "/contact": "info@acme.com",
            "/about": "info@acme.com",
            "/service-area": "Travis and Williamson counties",
            "/services": "never read",
        }
    )
    # The best weak link is read once the strong ones gave nothing new; it gives nothing
    # either, so the crawl stops there.
    assert pages == ["/", "/contact", "/about", "/service-area"]
    assert ("acme.com", "/services") not in app.seen


_SERVICE_LINKS = (
    '<a href="/services/ac-repair/">AC repair</a><a href="/services/furnaces/">Furnaces</a>'
    '<a href="/services/commercial-hvac/">Commercial HVAC</a>'
    '<a href="/services/duct-cleaning/">Duct cleaning</a>'
)
_SITE_WITH_AN_ADDRESS = {
    "/": '<a href="/contact">Contact</a><a href="/about">About</a>'
    '<a href="/services/">Services</a> footer: info@acme.com',
    "/contact": "info@acme.com",
    "/about": "info@acme.com",
    "/services/": _SERVICE_LINKS,
    "/services/ac-repair/": "AC repair, same day.",
    "/services/furnaces/": "Furnace tune-ups.",
    "/services/duct-cleaning/": "Duct cleaning.",
}


async def test_a_department_address_two_clicks_deep_behind_services_is_found() -> None:
    routes = _SITE_WITH_AN_ADDRESS | {
        "/services/commercial-hvac/": "Commercial accounts: commercial@acme.com"
    }
    pages, _ = await _crawl(routes, max_pages=20)
    # The home page already gave an address and the strong pages nothing new: the services
    # index still gets a look, and its children a round, the department's page first; that
    # round gave an address, so one more child is read, and it gives nothing.
    assert pages == [
        "/",
        "/contact",
        "/about",
        "/services/",
        "/services/commercial-hvac/",
        "/services/ac-repair/",
        "/services/furnaces/",
    ]


async def test_service_pages_without_an_address_cost_one_round_of_children() -> None:
    routes = _SITE_WITH_AN_ADDRESS | {
        "/": _SITE_WITH_AN_ADDRESS["/"] + '<a href="/locations/">Locations</a>',
        "/services/commercial-hvac/": "Commercial HVAC.",
        "/locations/": '<a href="/locations/round-rock/">Round Rock</a>'
        '<a href="/locations/georgetown/">Georgetown</a><a href="/locations/kyle/">Kyle</a>',
        "/locations/round-rock/": "Open 8-5.",
        "/locations/georgetown/": "Open 8-5.",
    }
    pages, _ = await _crawl(routes, max_pages=20)
    # A budget of 20 pages, and 6 are read: the look goes to the best weak link (locations),
    # its children get one round, and nothing new ends the crawl.
    assert pages == [
        "/",
        "/contact",
        "/about",
        "/locations/",
        "/locations/round-rock/",
        "/locations/georgetown/",
    ]


async def test_an_index_page_opens_a_full_round_of_its_children() -> None:
    pages, _ = await _crawl(
        {
            "/": '<a href="/contact">Contact</a><a href="/locations/">Locations</a>',
            "/contact": "info@acme.com",
            "/locations/": '<a href="/locations/round-rock/">Round Rock</a>'
            '<a href="/locations/kyle/">Kyle</a>',
            "/locations/round-rock/": "Open 8-5.",
            "/locations/kyle/": "Kyle branch: kyle@acme.com",
        },
        max_pages=20,
    )
    assert pages == ["/", "/contact", "/locations/", "/locations/round-rock/", "/locations/kyle/"]


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
