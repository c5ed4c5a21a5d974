"""robots.txt: read once per origin, obeyed for our product token, never a crawl failure."""

from __future__ import annotations

import asyncio

from ravensearch.enrichment.crawler import CrawlError, explain_crawl_error
from ravensearch.enrichment.robots import RobotsCache, RobotsRules, RobotsStatus, product_token
from tests.enrichment.conftest import Reply, Sites, corpus_app, crawl_once, make_crawler

HOME = Reply('<a href="/contact">Contact</a> <a href="/about">About</a>')


def _site(robots: Reply | None, host: str = "shop.com") -> Sites:
    routes = {(host, "/"): HOME, (host, "/contact"): Reply(), (host, "/about"): Reply()}
    if robots is not None:
        routes[(host, "/robots.txt")] = robots
    return Sites(routes)


def _text(body: str, status: int = 200) -> Reply:
    return Reply(body, status=status, content_type="text/plain")


class TestRules:
    async def test_disallow_all_ends_the_crawl_with_a_reason(self) -> None:
        app = Sites({}, fallback=corpus_app)
        result = await crawl_once(app, "https://keepout-plumbing.com/")
        assert (result.error, result.pages) == (CrawlError.robots_disallowed, [])
        assert app.seen == [("keepout-plumbing.com", "/robots.txt")]
        assert result.robots_txt == {"https://keepout-plumbing.com/robots.txt": "found"}
        assert "robots.txt asks crawlers not to read it" in explain_crawl_error(
            CrawlError(result.error), result.detail
        )

    async def test_disallowed_subpage_is_not_fetched(self) -> None:
        app = Sites({}, fallback=corpus_app)
        result = await crawl_once(app, "https://shy-hvac.com/")
        assert result.error is None
        assert [page.url for page in result.pages] == [
            "https://shy-hvac.com/",
            "https://shy-hvac.com/about-us",
        ]
        assert ("shy-hvac.com", "/contact") not in app.seen

    async def test_our_own_group_wins_over_the_star_group(self) -> None:
        robots = _text("User-agent: ravensearch\nDisallow: /about\n\nUser-agent: *\nDisallow: /\n")
        app = _site(robots)
        result = await crawl_once(app, "https://shop.com/", user_agent="Ravensearch/0.1 (+x)")
        assert [page.url for page in result.pages] == [
            "https://shop.com/",
            "https://shop.com/contact",
        ]
        assert ("shop.com", "/about") not in app.seen

    async def test_redirect_to_a_disallowed_page_is_not_followed(self) -> None:
        app = Sites(
            {
                ("a.com", "/robots.txt"): _text("User-agent: *\nDisallow: /private\n"),
                ("a.com", "/"): Reply(status=302, location="/private/home"),
            }
        )
        result = await crawl_once(app, "https://a.com/")
        assert (result.error, result.detail) == (
            CrawlError.robots_disallowed,
            "https://a.com/private/home",
        )
        assert ("a.com", "/private/home") not in app.seen


