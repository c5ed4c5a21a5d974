"""The pieces the unseen corpus is written with: pages, sites and ways of showing an address.

The hard corpus (`corpus.py`) grew next to the finder, so its recall says how well the two
fit. These sites were written from how site builders mark pages up (WordPress with Elementor
or Divi, Wix, Squarespace, GoDaddy, Bootstrap, table layouts) and how people show an address,
before the finder's code was read. Each address is placed with a helper below that records
what a person reads (`truth`), what must never be returned (`decoys`: retina image names,
`pkg@1.2.3`, telemetry, agency credits, placeholders, other businesses) and the business's
own addresses a reader only sees after JavaScript runs or CSS reverses them (`neutral`:
neither counted as found nor as wrong). The fake web server serves `pages` as written.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from ravensearch.enrichment.fake_web import cloudflare_encode

Role = Literal["truth", "decoy", "neutral"]


@dataclass(frozen=True)
class Shown:
    """A piece of markup, and the address (if any) a reader takes from it."""

    html: str
    email: str | None = None
    way: str = ""
    role: Role = "truth"


Part = str | Shown


@dataclass(frozen=True)
class Page:
    title: str
    parts: tuple[Part, ...]
    # Links in the page body (path, label): how pages two clicks deep are reached.
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Found:
    """Where a true address is shown: how (`way`) and on which kind of page (`where`)."""

    way: str
    where: str


@dataclass(frozen=True)
class UnseenSite:
    business_name: str
    domain: str
    layout: str
    pages: dict[str, str]  # path with a trailing slash → HTML, as `fake_web` looks it up
    truth: dict[str, Found]
    decoys: frozenset[str]
    neutral: frozenset[str]
    city: str
    state: str
    phone: str | None = None

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(self.truth)

    @property
    def email(self) -> str | None:
        return min(self.truth) if self.truth else None

    @property
    def style(self) -> str:
        return "unseen"


@dataclass(frozen=True)
class Draft:
    """A site as written: pages, the menu, the footer every page shares, and link style."""

    name: str
    domain: str
    layout: str
    city: str
    state: str
    phone: str
    pages: dict[str, Page]
    nav: tuple[tuple[str, str], ...] = ()
    footer: tuple[Part, ...] = ()
    head: tuple[Part, ...] = ()
    links: Literal["root", "absolute", "www", "relative"] = "root"


@dataclass(frozen=True)
class Frame:
    """What a layout gets to wrap one page."""

    name: str
    domain: str
    city: str
    state: str
    phone: str
    title: str
    nav: tuple[tuple[str, str], ...]  # (href as written, label)
    main: str
    footer: str
    head: str
    home_href: str


@dataclass
class _Sink:
    truth: dict[str, Found] = field(default_factory=dict)
    decoys: set[str] = field(default_factory=set)
    neutral: set[str] = field(default_factory=set)

    def render(self, parts: Iterable[Part], where: str) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            out.append(part.html)
            if part.email is None:
                continue
            if part.role == "decoy":
                self.decoys.add(part.email.lower())
            elif part.role == "neutral":
                self.neutral.add(part.email.lower())
            elif part.email.lower() not in self.truth or where == "footer":
                self.truth[part.email.lower()] = Found(part.way, where)
        return "".join(out)


def build(draft: Draft, layouts: dict[str, Any]) -> UnseenSite:
    """Render every page of `draft` with its layout; truth and decoys come from the parts."""
    layout = layouts[draft.layout]
    sink = _Sink()
    sink.decoys.update(layout.decoys)
    depth = _depths(draft)
    footer = sink.render(draft.footer, "footer")
    head = sink.render(draft.head, "head")
    pages: dict[str, str] = {}
    for path in sorted(draft.pages, key=lambda p: depth.get(p, 9)):
        page = draft.pages[path]
        main = sink.render(page.parts, _where(path, depth.get(path, 9)))
        if page.links:
            items = "".join(
                f'<li><a href="{html.escape(href(draft, path, target))}">{label}</a></li>'
                for target, label in page.links
            )
            main += f'<ul class="more-links">{items}</ul>'
        nav = tuple((href(draft, path, target), label) for target, label in draft.nav)
        frame = Frame(
            draft.name,
            draft.domain,
            draft.city,
            draft.state,
            draft.phone,
            page.title,
            nav,
            main,
            footer,
            head if path == "/" else "",
            href(draft, path, "/"),
        )
        pages[path if path.endswith("/") else f"{path}/"] = layout.shell(frame)
    return UnseenSite(
        draft.name,
        draft.domain,
        draft.layout,
        pages,
        sink.truth,
        frozenset(sink.decoys - set(sink.truth)),
        frozenset(sink.neutral - set(sink.truth)),
        draft.city,
        draft.state,
        draft.phone,
    )


def href(draft: Draft, source: str, target: str) -> str:
    """`target` (a root path, maybe with a query) written the way this site writes links."""
    if target.startswith(("#", "http", "mailto:", "tel:")):
        return target
    if draft.links == "absolute":
        return f"{{ORIGIN}}{target}"
    if draft.links == "www":
        return f"http://www.{draft.domain}{{PORT}}{target}"
    if draft.links == "relative":
        base = source if source.endswith("/") else posixpath.dirname(source) + "/"
        path, _, query = target.partition("?")
        rel = posixpath.relpath(path, base) if path != base else "./"
        if path.endswith("/") and not rel.endswith("/"):
            rel += "/"
        return rel + (f"?{query}" if query else "")
    return target


def page_key(link: str) -> str:
    """The page a root path names, as stored in `UnseenSite.pages` (query and anchor cut)."""
    path = link.split("#", 1)[0].split("?", 1)[0] or "/"
    return path if path.endswith("/") else f"{path}/"


def _depths(draft: Draft) -> dict[str, int]:
    by_key = {page_key(path): path for path in draft.pages}
    depth = {"/": 0}
    frontier = ["/"]
    while frontier:
        nxt = []
        for path in frontier:
            targets = [t for t, _ in draft.nav] + [t for t, _ in draft.pages[path].links]
            for target in targets:
                found = by_key.get(page_key(target))
                if found is not None and found not in depth:
                    depth[found] = depth[path] + 1
                    nxt.append(found)
        frontier = nxt
    return depth


def _where(path: str, depth: int) -> str:
    if depth == 0:
        return "home"
    if depth >= 2:
        return "2 clicks deep"
    words = ("contact", "reach", "touch", "quote", "estimate")
    return "contact page" if any(w in path.lower() for w in words) else "other inner page"


# -- ways of showing the business's own address --------------------------------------------


def text(email: str, shown: str | None = None, *, way: str = "plain text") -> Shown:
    return Shown(html.escape(shown or email), email, way)


def mailto(
    email: str,
    label: str | None = None,
    *,
    subject: str | None = None,
    scheme: str = "mailto",
    encoded: bool = False,
    attrs: str = "",
) -> Shown:
    """A mail link; the label is the address unless another label is given."""
    target = quote(email, safe="") if encoded else email
    query = f"?subject={quote(subject)}" if subject else ""
    way = "mailto"
    if subject:
        way = "mailto ?subject="
    if scheme != "mailto":
        way = "MAILTO: mixed case"
    if encoded:
        way = "mailto URL-encoded"
    shown = html.escape(label if label is not None else email)
    return Shown(f'<a href="{scheme}:{target}{html.escape(query)}"{attrs}>{shown}</a>', email, way)


def entity(email: str, kind: str = "&#64;") -> Shown:
    """`@` (and sometimes `.`) written as an HTML character reference."""
    local, domain = email.split("@")
    if kind == "&#46;":
        return Shown(f"{local}&#64;{domain.replace('.', '&#46;')}", email, "HTML entities")
    return Shown(f"{local}{kind}{domain}", email, "HTML entities")


def split(email: str, style: int = 0) -> Shown:
    """The address cut into inline elements a browser shows as one word."""
    local, domain = email.split("@")
    name, tld = domain.rsplit(".", 1)
    pieces = (
        f"{local}<span>@</span>{domain}",
        f"<b>{local}</b>@<b>{name}</b>.{tld}",
        f'<span class="u">{local}</span><span class="d">@{domain}</span>',
        f"<strong>{local}</strong><em>@</em><strong>{domain}</strong>",
        f'{local}<span style="display:inline">&#64;</span>{name}<i>.</i>{tld}',
    )
    return Shown(pieces[style % len(pieces)], email, "split across inline elements")


def zero_width(email: str, char: str) -> Shown:
    """Invisible characters inside the address (a copy-paste from a word processor, or on purpose)."""
    local, domain = email.split("@")
    cut = max(1, len(local) // 2)
    return Shown(
        f"{local[:cut]}{char}{local[cut:]}@{char}{domain}", email, "zero-width / soft hyphen"
    )


def bracket(email: str, at: str = "[at]", dot: str = "[dot]", *, spaced: bool = True) -> Shown:
    local, domain = email.split("@")
    gap = " " if spaced else ""
    dots = dot if dot == "." else f"{gap}{dot}{gap}"
    shown = f"{local}{gap}{at}{gap}{domain.replace('.', dots)}"
    return Shown(html.escape(shown), email, "[at]/(at) obfuscation")


def words(email: str, at: str = "at", dot: str = "dot") -> Shown:
    """`name at domain dot com`, written where a reader takes it as an address."""
    local, domain = email.split("@")
    shown = f"{local} {at} {domain.replace('.', f' {dot} ')}"
    return Shown(html.escape(shown), email, "' at ' / ' dot ' words")


def attribute(email: str, which: str) -> Shown:
    """Only in an image's alt, a link's title or an aria-label."""
    value = html.escape(email)
    if which == "alt":
        markup = (
            f'<img src="/wp-content/uploads/email-us.png" width="220" height="24" alt="{value}">'
        )
    elif which == "title":
        markup = f'<a href="#contact-form" title="{value}"><i class="fa fa-envelope"></i></a>'
    else:
        markup = (
            f'<button class="icon-btn" aria-label="Email {value}">'
            '<svg viewBox="0 0 24 24" width="20"><path d="M2 4h20v16H2z"/></svg></button>'
        )
    return Shown(markup, email, "alt/title/aria-label")


def form_action(email: str) -> Shown:
    return Shown(
        f'<form action="mailto:{email}" method="post" enctype="text/plain">'
        '<label>Name <input name="name"></label><label>Message <textarea name="msg"></textarea>'
        '</label><input type="submit" value="Send"></form>',
        email,
        "form action mailto",
    )


def hidden_input(email: str) -> Shown:
    """The old FormMail pattern: the recipient rides in a hidden field."""
    return Shown(
        '<form method="post" action="/cgi-bin/FormMail.pl">'
        f'<input type="hidden" name="recipient" value="{email}">'
        '<input type="hidden" name="subject" value="Website request">'
        '<input name="realname" size="30"><input type="submit" value="Submit"></form>',
        email,
        "hidden form input",
    )


def jsonld(email: str, data: dict[str, Any], *, nested: bool = False, graph: bool = False) -> Shown:
    """A JSON-LD block; `email` sits on the business or inside its `contactPoint`, and the
    business alone or in an `@graph` next to the web site (Yoast's and Rank Math's shape)."""
    body = dict(data)
    if nested:
        body["contactPoint"] = {
            "@type": "ContactPoint",
            "contactType": "customer service",
            "email": email,
            "telephone": data.get("telephone", ""),
        }
    else:
        body["email"] = f"mailto:{email}" if len(email) % 2 else email
    way = "JSON-LD contactPoint" if nested else "JSON-LD"
    if graph:
        context = body.pop("@context", "https://schema.org")
        site = {"@type": "WebSite", "url": body.get("url", ""), "name": body.get("name", "")}
        body = {"@context": context, "@graph": [site, body]}
    return Shown(f'<script type="application/ld+json">{json.dumps(body)}</script>', email, way)


def business(name: str, kind: str, domain: str, phone: str, city: str) -> dict[str, Any]:
    """The schema.org LocalBusiness a site describes itself with (before its `email`)."""
    return {
        "@context": "https://schema.org",
        "@type": kind,
        "name": name,
        "url": f"https://{domain}/",
        "telephone": phone,
        "areaServed": city,
        "address": {"@type": "PostalAddress", "addressLocality": city, "addressRegion": "TX"},
    }


def microdata(email: str, *, as_meta: bool = False) -> Shown:
    if as_meta:
        markup = f'<meta itemprop="email" content="{email}">'
    else:
        markup = f'Email: <span itemprop="email">{email}</span>'
    return Shown(markup, email, "microdata itemprop=email")


def meta(email: str, name: str = "business:contact_data:email") -> Shown:
    attr = "property" if ":" in name else "name"
    return Shown(f'<meta {attr}="{name}" content="{email}">', email, "meta tag")


def cloudflare(email: str, key: int, *, in_href: bool = False) -> Shown:
    encoded = cloudflare_encode(email, key)
    if in_href:
        markup = f'<a href="/cdn-cgi/l/email-protection#{encoded}">Email us</a>'
        return Shown(markup, email, "Cloudflare href")
    markup = (
        '<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
        f'data-cfemail="{encoded}">[email&#160;protected]</a>'
    )
    return Shown(markup, email, "Cloudflare data-cfemail")


# -- the business's own address, not readable without running JS or CSS (neutral) ----------


def js_assembled(email: str) -> Shown:
    local, domain = email.split("@")
    return Shown(
        f"<script>var u='{local}',d='{domain}';document.write('<a href=\"mai'+'lto:'+u+'&#64;'"
        "+d+'\">'+u+'&#64;'+d+'</a>');</script>",
        email,
        "assembled by JavaScript",
        "neutral",
    )


def css_reversed(email: str) -> Shown:
    return Shown(
        f'<span style="unicode-bidi:bidi-override;direction:rtl">{email[::-1]}</span>',
        email,
        "reversed by CSS",
        "neutral",
    )


# -- decoys ---------------------------------------------------------------------------------


def decoy(markup: str, email: str) -> Shown:
    """Markup carrying an address-looking string that is not the business's address."""
    return Shown(markup, email, "decoy", "decoy")


