"""The unseen universe's listings (`universe_unseen`): how one business's two listings come
to differ, the businesses made in groups (franchises, shared buildings, businesses outside
every trade), and the `Business` records the fakes serve, each carrying its `Truth`."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ravensearch.sources import universe_unseen_words as words
from ravensearch.sources.universe import SITE_STYLES, Business, SiteStyle, Truth, _random_id, _slug

if TYPE_CHECKING:
    from ravensearch.sources.geo import ZipPoint
    from ravensearch.sources.universe_unseen import _Builder

BRANDS = (
    ("One Call Air & Heat", "hvac"), ("Polar Express Air", "hvac"),
    ("Sun State Comfort Pros", "hvac"), ("Rapid Breeze AC", "hvac"),
    ("Mister Cool Heating & Air", "hvac"), ("Blue Dolphin Air Conditioning", "hvac"),
    ("Lightning Rooter & Plumbing", "plumbing"), ("Bright Spark Electric", "electrical"),
    ("Fix-It Appliance Service", "appliance_repair"),
)  # fmt: skip
# Outside every trade, yet a trade's Google query returns it: (Google type, word, for).
FOREIGN = (
    ("car_repair", "Auto A/C & Radiator", ("hvac",)),
    ("home_improvement_store", "A/C Supply", ("hvac",)),
    ("insurance_agency", "Home Warranty", ("hvac", "plumbing", "electrical")),
    ("car_repair", "Auto Electric", ("electrical",)),
    ("store", "Pool & Spa Heaters", ("hvac", "plumbing")),
)
_NEIGHBOUR_TRADES = ("hvac", "hvac", "plumbing", "electrical", "general_contractor", "roofing")
_STYLE_WEIGHTS = (30, 15, 10, 10, 10, 15, 10)
_ROLES = ("info", "office", "service", "contact", "dispatch")
_KM = 111.32


@dataclass
class Side:
    """One listing on one provider, as it will be shown."""

    name: str
    street: str | None
    suite: str | None
    city: str
    zip: str
    lat: float
    lng: float
    phone: str | None
    trades: tuple[str, ...]
    also: tuple[str, ...] = ()
    sab: bool = False
    closed: bool = False
    temp: bool = False
    status: str | None = None
    foreign: str | None = None


@dataclass
class Plan:
    """One true business and its listings."""

    key: str
    name: str
    trades: tuple[str, ...]
    closed: bool
    domain: str | None = None
    website: str | None = None
    patterns: list[str] = field(default_factory=list)
    google: list[Side] = field(default_factory=list)
    yelp: list[Side] = field(default_factory=list)


def vary_pair(builder: _Builder, plan: Plan, kind: str, where: ZipPoint) -> None:
    """The name and phone of a business on both providers, each written its own way."""
    rng = builder.rng
    google, yelp = plan.google[0], plan.yelp[0]
    if rng.random() < 0.35:
        google.name = words.with_legal(rng, google.name)
    if rng.random() < 0.35:
        yelp.name = words.with_legal(rng, yelp.name)
    if google.name != yelp.name:
        plan.patterns.append("legal_suffix")
    side = google if rng.random() < 0.5 else yelp
    roll, name, city = rng.random(), side.name, side.city
    company = rng.choice(("Enterprises", "Holdings", "Industries", "Group", "Mechanical"))
    legal = f"{rng.choice(words.SURNAMES)} {company}{rng.choice(words.LEGAL)}"
    changed: tuple[str, str | None]
    if kind == "owner" and roll < 0.5:
        changed = "owner_name", name.split(" ", 1)[1]  # "Joe Smith Plumbing" → "Smith Plumbing"
    elif roll < 0.03:
        changed = "dba", f"{legal} {rng.choice(('dba', 'd/b/a', 'DBA'))} {name}"
    elif roll < 0.04:
        changed = "legal_name_only", legal
    elif roll < 0.08:
        changed = "the_prefix", f"The {name}"
    elif roll < 0.16:
        changed = "abbreviation", words.abbreviate(rng, name)
    elif roll < 0.22 and city not in name:
        changed = "city_suffix", rng.choice(("{} of {}", "{} - {}", "{} {}")).format(name, city)
    elif roll < 0.30:
        changed = "punctuation_case", words.recase(rng, name)
    elif roll < 0.37:
        changed = "and_ampersand", words.swap_and(name)
    elif roll < 0.40:
        side, name = google, google.name
        stuff = rng.choice(words.STUFFING).format(city=city)
        changed = "keyword_stuffing", f"{name} {rng.choice(('|', '-'))} {stuff}"
    else:
        changed = "", None
    if changed[1] and changed[1] != name:
        side.name = changed[1]
        plan.patterns.append(changed[0])
    if google.phone is None:
        return
    roll = rng.random()
    if roll < 0.09:
        yelp.phone, pattern = builder._phone(where), "yelp_tracking_phone"
    elif roll < 0.12:
        google.phone, pattern = builder._phone(where), "google_tracking_phone"
    elif roll < 0.16:
        google.phone, pattern = None, "phone_missing_google"
    elif roll < 0.21:
        yelp.phone, pattern = None, "phone_missing_yelp"
    else:
        return
    plan.patterns.append(pattern)


def shared_buildings(builder: _Builder, groups: int) -> None:
    """Different businesses at one street address, each in its own suite."""
    rng = builder.rng
    for _ in range(groups):
        where = builder._zip()
        spot = builder._spot(where)
        parts = words.street(rng, miami_grid=False)
        size = 2 if rng.random() < 0.7 else rng.randint(3, 5)
        labels = [str(n) for n in rng.sample(range(100, 460, 10), size)]
        for index, label in enumerate(labels):
            trade = "hvac" if index == 0 else rng.choice(_NEIGHBOUR_TRADES)
            plan = builder._independent(trade, where=where, spot=spot, parts=parts, suite=label)
            plan.patterns.append("shared_building")


def franchises(builder: _Builder) -> None:
    """Brands with many locations: one name, one website, often one toll-free number."""
    rng = builder.rng
    for brand, trade in BRANDS:
        count = rng.randint(6, 22) if trade == "hvac" else rng.randint(4, 10)
        toll_free = rng.random() < 0.5
        domain = builder._domain(brand)
        central = builder._phone(builder.zips[0], toll_free=True)
        streets: set[tuple[str, str]] = set()
        for _ in range(count):
            where = builder._zip()
            parts = words.street(rng, miami_grid=False)
            street = words.spell_street(rng, parts, long=False)
            if (street, where.zip) in streets:
                continue
            streets.add((street, where.zip))
            lat, lng = builder._spot(where)
            phone = builder._phone(where)
            patterns = ["franchise", *(["toll_free_shared"] if toll_free else [])]
            plan = Plan(builder._key(), brand, (trade,), False, patterns=patterns)
            plan.domain, plan.website = domain, f"https://{domain}/locations/{_slug(where.city)}/"
            on_google = rng.random() < 0.95
            on_yelp = rng.random() < 0.7 or not on_google
            shown = rng.choice(("{}", "{}", "{} of {}", "{} - {}")).format(brand, where.city)
            base = Side(shown, street, None, where.city, where.zip, lat, lng, phone, (trade,))
            if on_google:
                plan.google.append(base)
                if toll_free:
                    plan.google[0].phone = central
            if on_yelp:
                yelp_name = brand if rng.random() < 0.7 else shown
                lat, lng = offset(rng, lat, lng, rng.uniform(0, 250))
                long = rng.random() < 0.3
                yelp_street = words.spell_street(rng, parts, long=long)
                plan.yelp.append(
                    Side(yelp_name, yelp_street, None, where.city, where.zip, lat, lng, phone,
                         (trade,))
                )  # fmt: skip
            builder.plans.append(plan)


def foreign(builder: _Builder, count: int) -> None:
    """Businesses of no trade that a trade's query returns (a car A/C shop for "HVAC")."""
    rng = builder.rng
    for _ in range(count):
        kind, word, listed = rng.choice(FOREIGN)
        where = builder._zip()
        lat, lng = builder._spot(where)
        name = f"{rng.choice(words.PLACES + words.SURNAMES)} {word}"
        street = words.spell_street(rng, words.street(rng, miami_grid=False), long=False)
        plan = Plan(builder._key(), name, (), False, patterns=["foreign"])
        phone = builder._phone(where)
        side = Side(name, street, None, where.city, where.zip, lat, lng, phone, ())
        plan.google.append(Side(**{**side.__dict__, "also": listed, "foreign": kind}))
        if "hvac" in listed and rng.random() < 0.15:
            plan.yelp.append(Side(**{**side.__dict__, "trades": ("hvac",)}))
            plan.patterns.append("foreign_on_yelp")
        builder.plans.append(plan)


