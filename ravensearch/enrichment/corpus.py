"""The hard corpus: small trade-business sites that show their addresses the awkward ways.

Every site is written in one builder's style (`corpus_layouts.LAYOUTS`) and shows its
address(es) one way (`WAYS`): split across inline elements, with invisible characters
inside, only in an image's alt text, only in a form, two clicks from the home page (a
department's service page, a branch's location page, the team page), on a careers or
billing page … next to the decoys real sites carry, and sites whose service and location
pages hold no address at all (what reading them costs). Each site declares its
ground truth (`emails`: what a person can read on it) and the decoys it shows, so the
benchmark can measure recall and precision. Served by `fake_web` like the simple sites.

Links inside a page may use `{ORIGIN}` (this site, as the client reached it) and `{PORT}`
(`:port` or nothing, for links to other sites); `fake_web` fills them in per request.
"""

from __future__ import annotations

import html
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ravensearch.enrichment.corpus_layouts import LAYOUTS, Frame, Link

ORIGIN, PORT = "{ORIGIN}", "{PORT}"
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "&#8203;", "&shy;", "&zwj;")
_INNER_PAGES = ("careers", "jobs", "billing", "permits", "warranty", "scheduling")
_INNER_LOCALS = {"careers": "careers", "jobs": "jobs", "billing": "billing",
                 "permits": "permits", "warranty": "warranty", "scheduling": "schedule"}  # fmt: skip
_NAMES = ("Lone Star", "Red River", "Bluebonnet", "Hill Country", "Gulf Coast", "Pecan Valley",
          "Big Sky", "Prairie", "Ironwood", "Cedar Creek", "Mesa", "Riverbend")  # fmt: skip
_TRADES = ("Heating & Air", "Plumbing", "Electric", "Roofing", "Garage Doors", "Septic")
_LOCALS = ("info", "office", "service", "contact", "dispatch", "hello")
_AGENCIES = (("PixelForge Studio", "pixelforgestudio.com"), ("BlueFin Digital", "bluefindigital.net"),
             ("Main Street Web Co", "mainstreetwebco.com"))  # fmt: skip


@dataclass(frozen=True)
class CorpusSite:
    """One site: its pages (path → HTML), the addresses people read on it, and its decoys."""

    business_name: str
    domain: str
    layout: str
    way: str
    pages: dict[str, str]
    emails: frozenset[str]
    decoys: frozenset[str]
    city: str = "Austin"
    state: str = "TX"
    phone: str | None = None

    # Enough of `fake_web.SiteLike` for the fake web to serve it.
    @property
    def email(self) -> str | None:
        return min(self.emails) if self.emails else None

    @property
    def style(self) -> str:
        return self.way


@dataclass
class _Builder:
    name: str
    domain: str
    email: str
    second: str  # a second address of the business, for ways that show two
    neighbour: str  # another business's domain, linked from this site
    index: int
    rng: random.Random
    main: dict[str, list[str]] = field(default_factory=dict)
    nav: list[Link] = field(default_factory=list)  # added after the menu every site has
    footer: str = ""
    head: str = ""
    emails: set[str] = field(default_factory=set)
    decoys: set[str] = field(default_factory=set)

    def add(self, path: str, fragment: str) -> None:
        self.main.setdefault(path, []).append(fragment)

    def contact(self, fragment: str, *emails: str) -> None:
        self.add("/contact/", fragment)
        self.emails.update(emails)


def _split(email: str) -> tuple[str, str]:
    local, _, domain = email.partition("@")
    return local, domain


def _mailto(b: _Builder) -> None:
    b.footer += f' · <a href="mailto:{b.email}?subject=Service%20request">{b.email}</a>'
    b.emails.add(b.email)


def _text(b: _Builder) -> None:
    b.contact(f"<p>Email: {b.email.replace('@', '&#64;')}</p>", b.email)


def _split_span(b: _Builder) -> None:
    local, domain = _split(b.email)
    shown = (
        f"{local}<span>@</span>{domain}",
        f'<span class="u">{local}</span><span class="at">@</span><span>{domain}</span>',
    )[b.index % 2]
    b.contact(f"<p>Write to us: {shown}</p>", b.email)


