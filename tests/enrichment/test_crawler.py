from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ravensearch.enrichment.crawler import CrawlError
from ravensearch.enrichment.netguard import StaticHostResolver
from tests.enrichment.conftest import (
    PUBLIC_IP,
    Reply,
    Sites,
    corpus_app,
    crawl_once,
    make_crawler,
)


def _paths(result: Any) -> list[str]:
    return [page.url for page in result.pages]


class TestPages:
    async def test_home_then_linked_contact_and_about_pages(self) -> None:
        result = await crawl_once(Sites({}, fallback=corpus_app), "https://acme-plumbing.com/")
        assert result.error is None
        assert _paths(result) == [
            "https://acme-plumbing.com/",
            "https://acme-plumbing.com/contact-us/",
            "https://acme-plumbing.com/about",
        ]
        # robots.txt first; /services (a weak link, 404 here) is tried as well, because
        # without a reader every page the budget allows is read.
        assert result.requests == 5

    async def test_probes_contact_paths_when_nothing_is_linked(self) -> None:
        app = Sites({}, fallback=corpus_app)
        result = await crawl_once(app, "https://brightside-locksmith.com/")
        assert sorted(path for _, path in app.seen) == [
            "/",
            "/contact",
            "/contact-us",
            "/robots.txt",
            "/services",  # linked but weak: tried after the probes, in a round of its own
        ]
        assert _paths(result) == [
            "https://brightside-locksmith.com/",
            "https://brightside-locksmith.com/contact-us",
        ]

    async def test_page_budget(self) -> None:
        links = "".join(f'<a href="/contact-{n}">Contact {n}</a>' for n in range(10))
        routes = {("many.com", "/"): Reply(links)}
        routes |= {("many.com", f"/contact-{n}"): Reply() for n in range(10)}
        app = Sites(routes)
        result = await crawl_once(app, "https://many.com/", max_pages=3)
        assert len(result.pages) == 3
        assert len(app.seen) == 4  # and robots.txt

    async def test_sends_the_user_agent(self) -> None:
        app = Sites({("ua.com", "/"): Reply()})
        await crawl_once(app, "https://ua.com/", user_agent="Ravensearch-Test/1.0")
        assert app.user_agents == {"Ravensearch-Test/1.0"}


class TestRedirects:
    async def test_http_redirects_and_meta_refresh(self) -> None:
        app = Sites(
            {
                ("redir.com", "/"): Reply(status=301, location="https://www.redir.com/start"),
                ("redir.com", "/start"): Reply(status=302, location="/home"),
                ("redir.com", "/home"): Reply(
                    '<meta http-equiv="refresh" content="0; url=/final">Moved'
                ),
                ("redir.com", "/final"): Reply('<a href="/contact">Contact</a>'),
                ("redir.com", "/contact"): Reply("<p>c@redir.com</p>"),
            }
        )
        result = await crawl_once(app, "http://redir.com/")
        assert result.final_url == "https://www.redir.com/final"
        assert _paths(result) == [result.final_url, "https://www.redir.com/contact"]

    async def test_redirect_loop_gives_up(self) -> None:
        app = Sites({("loop.com", "/"): Reply(status=302, location="/")})
        result = await crawl_once(app, "https://loop.com/")
        assert result.error == CrawlError.too_many_redirects
        assert app.seen == [("loop.com", "/robots.txt")] + [("loop.com", "/")] * 6

    async def test_subpage_redirect_off_site_is_dropped(self) -> None:
        app = Sites(
            {
                ("a.com", "/"): Reply('<a href="/contact">Contact</a>'),
                ("a.com", "/contact"): Reply(status=302, location="https://forms.other.com/x"),
            }
        )
        result = await crawl_once(app, "https://a.com/")
        assert _paths(result) == ["https://a.com/"]
        assert ("forms.other.com", "/x") not in app.seen


