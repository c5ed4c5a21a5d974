"""Generated small-business websites as one ASGI app: mock mode, the benchmark, developers.

The Host header picks the site (`lookup(host)`); each site has a home, services, about and
contact page rendered from a `SiteSpec`, showing its email the way `style` says, next to
the decoys real sites carry: retina image names, a Sentry DSN, a form placeholder and a web
agency's credit (with the agency's own address on some sites).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import random
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ravensearch.enrichment.netguard import StaticHostResolver

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STYLES = ("mailto", "text", "obfuscated", "cloudflare", "jsonld", "contact_page", "none")
# What mock mode's resolver answers for every site: public-looking, never dialled (the
# transport is in-process), so the SSRF guard stays on in mock mode too.
MOCK_SITE_ADDRESS = "93.184.215.14"
_AGENCIES = (
    ("PixelForge Studio", "pixelforgestudio.com"),
    ("BlueFin Digital", "bluefindigital.net"),
    ("Main Street Web Co", "mainstreetwebco.com"),
    ("Contractor Sites Pro", "contractorsitespro.com"),
)
_TRADES = ("Heating & Cooling", "Plumbing", "Electrical", "Roofing", "Repairs")


class SiteLike(Protocol):
    """What a site needs to be rendered; `sources.universe.SiteSpec` fits as well."""

    @property
    def business_name(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def style(self) -> str: ...  # one of STYLES
    @property
    def city(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def phone(self) -> str | None: ...


@dataclass(frozen=True)
class RobotsFile:
    """What a fake site answers for `/robots.txt` (a site without one answers 404)."""

    body: str = ""
    status: int = 200


@dataclass(frozen=True)
class SiteSpec:
    business_name: str
    domain: str
    email: str | None
    style: str
    city: str
    state: str
    phone: str | None = None
    robots: RobotsFile | None = None


def cloudflare_encode(email: str, key: int) -> str:
    """Cloudflare's obfuscation: the key byte, then each byte XOR key, as hex."""
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in email.encode())


def contact_path(site: SiteLike) -> str | None:
    """Where the site's contact page lives (None: it has none)."""
    if site.style == "contact_page":
        return "/get-in-touch"
    return None if site.style == "none" else "/contact"


def render_page(site: SiteLike, path: str) -> str | None:
    """The page at `path`, or None for a 404."""
    written = getattr(site, "pages", None)
    if isinstance(written, dict):  # a hard-corpus site brings its own pages
        page: str | None = written.get(path if path.endswith("/") else f"{path}/")
        return page
    path = path.rstrip("/") or "/"
    bodies: dict[str, Callable[[SiteLike], str]] = {
        "/": _home,
        "/services": _services,
        "/about-us": _about,
    }
    if (contact := contact_path(site)) is not None:
        bodies[contact] = _contact
    body = bodies.get(path)
    if body is None:
        return None
    title = "Home" if path == "/" else path.strip("/").replace("-", " ").title()
    return _layout(site, title, body(site))


def render_robots(site: SiteLike) -> RobotsFile | None:
    # Not part of SiteLike: only this module's SiteSpec may carry one, the universe's
    # sites (mock mode) have no robots.txt.
    robots = getattr(site, "robots", None)
    return robots if isinstance(robots, RobotsFile) else None