def _split_bold(b: _Builder) -> None:
    local, domain = _split(b.email)
    host, _, tld = domain.rpartition(".")
    shown = (f"<b>{local}</b>@<b>{domain}</b>", f"<strong>{local}@{host}</strong>.<em>{tld}</em>")
    b.contact(f"<p>Email <span>us at</span> {shown[b.index % 2]}</p>", b.email)


def _zero_width(b: _Builder) -> None:
    local, domain = _split(b.email)
    mark = _INVISIBLE[b.index % len(_INVISIBLE)]
    cut = len(local) // 2 or 1
    shown = (
        f"{local[:cut]}{mark}{local[cut:]}@{domain}" if b.index % 2 else f"{local}@{mark}{domain}"
    )
    b.contact(f"<p>E-mail: {shown}</p><p>Forms: use e.g. you@example.com</p>", b.email)
    b.decoys.add("you@example.com")


def _alt_text(b: _Builder) -> None:
    attribute = ("alt", "title", "aria-label")[b.index % 3]
    element = {
        "alt": f'<img src="/img/email-us.png" alt="{b.email}">',
        "title": f'<img src="/img/envelope.svg" title="Email: {b.email}">',
        "aria-label": f'<a href="/contact/" aria-label="Email {b.email}"><i class="icon-mail"></i></a>',
    }[attribute]
    b.contact(f"<p>Reach us by email: {element}</p>", b.email)


def _form_action(b: _Builder) -> None:
    b.contact(
        f'<form action="mailto:{b.email}" method="post" enctype="text/plain">'
        '<input name="name" placeholder="Your name"><button>Send</button></form>',
        b.email,
    )


def _hidden_input(b: _Builder) -> None:
    b.contact(
        '<form method="post" action="/cgi-bin/formmail.pl">'
        f'<input type="hidden" name="recipient" value="{b.email}">'
        '<input name="email" placeholder="name@yourdomain.com"><button>Send</button></form>',
        b.email,
    )
    b.decoys.add("name@yourdomain.com")


def _deep_team(b: _Builder) -> None:
    _mailto(b)
    b.add(
        "/about-us/",
        '<p>We are a crew of twelve. <a href="/about-us/our-team/">Meet the crew</a></p>',
    )
    b.add("/about-us/our-team/", f"<h2>Our team</h2><p>Mike Reyes, owner — {b.second}</p>")
    b.emails.add(b.second)


_SERVICES = (("ac-repair", "AC Repair"), ("furnace-tune-up", "Furnace Tune-Up"),
             ("water-heaters", "Water Heaters"))  # fmt: skip


def _deep_service(b: _Builder) -> None:
    items = "".join(
        f'<li><a href="/services/{slug}/">{label}</a></li>' for slug, label in _SERVICES
    )
    b.add("/services/", f"<ul>{items}</ul>")
    for slug, label in _SERVICES:
        b.add(f"/services/{slug}/", f"<h2>{label}</h2><p>Book {label.lower()}: {b.second}</p>")
    b.emails.add(b.second)
    b.contact('<form method="post"><input name="email" placeholder="you@example.com"></form>')
    b.decoys.add("you@example.com")


# (slug, label, the department's address): one service page among ordinary ones has its own.
_DEPARTMENTS = (("commercial-hvac", "Commercial HVAC", "commercial"),
                ("property-management", "Property Managers", "accounts"),
                ("new-construction", "New Construction &amp; Builders", "builders"))  # fmt: skip
_BRANCHES = (
    ("round-rock", "Round Rock"),
    ("san-marcos", "San Marcos"),
    ("georgetown", "Georgetown"),
)


def _index(b: _Builder, path: str, children: list[tuple[str, str, str]]) -> None:
    """An index page (services, locations) linking to one page per (slug, label, content)."""
    items = "".join(f'<li><a href="{path}{slug}/">{label}</a></li>' for slug, label, _ in children)
    b.add(path, f"<ul>{items}</ul>")
    for slug, label, content in children:
        b.add(f"{path}{slug}/", f"<h2>{label}</h2><p>{content}</p>")


def _deep_department(b: _Builder) -> None:
    # The main address in the footer of every page: the home page already gives it.
    _mailto(b)
    slug, label, local = _DEPARTMENTS[b.index % len(_DEPARTMENTS)]
    children = [
        (s, name, f"We offer {name.lower()} across Travis County.") for s, name in _SERVICES
    ]
    department = f"{label} accounts are handled by our team at {local}@{b.domain}."
    children.insert(b.index % 3, (slug, label, department))
    _index(b, "/services/", children)
    b.emails.add(f"{local}@{b.domain}")