def agency_credit(agency: str, email: str, url: str) -> Shown:
    return decoy(
        f'<p class="site-credit">Site by <a href="{url}" rel="nofollow">{agency}</a> &mdash; '
        f'<a href="mailto:{email}">{email}</a></p>',
        email,
    )


def agency_text(agency: str, email: str) -> Shown:
    """An agency credit written as text, not as a link."""
    return decoy(f'<p class="small">Website design by {agency} &middot; {email}</p>', email)


def placeholder(email: str) -> Shown:
    return decoy(
        f'<label>Your email <input type="email" name="your-email" placeholder="{email}"></label>',
        email,
    )


def partner(name: str, email: str, note: str = "") -> Shown:
    return decoy(
        f'<div class="partner"><h4>{html.escape(name)}</h4><p>{html.escape(note)} '
        f'<a href="mailto:{email}">{email}</a></p></div>',
        email,
    )


def asset(markup: str, name: str) -> Shown:
    """An image or script whose file name looks like an address (`logo@2x.png`, `pkg@1.2.3`)."""
    return decoy(markup, name)


def paragraph(*parts: Part, cls: str = "") -> tuple[Part, ...]:
    attr = f' class="{cls}"' if cls else ""
    return (f"<p{attr}>", *parts, "</p>")


def flat(*groups: Part | Sequence[Part]) -> tuple[Part, ...]:
    out: list[Part] = []
    for group in groups:
        if isinstance(group, (str, Shown)):
            out.append(group)
        else:
            out.extend(group)
    return tuple(out)
