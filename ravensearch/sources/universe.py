"""A deterministic synthetic universe of trade businesses: what the mock providers list.

Per state, several thousand businesses sit around the state's real street-delivery ZIP
centroids, one ZIP drawn uniformly per business, so a city with many ZIPs is dense (enough
that one query over a big city saturates either provider's cap). Some are service-area
businesses without a storefront, some are permanently closed, some have no website or only
a Facebook page, and most appear on both providers, formatted the way each provider formats
(names with or without "LLC", phone styles, `www.` or not). Each also has the email its
website shows and how the site shows it, for the enrichment fakes (`site_spec`).

States are built lazily, once, from `random.Random(f"{seed}:{state}")`.
"""

from __future__ import annotations

import base64
import itertools
import math
import random
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from ravensearch.errors import InvalidInput
from ravensearch.sources import universe_words as words
from ravensearch.sources.geo import NEAR_DEGREES, Tile, ZipPoint, state_geo, states_touching
from ravensearch.targets.addresses import US_STATES

SiteStyle = Literal["mailto", "text", "obfuscated", "cloudflare", "jsonld", "contact_page", "none"]
SITE_STYLES: tuple[SiteStyle, ...] = (
    "mailto", "text", "obfuscated", "cloudflare", "jsonld", "contact_page", "none",
)  # fmt: skip
_STYLE_CUM_WEIGHTS = tuple(itertools.accumulate((30, 15, 10, 10, 10, 15, 10)))

TRADE_WEIGHTS = {
    "hvac": 18, "plumbing": 18, "electrical": 14, "roofing": 10, "appliance_repair": 7,
    "general_contractor": 12, "locksmith": 7, "garage_door": 6, "pest_control": 8,
}  # fmt: skip
# Firms that do two trades: HVAC and plumbing are often one company.
_SECOND_TRADE = {"hvac": "plumbing", "plumbing": "hvac", "electrical": "hvac",
                 "general_contractor": "roofing", "roofing": "general_contractor"}  # fmt: skip
_FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com")
_ROLES = ("info", "office", "service", "contact", "sales", "support")
_TLDS = ("com",) * 8 + ("net", "us", "co")
_SLUG = re.compile(r"[^a-z0-9]+")
# Spread around the ZIP centroid, in degrees. The cut-off stays inside geo.NEAR_DEGREES, so
# tiling, which drops tiles far from every centroid, can never drop a business.
_JITTER, _JITTER_MAX = 0.02, 0.06
assert _JITTER_MAX < NEAR_DEGREES


@dataclass(frozen=True, slots=True)
class Truth:
    """The real business behind a listing, where a universe shows one business as several
    listings (`universe_unseen`): benchmarks score against it, the fakes never read it."""

    key: str
    trades: tuple[str, ...]  # what it really does; empty for a business outside every trade
    closed: bool
    patterns: tuple[str, ...] = ()  # the listing messiness it was built with


@dataclass(frozen=True, slots=True)
class Business:
    """One real business of the synthetic world, with how each provider shows it."""

    key: str
    name: str
    trades: tuple[str, ...]
    state: str
    city: str
    zip: str
    street: str | None  # None: a service-area business that shows no address
    lat: float
    lng: float
    phone_e164: str | None
    domain: str | None  # the business's own site; None without one or with Facebook only
    website: str | None  # canonical URL (may be a Facebook page)
    email: str | None
    site_style: SiteStyle
    service_area_only: bool
    closed: bool
    temporarily_closed: bool
    prominence: float
    rating: float
    review_count: int
    google_id: str | None
    google_name: str
    google_website: str | None
    yelp_id: str | None
    yelp_alias: str | None
    yelp_name: str
    # The harder universe's variants (`universe_variants`); the defaults are the plain world.
    yelp_phone_e164: str | None = None  # Yelp's number when it differs (a tracking line)
    suite: str | None = None  # "Suite 200": Google's subpremise, Yelp's address2
    future_opening: bool = False
    # Neighbouring trades whose Google text query also returns this business.
    also_listed_for: tuple[str, ...] = ()
    google_state_hidden: bool = False  # Google shows no address at all for it
    brand: str | None = None  # a franchise location: the key of the brand's first location
    # Google's primary type of a business outside every trade that a trade query returns
    # (a car air-conditioning shop for "HVAC contractor"); its `trades` are empty.
    foreign_type: str | None = None
    # Google's `businessStatus` when it is not what the flags say ("": none shown).
    google_status: str | None = None
    truth: Truth | None = None  # None: this listing is the whole business

    @property
    def identity(self) -> str:
        return self.truth.key if self.truth else self.key

    @property
    def true_trades(self) -> tuple[str, ...]:
        return self.truth.trades if self.truth else self.trades

    @property
    def truly_closed(self) -> bool:
        return self.truth.closed if self.truth else self.closed

    @property
    def on_google(self) -> bool:
        return self.google_id is not None

    @property
    def on_yelp(self) -> bool:
        return self.yelp_id is not None

    @property
    def display_phone(self) -> str | None:
        return display_phone(self.phone_e164)

    @property
    def yelp_phone(self) -> str | None:
        return self.yelp_phone_e164 or self.phone_e164