def _deep_branch(b: _Builder) -> None:
    _text(b)
    b.nav.append(("/locations/", "Locations"))
    there = b.index % 2
    children = []
    for n, (slug, town) in enumerate(_BRANCHES[:2]):
        line = f"{town} branch: {slug.replace('-', '')}@{b.domain}" if n == there else "Open 8–5."
        children.append((slug, f"{town}, TX", f"Serving {town} and nearby. {line}"))
    _index(b, "/locations/", children)
    b.emails.add(f"{_BRANCHES[there][0].replace('-', '')}@{b.domain}")


def _deep_staff(b: _Builder) -> None:
    _text(b)
    b.add("/about-us/", '<p>Twelve technicians, two trucks each. <a href="/about-us/team/">'
                        "Meet the team</a></p>")  # fmt: skip
    b.add("/about-us/team/", f"<h2>Our team</h2><p>Office manager Sarah Cole: {b.second}</p>")
    b.emails.add(b.second)


def _services_plain(b: _Builder) -> None:
    # Service and location pages, none with an address: reading them only costs.
    (_mailto if b.index % 2 else _text)(b)
    plain = [(s, name, f"Licensed {name.lower()} since 1998.") for s, name, _ in _DEPARTMENTS]
    _index(b, "/services/", [(s, name, "Same-day visits.") for s, name in _SERVICES] + plain)
    b.nav.append(("/locations/", "Locations"))
    _index(b, "/locations/", [(s, f"{town}, TX", "Open 8–5.") for s, town in _BRANCHES])


def _inner(b: _Builder, *, absolute: bool) -> None:
    page = _INNER_PAGES[b.index % len(_INNER_PAGES)]
    address = f"{_INNER_LOCALS[page]}@{b.domain}"
    href = f"{ORIGIN}/{page}/" if absolute else f"/{page}/"
    b.footer += f' · <a href="{href}">{page.title()}</a>'
    shown = f'<a href="mailto:{address}">{address}</a>' if absolute else address
    b.add(f"/{page}/", f"<h2>{page.title()}</h2><p>For {page}, please write to {shown} and "
                       "include your address and a phone number.</p>")  # fmt: skip
    b.emails.add(address)
    _mailto(b)


def _free_mail(b: _Builder) -> None:
    address = f"{b.domain.split('.')[0].replace('-', '')}{b.index}@gmail.com"
    b.add("/", f"<p>Questions? Email Dave at {address} any time.</p>")
    b.emails.add(address)


def _jsonld(b: _Builder) -> None:
    data = {"@context": "https://schema.org", "@type": "HomeAndConstructionBusiness",
            "name": b.name, "email": f"mailto:{b.email}"}  # fmt: skip
    b.head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    b.add("/about-us/", f"<p>Office email: {b.email}</p>")
    b.emails.add(b.email)


def _cloudflare(b: _Builder) -> None:
    from ravensearch.enrichment.fake_web import cloudflare_encode

    encoded = cloudflare_encode(b.email, 40 + b.index % 150)
    b.contact(
        '<p><a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
        f'data-cfemail="{encoded}">[email&#160;protected]</a></p>',
        b.email,
    )


def _none(b: _Builder) -> None:
    b.contact('<form method="post"><input type="email" name="email" value="your@email.com">'
              '<textarea name="message"></textarea><button>Send</button></form>')  # fmt: skip
    b.decoys.add("your@email.com")


def _none_with_decoys(b: _Builder) -> None:
    _none(b)
    b.add("/about-us/", "<p>Send plans as e.g. john.doe@company.com attachments.</p>")
    b.decoys.add("john.doe@company.com")


WAYS: dict[str, Callable[[_Builder], None]] = {
    "mailto": _mailto,
    "text": _text,
    "split_span": _split_span,
    "split_bold": _split_bold,
    "zero_width": _zero_width,
    "alt_text": _alt_text,
    "form_action": _form_action,
    "hidden_input": _hidden_input,
    "deep_team": _deep_team,
    "deep_service": _deep_service,
    "deep_department": _deep_department,
    "deep_branch": _deep_branch,
    "deep_staff": _deep_staff,
    "services_plain": _services_plain,
    "inner_absolute": lambda b: _inner(b, absolute=True),
    "inner_text": lambda b: _inner(b, absolute=False),
    "free_mail": _free_mail,
    "jsonld": _jsonld,
    "cloudflare": _cloudflare,
    "none": _none,
    "none_with_decoys": _none_with_decoys,
}