class TestNoRules:
    async def test_404_allows_everything(self) -> None:
        app = _site(None)
        result = await crawl_once(app, "https://shop.com/")
        assert len(result.pages) == 3
        assert result.robots_txt == {"https://shop.com/robots.txt": "missing"}

    async def test_403_allows_everything(self) -> None:
        result = await crawl_once(_site(_text("no", status=403)), "https://shop.com/")
        assert (result.error, len(result.pages)) == (None, 3)

    async def test_500_is_read_as_no_rules(self) -> None:
        app = _site(_text("User-agent: *\nDisallow: /", status=500))
        result = await crawl_once(app, "https://shop.com/")
        assert (result.error, len(result.pages)) == (None, 3)
        assert result.robots_txt == {"https://shop.com/robots.txt": "unavailable"}

    async def test_slow_robots_txt_is_read_as_no_rules(self) -> None:
        app = _site(_text("User-agent: *\nDisallow: /", status=200))
        app.routes[("shop.com", "/robots.txt")].delay = 5
        result = await crawl_once(app, "https://shop.com/", timeout=0.2)
        assert (result.error, len(result.pages)) == (None, 3)
        assert result.robots_txt == {"https://shop.com/robots.txt": "unavailable"}

    async def test_redirect_to_a_private_address_is_refused_and_read_as_no_rules(self) -> None:
        robots = Reply(status=301, location="http://169.254.169.254/latest/robots.txt")
        app = _site(robots)
        result = await crawl_once(app, "https://shop.com/")
        assert ("169.254.169.254", "/latest/robots.txt") not in app.seen
        assert (result.error, len(result.pages)) == (None, 3)
        assert result.robots_txt == {"https://shop.com/robots.txt": "unavailable"}

    async def test_redirect_within_the_site_is_followed(self) -> None:
        app = _site(Reply(status=301, location="/robots-live.txt"))
        app.routes[("shop.com", "/robots-live.txt")] = _text("User-agent: *\nDisallow: /about")
        result = await crawl_once(app, "https://shop.com/")
        assert len(result.pages) == 2
        assert ("shop.com", "/about") not in app.seen

    async def test_html_answer_is_read_without_failing(self) -> None:
        # Some servers answer every path with the home page.
        app = _site(Reply(HOME.body))
        result = await crawl_once(app, "https://shop.com/")
        assert (result.error, len(result.pages)) == (None, 3)


class TestCache:
    async def test_read_once_per_origin_across_pages_and_crawls(self) -> None:
        app = _site(_text("User-agent: *\nDisallow: /nothing"))
        crawler = make_crawler(app)
        try:
            results = await asyncio.gather(*(crawler.crawl("https://shop.com/") for _ in range(3)))
            again = await crawler.crawl("https://shop.com/")
        finally:
            await crawler.aclose()
        assert app.seen.count(("shop.com", "/robots.txt")) == 1
        assert all(len(result.pages) == 3 for result in [*results, again])
        assert again.robots_txt == {"https://shop.com/robots.txt": "found"}

    async def test_each_origin_has_its_own(self) -> None:
        app = Sites(
            {
                ("a.com", "/"): Reply(status=301, location="https://www.a.com/"),
                ("a.com", "/robots.txt"): _text("User-agent: *\nDisallow:"),
            },
            fallback=corpus_app,
        )
        result = await crawl_once(app, "http://a.com/")
        assert set(result.robots_txt) == {
            "http://a.com/robots.txt",
            "https://www.a.com/robots.txt",
        }

    def test_bounded(self) -> None:
        cache = RobotsCache(capacity=2)
        for origin in ("https://a.com", "https://b.com", "https://c.com"):
            cache.put(origin, RobotsRules(f"{origin}/robots.txt", RobotsStatus.missing))
        assert len(cache) == 2
        assert cache.get("https://a.com") is None
        assert cache.get("https://c.com") is not None


class TestCrawlDelay:
    async def test_spaces_the_requests_of_a_site(self) -> None:
        app = _site(_text("User-agent: *\nCrawl-delay: 1\n"))
        loop = asyncio.get_running_loop()
        started = loop.time()
        result = await crawl_once(app, "https://shop.com/")
        # robots.txt, then 3 pages each 1 s after the previous page request.
        assert loop.time() - started >= 2.0
        assert len(result.pages) == 3

    def test_capped(self) -> None:
        rules = RobotsRules.parse(
            "https://a.com/robots.txt",
            b"User-agent: *\nCrawl-delay: 30\n",
            agent="Ravensearch",
            truncated=False,
        )
        assert rules.crawl_delay == 2.0


def test_product_token() -> None:
    assert product_token("Ravensearch/0.1 (+https://github.com/x)") == "Ravensearch"
    assert product_token("") == "*"


def test_truncated_file_drops_its_cut_last_line() -> None:
    body = b"User-agent: *\nDisallow: /contact-form"
    rules = RobotsRules.parse("https://a.com/robots.txt", body, agent="x", truncated=True)
    assert rules.allows("https://a.com/contact")
    whole = RobotsRules.parse("https://a.com/robots.txt", body, agent="x", truncated=False)
    assert not whole.allows("https://a.com/contact-form")