def display_phone(e164: str | None) -> str | None:
    """ "+15125550123" → "(512) 555-0123"."""
    if not e164:
        return None
    digits = e164[2:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """What a mock business website shows: the enrichment fakes render pages from it.

    `phone` is in US display format, "(512) 555-0123", as a site would print it.
    """

    business_name: str
    domain: str
    email: str | None
    style: SiteStyle
    city: str
    state: str
    phone: str | None


_GRID = 0.2  # degrees per side of the spatial index cells


class StateUniverse:
    """The businesses of one state, indexed for the fakes."""

    def __init__(self, state: str, businesses: Sequence[Business]) -> None:
        self.state = state
        self.businesses = tuple(businesses)
        self._cells: dict[tuple[str, int, int], list[Business]] = defaultdict(list)
        self._loose: dict[tuple[str, int, int], list[Business]] = defaultdict(list)
        self.by_phone: dict[str, Business] = {}
        self.by_domain: dict[str, Business] = {}
        self.by_google_id: dict[str, Business] = {}
        self.by_yelp_id: dict[str, Business] = {}
        for business in self.businesses:
            cell = _grid_cell(business.lat, business.lng)
            for trade in business.trades:
                self._cells[(trade, *cell)].append(business)
            for trade in business.also_listed_for:
                self._loose[(trade, *cell)].append(business)
            if business.phone_e164:
                self.by_phone.setdefault(business.phone_e164, business)
            if business.domain:
                self.by_domain[business.domain] = business
            if business.google_id:
                self.by_google_id[business.google_id] = business
            if business.yelp_id:
                self.by_yelp_id[business.yelp_id] = business

    def in_area(self, area: Tile, trade: str, *, loose: bool = False) -> Iterator[Business]:
        """Businesses of `trade` whose location lies in `area` (closed ones included);
        `loose` adds the neighbouring trades' businesses a text query also returns."""
        low, high = _grid_cell(area.south, area.west), _grid_cell(area.north, area.east)
        indexes = (self._cells, self._loose) if loose else (self._cells,)
        for i in range(low[0], high[0] + 1):
            for j in range(low[1], high[1] + 1):
                for business in itertools.chain(*(ix.get((trade, i, j), ()) for ix in indexes)):
                    if area.south <= business.lat <= area.north and (
                        area.west <= business.lng <= area.east
                    ):
                        yield business


def _grid_cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / _GRID), math.floor(lng / _GRID)


# Builds one state's businesses in place of the default world (`universe_unseen`).
StateBuild = Callable[["Universe", str], list[Business]]