def generate_corpus(*, seed: int = 11) -> list[CorpusSite]:
    """Every way in every layout: 21 × 6 = 126 deterministic sites."""
    rng = random.Random(seed)
    combos = [(way, layout) for way in WAYS for layout in LAYOUTS]
    domains = [_domain(index, rng) for index in range(len(combos))]
    sites = []
    for index, (way, layout) in enumerate(combos):
        name, domain = domains[index]
        local = _LOCALS[index % len(_LOCALS)]
        builder = _Builder(
            name=name, domain=domain, email=f"{local}@{domain}", second=f"mike@{domain}",
            neighbour=domains[(index + 1) % len(domains)][1], index=index, rng=rng,
        )  # fmt: skip
        WAYS[way](builder)
        sites.append(_render(builder, layout, way))
    return sites


def _domain(index: int, rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(_NAMES)} {_TRADES[index % len(_TRADES)]}"
    slug = name.lower().replace(" & ", "-").replace(" ", "")
    return name, f"{slug}{index}.com"


def _render(b: _Builder, layout: str, way: str) -> CorpusSite:
    agency, agency_domain = _AGENCIES[b.index % len(_AGENCIES)]
    agency_mail = f"hello@{agency_domain}"
    credit = (
        f'Website by <a href="https://{agency_domain}/">{agency}</a> · {agency_mail}',
        f"Site designed by {agency} <span>hello</span>@{agency_domain}",
        f'<img src="/img/agency-badge.png" alt="Website by {agency} - {agency_mail}">',
    )[b.index % 3]
    decoys = {agency_mail, "logo@2x.png", "hero@3x.jpg", "lightbox2@2.11.4.min.js",
              f"bounce+{b.index}@em.sendgrid.net", "support@wix.com"}  # fmt: skip
    b.add("/", f"<h1>{html.escape(b.name)}</h1><p>Family owned, serving Austin since 1998.</p>"
               '<figure><img src="/img/hero@3x.jpg" alt=""><figcaption>hero@3x.jpg</figcaption>'
               "</figure>")  # fmt: skip
    b.add("/about-us/", "<h2>About us</h2><p>Licensed, bonded and insured.</p>")
    b.add("/services/", "<h2>Services</h2><p>Repairs, installs and maintenance.</p>")
    b.add("/gallery/", "<p>Gallery powered by lightbox2@2.11.4.min.js</p>")
    b.add("/reviews/", f'<p>Need wiring? We recommend <a href="http://{b.neighbour}{PORT}/">'
                       "our friends down the road</a>.</p>"
                       "<p>Site issues? Ask support@wix.com.</p>")  # fmt: skip
    b.add("/contact/", '<form method="post" action="/contact/"><input type="hidden" '
                       f'name="_tracking" value="bounce+{b.index}@em.sendgrid.net"></form>')  # fmt: skip
    b.add("/privacy-policy/", "<p>We do not sell your data.</p>")
    b.nav[:0] = [("/", "Home"), ("/about-us/", "About Us"), ("/services/", "Services"),
                 ("/gallery/", "Gallery"), ("/reviews/", "Reviews"), ("/contact/", "Contact")]  # fmt: skip
    phone = f"(512) 555-{b.index:04d}"
    frame = Frame(
        name=b.name,
        nav=b.nav,
        footer=f"{html.escape(b.name)} · 100 Main St, Austin, TX · {phone}{b.footer}",
        credit=f'{credit} · <a href="/privacy-policy/">Privacy</a>',
        head=b.head,
    )
    render = LAYOUTS[layout]
    pages = {
        path: render(frame, path.strip("/").split("/")[-1].title() or "Home", "".join(parts))
        for path, parts in b.main.items()
    }
    return CorpusSite(
        b.name, b.domain, layout, way, pages, frozenset(b.emails),
        frozenset(decoys | b.decoys), phone=phone,
    )  # fmt: skip
