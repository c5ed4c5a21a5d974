"""The local corpus (tests/data/html) as an ASGI app, and crawlers/enrichers wired to it.

Every crawler here resolves names with a static table (a public-looking address unless a
test says otherwise) and talks to an in-process app: no test touches the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
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
    """`<site>.com/a/b/` → tests/data/html/<site>/a/b.html; anything else is a 404."""
    site = host_of(scope).removesuffix(".com")
    name = scope["path"].strip("/") or "index"
    path = (CORPUS / site / f"{name}.html").resolve()
    if site and path.is_relative_to(CORPUS) and path.is_file():
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


def make_enricher(
    app: ASGIApp = corpus_app, *, mx: dict[str, MxStatus] | None = None, **kwargs: Any
) -> Enricher:
    return Enricher(make_crawler(app, **kwargs), EmailVerifier(StaticMxResolver(mx)))


@pytest.fixture
async def corpus_enricher() -> AsyncIterator[Enricher]:
    async with make_enricher() as enricher:
        yield enricher
