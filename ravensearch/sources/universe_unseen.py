"""An independent synthetic world, written apart from the default one and from the code
that collects, merges and classifies (none of which its author read): what the fakes
list when a benchmark measures on data it was not tuned on (`benchmarks/collect.py
--universe unseen`).

Each true business (`Truth`: one identity, what it really does, whether it is closed)
appears as one listing per provider it is on, sometimes two, and each listing is a
`Business` of its own carrying the `Truth`, so the fakes serve exactly what each provider
shows. Florida by default in the benchmark: ZIPs near Miami, Fort Lauderdale, West Palm
Beach, Orlando, Tampa, St. Petersburg and Jacksonville draw far more businesses than the
rest, the panhandle a third as many (`METROS`, `SPARSE_WEST_OF`). Any state builds.

Shares below are of the 9,736 true businesses of Florida at the default seed (15,492
listings; 3,957 open HVAC businesses), from `Truth.patterns`:

- on Google only 33 %, on Yelp only 9.3 %, on both the rest; a second, stale listing on
  the same provider: Yelp 1.8 % (other phone or name spelling), Google 0.7 % (storefront
  and service-area twins, another number);
- names differing between the two (a share of the businesses on both): another legal
  suffix 32 % ("Inc" / ", LLC" / " L.L.C."), an owner's first name on one side 6.3 %
  ("Joe Smith Plumbing" / "Smith Plumbing"), "d/b/a" 1.4 % ("Russo Holdings Inc DBA
  Okeechobee Roofing"), the legal name only 0.5 % (nothing shared with the trade name),
  "The " 1.8 %, abbreviations 1.9 % ("A/C", "AC", "Htg", "Svc", "Svcs", "Bros", "Plbg"),
  a trailing city 2.3 % ("of Orlando", " - Tampa"), punctuation or case 2.3 %, "&" /
  "and" 1.3 %, Google names stuffed with keywords 1.2 % ("… | 24/7 AC Repair");
- phones: a Yelp call-tracking number 4.4 %, a Google one 1.5 %, no phone on Google 2.3 %,
  on Yelp 2.7 %; franchise locations sharing one toll-free number on Google 0.3 %;
- addresses: street spelled out on Yelp 15 % ("North Industrial Drive" / "N Industrial
  Dr", "State Road 434" / "FL-434", "US Highway 19" / "US-19"), suites spelled
  differently 2.7 % ("Ste. G" / "Ste G" / "#414" / "Unit 264"), the suite inside Yelp's
  street line 1.2 %, dropped on Yelp 0.9 %; a service-area business shown without an
  address on Google and with one on Yelp 9.5 %; Yelp hides a storefront's
  address 2.4 %; moved (Yelp keeps the old address, ZIP and pin, up to 20 km away) 0.9 %;
  Yelp's pin 50–300 m from Google's 17 % (else within 30 m); Yelp names a neighbouring
  postal city 1.3 %;
- franchises 1.1 % (9 brands, 4–22 locations each, one name and website, distinct
  addresses; Google sometimes adds " of City"); different businesses in one building,
  each in its own suite 2.5 %; namesakes (one name, unrelated businesses, in one city
  or in two) 3.7 %;
- trades: two trades named in the name 5.5 % ("Plumbing & Heating", "Heating, Cooling &
  Plumbing", "Electric & Air": both are true); electricians listing HVAC on Yelp (and
  returned by Google's HVAC query) 1.0 % and appliance repairers doing so 1.3 % (true trade:
  their own); another trade's business returned by a trade's Google query 7.4 %; HVAC
  businesses whose name says nothing of it 2.5 % ("Castillo Enterprises"); HVAC filed only
  under "contractors" on Yelp 0.5 %; businesses of no trade (car A/C shops, A/C supply
  stores, home warranties, pool heaters) returned by trade queries 1.2 %, a few of them
  filed under HVAC on Yelp 0.24 %;
- status: permanently closed 4.6 % (Google says so; Yelp still open for 1.0 %),
  temporarily closed 1.9 %, an open business with no or an unspecified Google
  `businessStatus` 1.6 %.

Built per state from `random.Random(f"unseen:{seed}:{state}")`: the same seed gives the
same listings, ids included.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ravensearch.sources import universe_unseen_more as more
from ravensearch.sources import universe_unseen_words as words
from ravensearch.sources.geo import ZipPoint, state_geo
from ravensearch.sources.universe import Business, Universe, _slug
from ravensearch.sources.universe_unseen_more import Plan, Side, offset

SEED = 20270311
PER_ZIP = 10.0  # true businesses per street-delivery ZIP (Florida, 927 ZIPs: ~9,300)
MIN_TRUTHS, MAX_TRUTHS = 2000, 12000
TRADE_MIX = {
    "hvac": 40, "plumbing": 18, "electrical": 14, "roofing": 8, "appliance_repair": 7,
    "general_contractor": 5, "locksmith": 3, "garage_door": 3, "pest_control": 2,
}  # fmt: skip
# Metro centres (lat, lng, pull): ZIPs near them get more businesses than a plain ZIP.
METROS = {
    "FL": (
        (25.77, -80.19, 7.0), (26.12, -80.14, 5.0), (26.71, -80.05, 3.0),  # Miami, Ft L, WPB
        (28.54, -81.38, 6.0), (27.95, -82.46, 5.0), (27.77, -82.64, 3.0),  # Orlando, Tampa, StP
        (30.33, -81.66, 4.0),  # Jacksonville
    ),
}  # fmt: skip
METRO_RADIUS_KM = 30.0
SPARSE_WEST_OF = {"FL": (-84.8, 0.35)}  # the panhandle: (longitude, weight factor)
GOOGLE_SHARE, YELP_SHARE = 0.90, 0.62
NAMESAKE_SHARE = 0.02  # a name another business of the same trade has, elsewhere
# A neighbouring trade's Google query returns some of a trade's businesses: (for, share).
MIXED_IN = {
    "plumbing": (("hvac",), 0.12), "electrical": (("hvac",), 0.10),
    "general_contractor": (("hvac", "roofing"), 0.05), "roofing": (("general_contractor",), 0.05),
    "hvac": (("plumbing",), 0.08), "garage_door": (("locksmith",), 0.05),
}  # fmt: skip
_KM = 111.32  # km per degree of latitude
# Every name `Truth.patterns` uses, as the docstring describes them.
PATTERNS = (
    "google_only", "yelp_only", "second_yelp_listing", "second_google_listing",
    "legal_suffix", "owner_name", "dba", "legal_name_only", "the_prefix", "abbreviation",
    "city_suffix", "punctuation_case", "and_ampersand", "keyword_stuffing",
    "yelp_tracking_phone", "google_tracking_phone", "phone_missing_google",
    "phone_missing_yelp", "toll_free_shared", "street_spelling", "suite_spelling",
    "suite_in_address1", "suite_dropped", "sab_one_side", "address_hidden_yelp", "moved",
    "coords_50_300m", "yelp_city_differs", "franchise", "shared_building", "namesake",
    "dual_trade", "electrician_lists_hvac", "appliance_lists_hvac", "other_trade_in_results",
    "nameless_hvac", "miscategorised_yelp", "foreign", "foreign_on_yelp", "closed",
    "closed_stale_yelp", "temporarily_closed", "status_unknown",
)  # fmt: skip


def unseen_universe(seed: int = SEED, **options: Any) -> Universe:
    """A `Universe` of this world (the Yelp fake shrinks dense circles, as in `hard`)."""
    return Universe(seed, hard=True, build=build_state, **options)


def build_state(universe: Universe, state: str) -> list[Business]:
    return _Builder(universe.seed, state).build()


class _Builder:
    def __init__(self, seed: int, state: str) -> None:
        self.state = state
        self.rng = random.Random(f"unseen:{seed}:{state}")
        self.zips = state_geo(state).standard_points
        self.cum = list(itertools.accumulate(self._weight(p) for p in self.zips))
        self.plans: list[Plan] = []
        self.phones: set[str] = set()
        self.domains: set[str] = set()
        self.names: dict[str, list[str]] = {}  # names taken, by trade
        self.slugs: set[str] = set()

    def _weight(self, point: ZipPoint) -> float:
        weight = 1.0
        for lat, lng, pull in METROS.get(self.state, ()):
            km = math.hypot(point.lat - lat, (point.lng - lng) * math.cos(math.radians(lat))) * _KM
            weight += pull * math.exp(-((km / METRO_RADIUS_KM) ** 2))
        west, factor = SPARSE_WEST_OF.get(self.state, (-999.0, 1.0))
        return weight * factor if point.lng < west else weight

    def build(self) -> list[Business]:
        rng = self.rng
        count = max(MIN_TRUTHS, min(MAX_TRUTHS, round(len(self.zips) * PER_ZIP)))
        trades = rng.choices(list(TRADE_MIX), weights=list(TRADE_MIX.values()), k=count)
        for trade in trades:
            self._independent(trade)
        more.shared_buildings(self, count // 100)
        more.franchises(self)
        more.foreign(self, count // 80)
        more.mark_namesakes(self.plans)
        return more.emit(self)

    def _key(self) -> str:
        return f"{self.state}-T{len(self.plans):05d}"

    def _zip(self) -> ZipPoint:
        return self.rng.choices(self.zips, cum_weights=self.cum)[0]

    def _near(self, point: ZipPoint, km: float, *, other_city: bool = False) -> ZipPoint:
        close = [
            p
            for p in self.zips
            if p.zip != point.zip
            and (not other_city or p.city != point.city)
            and _km(p.lat, p.lng, point.lat, point.lng) <= km
        ]
        return self.rng.choice(close) if close else point

    def _spot(self, point: ZipPoint, spread: float = 0.02) -> tuple[float, float]:
        rng = self.rng
        lat = point.lat + max(-0.05, min(0.05, rng.gauss(0.0, spread)))
        lng = point.lng + max(-0.05, min(0.05, rng.gauss(0.0, spread)))
        return round(lat, 6), round(lng, 6)

    def _independent(
        self,
        trade: str,
        *,
        where: ZipPoint | None = None,
        spot: tuple[float, float] | None = None,
        parts: tuple[str, ...] | None = None,
        suite: str | None = None,
    ) -> Plan:
        rng = self.rng
        where = where or self._zip()
        patterns: list[str] = []
        trades: tuple[str, ...] = (trade,)
        dual = [d for d in words.DUAL_WORDS if d[0][0] == trade]
        if dual and rng.random() < (0.05 if trade == "electrical" else 0.08):
            trades, word = rng.choice(dual)
            name, kind = self._unique(lambda: f"{rng.choice(words.STEMS)} {word}"), "dual"
            patterns.append("dual_trade")
        else:
            name, kind = self._name(trade, where.city)
        if kind == "nameless":
            patterns.append("nameless_hvac")
        closed = rng.random() < 0.05
        plan = Plan(self._key(), name, trades, closed, patterns=patterns)
        self._website(plan)
        lat, lng = spot or self._spot(where)
        sab = parts is None and rng.random() < 0.30
        if parts is None and (not sab or rng.random() < 0.5):
            parts = words.street(rng, miami_grid=where.city in ("Miami", "Hialeah", "Homestead"))
        if suite is None and parts is not None and not sab and rng.random() < 0.15:
            suite = words.suite_label(rng)
        phone = self._phone(where) if rng.random() < 0.97 else None
        on_google = rng.random() < GOOGLE_SHARE
        on_yelp = rng.random() < YELP_SHARE or not on_google
        street = words.spell_street(rng, parts, long=False) if parts else None
        base = Side(name, street, None, where.city, where.zip, lat, lng, phone, trades)
        if on_google:
            google = replace(base, sab=sab, suite=_suite(rng, suite), closed=closed)
            plan.google.append(google)
        if on_yelp:
            yelp = replace(base, closed=closed and (not on_google or rng.random() < 0.55))
            plan.yelp.append(yelp)
            if closed and on_google and not yelp.closed:
                patterns.append("closed_stale_yelp")
            self._yelp_address(plan, yelp, parts, suite, sab, where)
        if on_google and on_yelp:
            more.vary_pair(self, plan, kind, where)
        else:
            patterns.append("google_only" if on_google else "yelp_only")
        self._trade_listings(plan, trade)
        self._status(plan)
        self._second_listing(plan, where)
        self.plans.append(plan)
        return plan

    def _name(self, trade: str, city: str) -> tuple[str, str]:
        """A name no other business of the state has, but now and then a namesake's."""
        taken = self.names.setdefault(trade, [])
        if taken and self.rng.random() < NAMESAKE_SHARE:
            return self.rng.choice(taken), "namesake"
        kinds: list[str] = []

        def make() -> str:
            name, kind = words.trade_name(self.rng, trade, city)
            kinds.append(kind)
            return name

        name = self._unique(make)
        taken.append(name)
        return name, kinds[-1]

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(20):
            name = make()
            if _slug(name) not in self.slugs:
                break
        else:
            name = f"{self.rng.choice(words.SURNAMES)} {self.rng.choice(words.SURNAMES)} {name}"
        self.slugs.add(_slug(name))
        return name

    def _website(self, plan: Plan, domain: str | None = None) -> None:
        roll = self.rng.random()
        if domain is None and roll < 0.08:
            plan.website = f"https://www.facebook.com/{_slug(plan.name)}{len(self.plans)}"
        elif domain is not None or roll < 0.78:
            plan.domain = domain or self._domain(plan.name)
            plan.website = f"https://{plan.domain}/"

    def _domain(self, name: str) -> str:
        # The first label ends with the state code: `Universe.site_spec` finds the state so.
        base, tld = _slug(words.strip_legal(name))[:40], self.rng.choice(("com",) * 6 + ("net",))
        for middle in itertools.chain(("",), (str(n) for n in range(2, 999))):
            domain = f"{base}{middle}{self.state.lower()}.{tld}"
            if domain not in self.domains:
                self.domains.add(domain)
                return domain
        raise AssertionError("999 businesses with one name")

    def _phone(self, where: ZipPoint, *, toll_free: bool = False) -> str:
        rng = self.rng
        while True:
            if toll_free:
                area = rng.choice(("800", "888", "877", "866", "855", "844"))
            else:
                area = rng.choice(where.area_codes) if where.area_codes else "407"
            number = f"+1{area}{rng.randint(201, 989)}{rng.randint(0, 9999):04d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _yelp_address(
        self,
        plan: Plan,
        yelp: Side,
        parts: tuple[str, ...] | None,
        suite: str | None,
        sab: bool,
        where: ZipPoint,
    ) -> None:
        """How the owner typed the address on Yelp, and where Yelp put the pin."""
        rng = self.rng
        hidden = parts is None or (sab and rng.random() < 0.5) or rng.random() < 0.05
        if hidden:
            yelp.street = None
            yelp.lat, yelp.lng = self._spot(where, spread=0.004)
            if parts is not None:
                plan.patterns.append("sab_one_side" if sab else "address_hidden_yelp")
            return
        if sab:
            plan.patterns.append("sab_one_side")  # Google hides it, Yelp shows it
        assert parts is not None
        if rng.random() < 0.35:
            short, yelp.street = yelp.street, words.spell_street(rng, parts, long=True)
            if yelp.street != short:
                plan.patterns.append("street_spelling")
        google_suite = plan.google[0].suite if plan.google else None
        if suite is not None:
            roll = rng.random()
            if roll < 0.4:
                yelp.suite = google_suite or _suite(rng, suite)
            elif roll < 0.75:
                yelp.suite = words.spell_suite(rng, suite, avoid=google_suite)
                plan.patterns.append("suite_spelling")
            elif roll < 0.9:
                joiner = rng.choice((" ", ", "))
                yelp.street = f"{yelp.street}{joiner}{words.spell_suite(rng, suite)}"
                plan.patterns.append("suite_in_address1")
            else:
                plan.patterns.append("suite_dropped")
        if rng.random() < 0.35:
            meters = rng.uniform(50, 300)
            yelp.lat, yelp.lng = offset(rng, yelp.lat, yelp.lng, meters)
            plan.patterns.append("coords_50_300m")
        else:
            yelp.lat, yelp.lng = offset(rng, yelp.lat, yelp.lng, rng.uniform(0, 30))
        if rng.random() < 0.03:
            yelp.city = self._near(where, 15, other_city=True).city
            if yelp.city != where.city:
                plan.patterns.append("yelp_city_differs")
        if not sab and rng.random() < 0.02:
            old = self._near(where, 20)
            old_parts = words.street(rng, miami_grid=False)
            yelp.street = words.spell_street(rng, old_parts, long=False)
            yelp.suite, yelp.city, yelp.zip = None, old.city, old.zip
            yelp.lat, yelp.lng = self._spot(old)
            plan.patterns.append("moved")

    def _trade_listings(self, plan: Plan, trade: str) -> None:
        """What each provider files the business under, beside what it does."""
        rng = self.rng
        single = len(plan.trades) == 1
        if not single and rng.random() < 0.3:
            for yelp in plan.yelp:
                yelp.trades = plan.trades[:1]
        if single and trade == "electrical" and rng.random() < 0.08:
            _listed(plan, yelp_adds=("hvac",), google_also=("hvac",))
            plan.patterns.append("electrician_lists_hvac")
        elif single and trade == "appliance_repair" and rng.random() < 0.20:
            google_also: tuple[str, ...] = ("hvac",) if rng.random() < 0.5 else ()
            _listed(plan, yelp_adds=("hvac",), google_also=google_also)
            plan.patterns.append("appliance_lists_hvac")
        elif single and trade == "hvac" and plan.yelp and rng.random() < 0.02:
            for yelp in plan.yelp:
                yelp.trades = ("general_contractor",)
            plan.patterns.append("miscategorised_yelp")
        neighbours, share = MIXED_IN.get(trade, ((), 0.0))
        if neighbours and rng.random() < share:
            also = tuple(t for t in neighbours if t not in plan.trades)
            for google in plan.google:
                google.also = tuple(dict.fromkeys(google.also + also))
            plan.patterns.append("other_trade_in_results")

    def _status(self, plan: Plan) -> None:
        rng = self.rng
        if plan.closed:
            plan.patterns.append("closed")
            return
        roll = rng.random()
        if roll < 0.02:
            for google in plan.google:
                google.temp = True
            for yelp in plan.yelp:
                yelp.temp = rng.random() < 0.5
            plan.patterns.append("temporarily_closed")
        elif roll < 0.04 and plan.google:
            plan.google[0].status = rng.choice(("", "BUSINESS_STATUS_UNSPECIFIED"))
            plan.patterns.append("status_unknown")

    def _second_listing(self, plan: Plan, where: ZipPoint) -> None:
        """A business listed twice on one provider: an old page nobody removed."""
        rng = self.rng
        if plan.yelp and rng.random() < 0.025:
            first = plan.yelp[0]
            name = words.with_legal(rng, first.name) if rng.random() < 0.5 else first.name.upper()
            phone = self._phone(where) if rng.random() < 0.5 else first.phone
            plan.yelp.append(replace(first, name=name, phone=phone))
            plan.patterns.append("second_yelp_listing")
        if plan.google and rng.random() < 0.01:
            first = plan.google[0]
            sab = not first.sab if first.street else first.sab
            plan.google.append(replace(first, sab=sab, phone=self._phone(where)))
            plan.patterns.append("second_google_listing")


def _suite(rng: random.Random, label: str | None) -> str | None:
    return words.spell_suite(rng, label) if label else None


def _listed(plan: Plan, *, yelp_adds: tuple[str, ...], google_also: tuple[str, ...]) -> None:
    for yelp in plan.yelp:
        yelp.trades = yelp.trades + yelp_adds
    for google in plan.google:
        google.also = google.also + google_also


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    return math.hypot(lat1 - lat2, (lng1 - lng2) * math.cos(math.radians(lat1))) * _KM