class Universe:
    """Every state's businesses, built on first use and cached; safe to share across threads.

    `density` is businesses per street-delivery ZIP (Texas, ~1,700 ZIPs, gets ~8,700).
    `hard` adds what the plain world lacks (`universe_variants`): names and phones that
    differ between the providers, franchises, suites, neighbouring trades in a query's
    answer, future openings and listings without an address; it also makes the Yelp fake
    shrink its circle where businesses are dense. `build` replaces the default world with
    another one, written apart from it (`universe_unseen`).
    """

    def __init__(
        self,
        seed: int = 20261127,
        *,
        density: float = 5.0,
        min_per_state: int = 2000,
        max_per_state: int = 12000,
        google_share: float = 0.93,
        yelp_share: float = 0.6,
        states: Collection[str] | None = None,
        hard: bool = False,
        build: StateBuild | None = None,
    ) -> None:
        self.seed = seed
        self.hard = hard
        self.build = build
        # Only these states have businesses (None: every state); keeps tests small.
        self.states = frozenset(code.upper() for code in states) if states is not None else None
        self.density = density
        self.min_per_state = min_per_state
        self.max_per_state = max_per_state
        self.google_share = google_share
        self.yelp_share = yelp_share
        self._states: dict[str, StateUniverse] = {}
        self._lock = threading.Lock()

    def state(self, code: str) -> StateUniverse:
        code = code.upper()
        built = self._states.get(code)
        if built is not None:
            return built
        with self._lock:
            built = self._states.get(code)
            if built is None:
                empty = self.states is not None and code not in self.states
                businesses = [] if empty else self._build(code)
                built = StateUniverse(code, businesses)
                self._states[code] = built
        return built

    def _build(self, code: str) -> list[Business]:
        return self.build(self, code) if self.build else _StateBuilder(self, code).build()

    def businesses(self, state: str) -> tuple[Business, ...]:
        return self.state(state).businesses

    def in_area(self, area: Tile, trade: str, *, loose: bool = False) -> Iterator[Business]:
        """Businesses of `trade` in `area`, from every state whose box meets it."""
        for code in states_touching(area):
            if self.states is not None and code not in self.states:
                continue
            yield from self.state(code).in_area(area, trade, loose=loose)

    def built_states(self) -> list[StateUniverse]:
        return list(self._states.values())

    def by_phone(self, e164: str) -> Business | None:
        for built in self.built_states():
            if (business := built.by_phone.get(e164)) is not None:
                return business
        return None

    def site_spec(self, host: str) -> SiteSpec | None:
        """The site behind a website host (with or without `www.`), or None if unknown."""
        domain = host.strip().lower().rstrip(".").split(":")[0].removeprefix("www.")
        business = self._business_for_domain(domain)
        if business is None or business.domain is None:
            return None
        return SiteSpec(
            business_name=business.name,
            domain=business.domain,
            email=business.email,
            style=business.site_style,
            city=business.city,
            state=business.state,
            phone=business.display_phone,
        )

    def _business_for_domain(self, domain: str) -> Business | None:
        # Every generated domain ends its first label with the state code, so a site is
        # found even in a process that has not built that state yet.
        hinted = domain.split(".")[0][-2:].upper()
        if hinted in US_STATES and (self.states is None or hinted in self.states):
            try:
                business = self.state(hinted).by_domain.get(domain)
            except InvalidInput:  # a territory without ZIP data
                business = None
            if business is not None:
                return business
        for built in self.built_states():
            if (business := built.by_domain.get(domain)) is not None:
                return business
        return None


def _slug(text: str) -> str:
    return _SLUG.sub("", text.lower().replace("&", "and"))


def _random_id(rng: random.Random, prefix: str, length: int) -> str:
    raw = rng.getrandbits(6 * length).to_bytes(math.ceil(6 * length / 8), "big")
    return prefix + base64.urlsafe_b64encode(raw).decode()[:length]