def mark_namesakes(plans: list[Plan]) -> None:
    """Unrelated businesses with one name (franchise locations are one brand, not that)."""
    named = Counter(
        _slug(words.strip_legal(plan.name)) for plan in plans if "franchise" not in plan.patterns
    )
    for plan in plans:
        if "franchise" not in plan.patterns and named[_slug(words.strip_legal(plan.name))] > 1:
            plan.patterns.append("namesake")


def emit(builder: _Builder) -> list[Business]:
    """Every listing as a `Business`: Google's first, so a phone finds a Google listing."""
    rng, state = builder.rng, builder.state
    truths = {
        plan.key: Truth(plan.key, plan.trades, plan.closed, tuple(sorted(set(plan.patterns))))
        for plan in builder.plans
    }
    rows = [(p, truths[p.key], side, True) for p in builder.plans for side in p.google]
    rows += [(p, truths[p.key], side, False) for p in builder.plans for side in p.yelp]
    aliases: set[str] = set()
    businesses: list[Business] = []
    for index, (plan, truth, side, on_google) in enumerate(rows):
        style: SiteStyle = (
            rng.choices(SITE_STYLES, weights=_STYLE_WEIGHTS)[0] if plan.domain else "none"
        )
        alias = None
        if not on_google:
            alias = base = f"{_slug(side.name)[:40]}-{_slug(side.city)}"
            for n in range(2, 999):
                if alias not in aliases:
                    break
                alias = f"{base}-{n}"
            aliases.add(alias)
        businesses.append(
            Business(
                key=f"{state}-{index:06d}",
                name=plan.name,
                trades=side.trades,
                state=state,
                city=side.city,
                zip=side.zip,
                street=side.street,
                lat=side.lat,
                lng=side.lng,
                phone_e164=side.phone,
                domain=plan.domain,
                website=plan.website,
                email=f"{rng.choice(_ROLES)}@{plan.domain}" if style != "none" else None,
                site_style=style,
                service_area_only=side.sab,
                closed=side.closed,
                temporarily_closed=side.temp,
                prominence=rng.random(),
                rating=round(rng.uniform(2.5, 5.0) * 2) / 2,
                review_count=int(rng.expovariate(1 / 40)),
                google_id=_random_id(rng, "ChIJ", 23) if on_google else None,
                google_name=side.name,
                google_website=_google_website(rng, plan) if on_google else None,
                yelp_id=None if on_google else _random_id(rng, "", 22),
                yelp_alias=alias,
                yelp_name=side.name,
                suite=side.suite,
                also_listed_for=side.also,
                foreign_type=side.foreign,
                google_status=side.status,
                truth=truth,
            )
        )
    return businesses


def _google_website(rng: random.Random, plan: Plan) -> str | None:
    if plan.domain is None or "/locations/" in (plan.website or ""):
        return plan.website
    forms = ("https://www.{}/", "http://{}/", "https://{}/", "https://www.{}/?utm_source=gmb")
    return rng.choice(forms).format(plan.domain)


def offset(rng: random.Random, lat: float, lng: float, meters: float) -> tuple[float, float]:
    """A point `meters` away from (lat, lng) in a random direction."""
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = meters * math.cos(bearing) / (_KM * 1000)
    dlng = meters * math.sin(bearing) / (_KM * 1000 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)
