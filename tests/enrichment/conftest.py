"""The local corpus (tests/data/html) as an ASGI app, and crawlers/enrichers wired to it.

Every crawler here resolves names with a static table (a public-looking address unless a
test says otherwise) and talks to an in-process app: no test touches the network.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ravensearch.enrichment.crawler import Crawler
from ravensearch.enrichment.netguard import StaticHostResolver
from ravensearch.enrichment.service import Enricher
from ravensearch.enrichment.verify import EmailVerifier, MxStatus, StaticMxResolver

CORPUS = Path(__file__).resolve().parents[1] / "data" / "html"
PUBLIC_IP = "93.184.216.34"

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def host_of(scope: Scope) -> str:
    headers: dict[bytes, bytes] = dict(scope["headers"])
    return headers.get(b"host", b"").decode().split(":")[0].removeprefix("www.")


async def send_html(send: Any, body: str, *, status: int = 200, headers: Any = ()) -> None:
    raw = [(b"content-type", b"text/html; charset=utf-8"), *headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body.encode()})


async def corpus_app(scope: Scope, receive: Any, send: Any) -> None:
    """`<site>.com/a/b/` → tests/data/html/<site>/a/b.html; anything else is a 404.

    `/robots.txt` is `<site>/robots.txt`, as text/plain, when the site has one.
    """
    site = host_of(scope).removesuffix(".com")
    name = scope["path"].strip("/") or "index"
    robots = (CORPUS / site / "robots.txt").resolve()
    path = (CORPUS / site / f"{name}.html").resolve()
    if site and name == "robots.txt" and robots.is_relative_to(CORPUS) and robots.is_file():
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": robots.read_bytes()})
    elif site and path.is_relative_to(CORPUS) and path.is_file():
        await send_html(send, path.read_text())
    else:
        await send_html(send, "<h1>Not found</h1>", status=404)


def make_crawler(
    app: ASGIApp = corpus_app,
    *,
    resolver: StaticHostResolver | None = None,
    **kwargs: Any,
) -> Crawler:
    return Crawler(
        transport=httpx.ASGITransport(app=app),
        resolver=resolver or StaticHostResolver(default=PUBLIC_IP),
        **kwargs,
    )


@dataclass
class Reply:
    body: str = "<p>ok</p>"
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0


@dataclass
class Sites:
    """An ASGI app answering `routes[(host, path)]`, recording every request it serves."""

    routes: dict[tuple[str, str], Reply]
    fallback: Any = None  # an ASGI app for what `routes` does not hold
    seen: list[tuple[str, str]] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)
    active: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    peak: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    peak_total: int = 0

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        host, path = host_of(scope), scope["path"]
        self.seen.append((host, path))
        self.user_agents.add(dict(scope["headers"]).get(b"user-agent", b"").decode())
        self.active[host] += 1
        self.peak[host] = max(self.peak[host], self.active[host])
        self.peak_total = max(self.peak_total, sum(self.active.values()))
        try:
            if (host, path) not in self.routes and self.fallback is not None:
                await self.fallback(scope, receive, send)
                return
            reply = self.routes.get((host, path)) or Reply("<h1>Not found</h1>", status=404)
            await asyncio.sleep(reply.delay)
            headers = [(b"content-type", reply.content_type.encode())] if reply.content_type else []
            if reply.location:
                headers.append((b"location", reply.location.encode()))
            await send({"type": "http.response.start", "status": reply.status, "headers": headers})
            await send({"type": "http.response.body", "body": reply.body.encode()})
        finally:
            self.active[host] -= 1


async def crawl_once(app: Any, url: str, **kwargs: Any) -> Any:
    crawler = make_crawler(app, **kwargs)
    try:
        return await crawler.crawl(url)
    finally:
        await crawler.aclose()


def make_enricher(
    app: ASGIApp = corpus_app, *, mx: dict[str, MxStatus] | None = None, **kwargs: Any
) -> Enricher:
    return Enricher(make_crawler(app, **kwargs), EmailVerifier(StaticMxResolver(mx)))


@pytest.fixture
async def corpus_enricher() -> AsyncIterator[Enricher]:
    async with make_enricher() as enricher:
        yield enricher