class TestLimits:
    async def test_page_size_is_capped(self) -> None:
        app = Sites({("big.com", "/"): Reply("<p>" + "x" * 50_000 + "</p>")})
        result = await crawl_once(app, "https://big.com/", max_bytes=10_000)
        assert result.pages[0].truncated is True
        assert len(result.pages[0].html) == 10_000

    async def test_slow_home_page_times_out(self) -> None:
        app = Sites({("slow.com", "/"): Reply(delay=5)})
        result = await crawl_once(app, "https://slow.com/", timeout=0.1)
        assert result.error == CrawlError.timeout

    async def test_slow_contact_page_is_skipped_and_the_home_kept(self) -> None:
        app = Sites(
            {
                ("half.com", "/"): Reply('<a href="/contact">Contact</a>'),
                ("half.com", "/contact"): Reply(delay=5),
            }
        )
        result = await crawl_once(app, "https://half.com/", timeout=0.1)
        assert (result.error, _paths(result)) == (None, ["https://half.com/"])

    async def test_non_html_is_skipped(self) -> None:
        app = Sites(
            {
                ("pdf.com", "/"): Reply("%PDF-1.4", content_type="application/pdf"),
                ("img.com", "/"): Reply('<a href="/contact">Contact</a>'),
                ("img.com", "/contact"): Reply("GIF89a", content_type="image/gif"),
            }
        )
        assert (await crawl_once(app, "https://pdf.com/")).error == CrawlError.not_html
        assert _paths(await crawl_once(app, "https://img.com/")) == ["https://img.com/"]

    async def test_missing_content_type_is_read_as_html(self) -> None:
        app = Sites({("plain.com", "/"): Reply("<p>hi</p>", content_type="")})
        result = await crawl_once(app, "https://plain.com/")
        assert (result.error, result.pages[0].html) == (None, "<p>hi</p>")

    async def test_http_error_on_the_home_page(self) -> None:
        result = await crawl_once(
            Sites({("down.com", "/"): Reply(status=503)}), "https://down.com/"
        )
        assert (result.error, result.detail) == (CrawlError.http_status, "HTTP 503")

    async def test_at_most_two_requests_per_host_and_the_global_limit(self) -> None:
        links = "".join(f'<a href="/contact-{n}">Contact</a>' for n in range(4))
        routes: dict[tuple[str, str], Reply] = {}
        for site in ("one.com", "two.com", "three.com"):
            routes[(site, "/")] = Reply(links)
            routes |= {(site, f"/contact-{n}"): Reply(delay=0.05) for n in range(4)}
        app = Sites(routes)
        crawler = make_crawler(app, concurrency=5)
        try:
            await asyncio.gather(
                *(crawler.crawl(f"https://{s}/") for s in ("one.com", "two.com", "three.com"))
            )
        finally:
            await crawler.aclose()
        assert max(app.peak.values()) == 2
        assert app.peak_total <= 5
        assert len(app.seen) == 18  # 5 pages and a robots.txt per site


class TestNotTheWebsite:
    @pytest.mark.parametrize(
        ("url", "domain"),
        [
            ("https://www.facebook.com/acmeplumbing", "facebook.com"),
            ("https://m.yelp.com/biz/acme", "yelp.com"),
            ("instagram.com/acme", "instagram.com"),
            ("https://x.com/acme", "x.com"),
        ],
    )
    async def test_social_sites_are_not_fetched(self, url: str, domain: str) -> None:
        app = Sites({})
        result = await crawl_once(app, url if "://" in url else f"https://{url}")
        assert (result.error, result.detail, app.seen) == (CrawlError.social_site, domain, [])

    async def test_redirect_to_a_social_site(self) -> None:
        app = Sites({("acme.com", "/"): Reply(status=301, location="https://facebook.com/acme")})
        result = await crawl_once(app, "https://acme.com/")
        assert (result.error, app.seen) == (
            CrawlError.social_site,
            [("acme.com", "/robots.txt"), ("acme.com", "/")],
        )


class TestPrivateNetworks:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/",
            "http://10.0.0.5/admin",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "http://intranet.acme.com/",
        ],
    )
    async def test_refused_before_any_request(self, url: str) -> None:
        app = Sites({})
        resolver = StaticHostResolver({"intranet.acme.com": "192.168.1.10"}, default=PUBLIC_IP)
        result = await crawl_once(app, url, resolver=resolver)
        assert result.error == CrawlError.private_address
        assert app.seen == []

    async def test_redirect_to_a_private_address_is_refused(self) -> None:
        app = Sites(
            {("evil.com", "/"): Reply(status=302, location="http://169.254.169.254/latest/")}
        )
        result = await crawl_once(app, "https://evil.com/")
        assert (result.error, result.detail) == (CrawlError.private_address, "169.254.169.254")
        assert app.seen == [("evil.com", "/robots.txt"), ("evil.com", "/")]

    async def test_allowed_by_the_setting(self) -> None:
        app = Sites({("10.0.0.5", "/"): Reply("<p>lan</p>")})
        result = await crawl_once(app, "http://10.0.0.5/", allow_private_network=True)
        assert result.error is None
        assert app.seen[:2] == [("10.0.0.5", "/robots.txt"), ("10.0.0.5", "/")]

    async def test_unknown_host(self) -> None:
        result = await crawl_once(Sites({}), "https://gone.com/", resolver=StaticHostResolver())
        assert (result.error, result.detail) == (CrawlError.host_not_found, "gone.com")