class _StateBuilder:
    def __init__(self, universe: Universe, state: str) -> None:
        self.universe = universe
        self.state = state
        self.rng = random.Random(f"{universe.seed}:{state}")
        self.zips = state_geo(state).standard_points
        self.names: set[tuple[str, str]] = set()
        self.domains: set[str] = set()
        self.phones: set[str] = set()

    def build(self) -> list[Business]:
        u = self.universe
        count = round(len(self.zips) * u.density)
        count = max(u.min_per_state, min(u.max_per_state, count))
        trades = list(TRADE_WEIGHTS)
        cum_weights = list(itertools.accumulate(TRADE_WEIGHTS.values()))
        picked = self.rng.choices(trades, cum_weights=cum_weights, k=count)
        plain = [
            self._business(index, self.rng.choice(self.zips), trade)
            for index, trade in enumerate(picked)
        ]
        if not u.hard:
            return plain
        from ravensearch.sources.universe_variants import Variants

        return Variants(self, random.Random(f"{u.seed}:{self.state}:hard")).apply(plain)

    def _business(self, index: int, where: ZipPoint, trade: str) -> Business:
        rng = self.rng
        trades: tuple[str, ...] = (trade,)
        if trade in _SECOND_TRADE and rng.random() < 0.12:
            trades = (trade, _SECOND_TRADE[trade])
        name = self._name(trade, where.city)
        sab = rng.random() < 0.35
        roll = rng.random()
        domain = website = None
        if roll < 0.07:
            website = f"https://www.facebook.com/{_slug(name)}{index}"
        elif roll >= 0.22:
            domain = self._domain(name, where.city)
            website = f"https://{domain}/"
        style: SiteStyle = (
            rng.choices(SITE_STYLES, cum_weights=_STYLE_CUM_WEIGHTS)[0] if domain else "none"
        )
        email = self._email(name, domain) if style != "none" else None
        on_google = rng.random() < self.universe.google_share
        on_yelp = rng.random() < self.universe.yelp_share or not on_google
        lat = where.lat + max(-_JITTER_MAX, min(_JITTER_MAX, rng.gauss(0.0, _JITTER)))
        lng = where.lng + max(-_JITTER_MAX, min(_JITTER_MAX, rng.gauss(0.0, _JITTER)))
        legal = rng.choice(words.LEGAL)
        street = None if sab and rng.random() < 0.8 else self._street()
        return Business(
            key=f"{self.state}-{index:05d}",
            name=name,
            trades=trades,
            state=self.state,
            city=where.city,
            zip=where.zip,
            street=street,
            lat=round(lat, 6),
            lng=round(lng, 6),
            phone_e164=self._phone(where) if rng.random() < 0.97 else None,
            domain=domain,
            website=website,
            email=email,
            site_style=style,
            service_area_only=sab,
            closed=rng.random() < 0.04,
            temporarily_closed=rng.random() < 0.01,
            prominence=rng.random(),
            rating=round(rng.uniform(2.5, 5.0) * 2) / 2,
            review_count=int(rng.expovariate(1 / 40)),
            google_id=_random_id(rng, "ChIJ", 23) if on_google else None,
            google_name=name + (legal if rng.random() < 0.5 else ""),
            google_website=self._google_website(domain, website),
            yelp_id=_random_id(rng, "", 22) if on_yelp else None,
            yelp_alias=f"{_slug(name)}-{_slug(where.city)}-{index}" if on_yelp else None,
            yelp_name=name + (legal if rng.random() < 0.5 else "").replace("&", "and"),
        )

    def _name(self, trade: str, city: str) -> str:
        rng = self.rng
        for _ in range(20):
            word = rng.choice(words.TRADE_WORDS[trade])
            pattern = rng.random()
            if pattern < 0.35:
                name = f"{rng.choice(words.SURNAMES)} {word}"
            elif pattern < 0.65:
                name = f"{rng.choice(words.ADJECTIVES)} {word}"
            elif pattern < 0.8:
                name = f"{city} {word}"
            elif pattern < 0.9:
                name = f"{rng.choice(words.SURNAMES)} & Sons {word}"
            else:
                letter = rng.choice("ABCDJKMRT")
                name = f"{letter * rng.randint(1, 3)}{rng.choice(('', ' 1', '-1'))} {word}"
            if (city, _slug(name)) not in self.names:
                self.names.add((city, _slug(name)))
                return name
        first, second = rng.choice(words.SURNAMES), rng.choice(words.SURNAMES)
        name = f"{first} {second} {rng.choice(words.TRADE_WORDS[trade])}"
        self.names.add((city, _slug(name)))
        return name

    def _domain(self, name: str, city: str) -> str:
        tld = self.rng.choice(_TLDS)
        base = _slug(name)[:40]
        suffix = self.state.lower()
        middles = itertools.chain(("", _slug(city)[:20]), (str(n) for n in range(2, 500)))
        for middle in middles:
            domain = f"{base}{middle}{suffix}.{tld}"
            if domain not in self.domains:
                self.domains.add(domain)
                return domain
        raise AssertionError("500 businesses with one name in one city")

    def _google_website(self, domain: str | None, website: str | None) -> str | None:
        if domain is None:
            return website
        return self.rng.choice(
            (f"https://www.{domain}/", f"http://{domain}/", f"https://{domain}/",
             f"https://www.{domain}/?utm_source=gmb")
        )  # fmt: skip

    def _email(self, name: str, domain: str | None) -> str:
        rng = self.rng
        if domain is None or rng.random() < 0.2:
            return f"{_slug(name)[:30]}@{rng.choice(_FREE_MAIL)}"
        if rng.random() < 0.2:
            return f"{rng.choice(words.SURNAMES).lower()}@{domain}"
        return f"{rng.choice(_ROLES)}@{domain}"

    def _phone(self, where: ZipPoint) -> str:
        rng = self.rng
        while True:
            area = rng.choice(where.area_codes) if where.area_codes else str(rng.randint(201, 989))
            number = f"+1{area}{rng.randint(201, 989)}{rng.randint(0, 9999):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _street(self) -> str:
        rng = self.rng
        short, _ = rng.choice(words.STREET_TYPES)
        return f"{rng.randint(100, 9899)} {rng.choice(words.STREETS)} {short}"