def create_fake_web_app(
    lookup: Callable[[str], SiteLike | None], *, latency_seconds: float = 0.0
) -> ASGIApp:
    """An ASGI app serving the site `lookup(host)` returns (host lower-case, no port/`www.`)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if latency_seconds:
            await asyncio.sleep(latency_seconds)
        host = _host(scope)
        site = lookup(host) if host else None
        if site is not None and scope["path"] == "/robots.txt" and (robots := render_robots(site)):
            await _send(send, robots.status, robots.body.encode(), b"text/plain; charset=utf-8")
            return
        page = render_page(site, scope["path"]) if site is not None else None
        if page is not None and "{" in page:
            page = _fill_links(page, scope)
        status = 200 if page is not None else 404
        body = (page or "<!doctype html><title>Not found</title><h1>Not found</h1>").encode()
        await _send(send, status, body, b"text/html; charset=utf-8")

    return app


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def mock_network(
    lookup: Callable[[str], SiteLike | None], *, latency_seconds: float = 0.0
) -> tuple[httpx.AsyncBaseTransport, StaticHostResolver]:
    """Transport and resolver that make the crawler read the fake sites, in process."""
    app = create_fake_web_app(lookup, latency_seconds=latency_seconds)
    return httpx.ASGITransport(app=app), StaticHostResolver(default=MOCK_SITE_ADDRESS)


def generate_sites(count: int, *, seed: int = 7) -> list[SiteSpec]:
    """`count` deterministic sites over every style, about a fifth with free-mail addresses."""
    rng = random.Random(seed)
    sites = []
    for index in range(count):
        name = f"{rng.choice(('Apex', 'Summit', 'Liberty', 'Eagle', 'Metro'))} {_TRADES[index % 5]}"
        domain = f"{name.lower().replace(' & ', '-').replace(' ', '')}{index}.com"
        style = STYLES[index % len(STYLES)]
        if style == "none":
            email = None
        elif rng.random() < 0.2:
            email = f"{domain.split('.')[0]}@{rng.choice(('gmail.com', 'yahoo.com'))}"
        else:
            email = f"{rng.choice(('info', 'office', 'service', 'dave'))}@{domain}"
        phone = f"(512) 555-{index % 10000:04d}"
        sites.append(SiteSpec(name, domain, email, style, "Austin", "TX", phone))
    return sites


def _fill_links(page: str, scope: Scope) -> str:
    """`{ORIGIN}` → this site as the client reached it, `{PORT}` → its `:port` (or nothing)."""
    raw = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
    port = f":{raw.rsplit(':', 1)[1]}" if ":" in raw else ""
    origin = f"{scope.get('scheme', 'http')}://{raw}"
    return page.replace("{ORIGIN}", origin).replace("{PORT}", port)


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host: str = value.decode("latin-1").lower().rsplit(":", 1)[0] if value else ""
            return host.rstrip(".").removeprefix("www.")
    return ""


def _variant(site: SiteLike) -> int:
    return int(hashlib.sha256(site.domain.encode()).hexdigest()[:8], 16)


def _layout(site: SiteLike, title: str, main: str) -> str:
    name = html.escape(site.business_name)
    nav = [("/", "Home"), ("/services", "Services"), ("/about-us", "About Us")]
    if (contact := contact_path(site)) is not None:
        nav.append((contact, "Get in Touch" if site.style == "contact_page" else "Contact"))
    links = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in nav)
    head = _jsonld(site) if site.style == "jsonld" and title == "Home" else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | {name}</title>{head}"
        f'<link rel="stylesheet" href="/assets/site.css?v=3.6.0"></head><body>'
        f'<header><img src="/img/logo@2x.png" srcset="/img/logo@2x.png 2x" alt="{name}">'
        f"<nav><ul>{links}</ul></nav></header><main>{main}</main>{_footer(site)}"
        f"<script>{_sentry(site)}</script></body></html>"
    )


def _footer(site: SiteLike) -> str:
    variant = _variant(site)
    agency, agency_domain = _AGENCIES[variant % len(_AGENCIES)]
    contact = ""
    if site.email and site.style == "mailto":
        contact = f'<a href="mailto:{site.email}?subject=Service%20request">{site.email}</a>'
    elif site.email and site.style == "cloudflare":
        encoded = cloudflare_encode(site.email, variant % 200 + 20)
        contact = (
            '<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
            f'data-cfemail="{encoded}">[email&#160;protected]</a>'
        )
    agency_mail = f" · hello@{agency_domain}" if variant % 3 == 0 else ""
    phone = html.escape(site.phone or "")
    return (
        f"<footer><p>{html.escape(site.business_name)} · {html.escape(site.city)}, "
        f"{site.state} · {phone} {contact}</p>"
        f'<p class="credit">Website by <a href="https://{agency_domain}/">{agency}</a>'
        f"{agency_mail}</p><p>© 2024 All rights reserved.</p></footer>"
    )


def _sentry(site: SiteLike) -> str:
    key = hashlib.md5(site.domain.encode(), usedforsecurity=False).hexdigest()
    return f'Sentry.init({{dsn: "https://{key}@o{_variant(site) % 99999}.ingest.sentry.io/42"}});'


def _jsonld(site: SiteLike) -> str:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "url": f"https://{site.domain}/"},
            {
                "@type": "HomeAndConstructionBusiness",
                "name": site.business_name,
                "email": f"mailto:{site.email}",
                "telephone": site.phone,
                "address": {"addressLocality": site.city, "addressRegion": site.state},
            },
        ],
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _home(site: SiteLike) -> str:
    name = html.escape(site.business_name)
    return (
        f"<h1>{name}</h1><p>Family owned and serving {html.escape(site.city)} since 1998. "
        "Call us at any time for same-day service.</p>"
        '<figure><img src="/img/hero@3x.jpg" alt=""><figcaption>hero@3x.jpg</figcaption></figure>'
    )


def _services(site: SiteLike) -> str:
    items = "".join(f"<li>{trade}</li>" for trade in _TRADES)
    return f"<h1>Our services</h1><ul>{items}</ul><p>Licensed and insured.</p>"


def _about(site: SiteLike) -> str:
    text = ""
    if site.email and site.style == "text":
        text = f"<p>Questions? Write to {site.email} and we answer within a day.</p>"
    return f"<h1>About {html.escape(site.business_name)}</h1><p>Our team of techs.</p>{text}"


def _contact(site: SiteLike) -> str:
    email, variant = site.email, _variant(site)
    shown = ""
    if email and site.style in ("mailto", "contact_page"):
        shown = f'<p>Email: <a href="mailto:{email}">{email}</a></p>'
    elif email and site.style == "text":
        shown = f"<p>Email: {html.escape(email).replace('@', '&#64;')}</p>"
    elif email and site.style == "obfuscated":
        local, domain = email.split("@")
        at, dot = (("[at]", "[dot]"), ("(at)", "(dot)"), ("AT", "DOT"))[variant % 3]
        shown = f"<p>Email: {local} {at} {domain.replace('.', f' {dot} ')}</p>"
    elif email and site.style == "cloudflare":
        encoded = cloudflare_encode(email, variant % 200 + 30)
        shown = f'<p><a href="/cdn-cgi/l/email-protection#{encoded}">Email us</a></p>'
    return (
        f"<h1>Contact {html.escape(site.business_name)}</h1>{shown}"
        f"<p>Phone: {html.escape(site.phone or '')}</p>"
        '<form method="post" action="/contact"><input name="name" placeholder="Your name">'
        '<input type="email" name="email" placeholder="you@example.com">'
        "<textarea name=message></textarea><button>Send</button></form>"
    )
