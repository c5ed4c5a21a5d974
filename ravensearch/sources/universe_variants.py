"""The harder universe: what real provider data does that the plain synthetic world does not.

Applied on top of a state's plain businesses with its own random stream (the plain world
stays byte-for-byte the same):

- Yelp lists the business under another phone (a call-tracking line), or writes the name
  another way: "Heating & Air" → "Heating and Air Conditioning", "&" → "and", another
  legal suffix, other punctuation or case;
- franchises: one brand (same name, same website, often one central phone) at several
  addresses, each location its own business;
- suites ("Suite 200"), kept by Google as `subpremise` and by Yelp as `address2`;
- temporarily closed businesses and future openings;
- neighbouring trades that a trade's Google text query also returns (an electrician for
  "HVAC contractor");
- Google listings whose address (hence US state) cannot be read.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import defaultdict
from typing import TYPE_CHECKING

from ravensearch.sources.geo import ZipPoint

if TYPE_CHECKING:
    from ravensearch.sources.universe import Business, _StateBuilder

# Trades a text query for the key returns businesses of, with how often.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "electrical": ("hvac",),
    "plumbing": ("hvac",),
    "appliance_repair": ("hvac",),
    "hvac": ("plumbing", "electrical"),
    "roofing": ("general_contractor",),
    "general_contractor": ("roofing",),
    "garage_door": ("locksmith",),
    "locksmith": ("garage_door",),
}
NEIGHBOUR_SHARE = 0.15
YELP_OTHER_PHONE_SHARE = 0.10
YELP_RENAMED_SHARE = 0.35
SUITE_SHARE = 0.12
FUTURE_OPENING_SHARE = 0.01
TEMPORARILY_CLOSED_SHARE = 0.02
STATE_HIDDEN_SHARE = 0.01
BRAND_SHARE = 0.012  # of businesses with their own domain: brands with more locations
CENTRAL_PHONE_SHARE = 0.5

_TRADE_WORD_VARIANTS = (
    ("Heating & Air", "Heating and Air Conditioning"),
    ("Heating & Cooling", "Heating and Cooling"),
    ("Air Conditioning", "Air Conditioning & Heating"),
    ("Plumbing & Drain", "Plumbing and Drain Cleaning"),
    ("Electrical Services", "Electrical Service"),
    ("Lock & Key", "Lock and Key"),
)
# Businesses outside every trade that trade queries return: (Google type, name word, for).
FOREIGN = (
    ("car_repair", "Auto A/C Repair", ("hvac",)),
    ("car_repair", "Auto Electric", ("electrical",)),
    ("painter", "Painting", ("general_contractor", "roofing")),
    ("hardware_store", "Hardware", ("plumbing", "electrical", "hvac")),
    ("moving_company", "Movers", ("general_contractor",)),
)
FOREIGN_SHARE = 0.01
_LEGAL = re.compile(r",? (LLC|Inc\.|Co\.)$")
_SUITES = ("Suite {}", "Ste {}", "Ste. {}", "#{}", "Unit {}")


class Variants:
    def __init__(self, builder: _StateBuilder, rng: random.Random) -> None:
        self.builder = builder
        self.rng = rng
        self._by_zip = {point.zip: point for point in builder.zips}

    def apply(self, plain: list[Business]) -> list[Business]:
        varied = [self._vary(b) for b in plain]
        varied += self._franchise_locations(varied)
        return varied + self._foreign(varied)

    def _foreign(self, businesses: list[Business]) -> list[Business]:
        from ravensearch.sources.universe import _random_id

        rng = self.rng
        extra: list[Business] = []
        for model in rng.sample(businesses, int(len(businesses) * FOREIGN_SHARE)):
            kind, word, listed_for = rng.choice(FOREIGN)
            name = f"{model.name.split()[0]} {word}"
            extra.append(
                dataclasses.replace(
                    model,
                    key=f"{model.state}-X{len(businesses) + len(extra):05d}",
                    name=name, trades=(), also_listed_for=listed_for, foreign_type=kind,
                    google_name=name, yelp_name=name, yelp_id=None, yelp_alias=None,
                    google_id=_random_id(rng, "ChIJ", 23), domain=None, website=None,
                    google_website=None, email=None, site_style="none", brand=None,
                    phone_e164=self.builder._phone(self._zip_of(model)), yelp_phone_e164=None,
                    service_area_only=False, closed=False, street=model.street or "100 Main St",
                )
            )  # fmt: skip
        return extra

    def _vary(self, b: Business) -> Business:
        rng = self.rng
        changes: dict[str, object] = {}
        if b.on_yelp and b.on_google and b.phone_e164 and rng.random() < YELP_OTHER_PHONE_SHARE:
            changes["yelp_phone_e164"] = self.builder._phone(self._zip_of(b))
        if b.on_yelp and rng.random() < YELP_RENAMED_SHARE:
            changes["yelp_name"] = self._renamed(b.yelp_name)
        if b.street and not b.service_area_only and rng.random() < SUITE_SHARE:
            changes["suite"] = rng.choice(_SUITES).format(rng.randint(1, 450))
        roll = rng.random()
        if not b.closed and roll < FUTURE_OPENING_SHARE:
            changes["future_opening"] = True
        elif not b.closed and roll < FUTURE_OPENING_SHARE + TEMPORARILY_CLOSED_SHARE:
            changes["temporarily_closed"] = True
        neighbours = NEIGHBOURS.get(b.trades[0], ())
        if neighbours and rng.random() < NEIGHBOUR_SHARE:
            also = tuple(t for t in neighbours if t not in b.trades)
            changes["also_listed_for"] = also[: rng.randint(1, max(1, len(also)))]
        if b.on_google and rng.random() < STATE_HIDDEN_SHARE:
            changes["google_state_hidden"] = True
        return dataclasses.replace(b, **changes) if changes else b  # type: ignore[arg-type]

    def _renamed(self, name: str) -> str:
        rng = self.rng
        for plain, variant in _TRADE_WORD_VARIANTS:
            if plain in name and rng.random() < 0.8:
                return name.replace(plain, variant)
        roll = rng.random()
        if roll < 0.3:
            return _LEGAL.sub("", name) + rng.choice((" LLC", ", Inc.", " Co.", " Inc"))
        if roll < 0.5:
            return name.upper()
        if roll < 0.7:
            return name.replace("-", " ").replace("'", "").replace(" & ", " and ")
        if roll < 0.85:
            return name.replace(" and ", " & ")
        return f"{name}."

    def _franchise_locations(self, businesses: list[Business]) -> list[Business]:
        rng = self.rng
        by_city: dict[str, list[int]] = defaultdict(list)
        for index, point in enumerate(self.builder.zips):
            by_city[point.city].append(index)
        extra: list[Business] = []
        next_index = len(businesses)
        for brand in businesses:
            if not brand.domain or brand.closed or rng.random() >= BRAND_SHARE:
                continue
            same_city = by_city[brand.city]
            for _ in range(rng.randint(1, 4)):
                choices = same_city if len(same_city) > 1 and rng.random() < 0.7 else None
                where = (
                    self.builder.zips[rng.choice(choices)]
                    if choices
                    else rng.choice(self.builder.zips)
                )
                extra.append(self._location(brand, next_index, where))
                next_index += 1
        return extra

    def _location(self, brand: Business, index: int, where: ZipPoint) -> Business:
        from ravensearch.sources.universe import _random_id, _slug

        rng = self.rng
        central = brand.phone_e164 is not None and rng.random() < CENTRAL_PHONE_SHARE
        jitter = (rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01))
        return dataclasses.replace(
            brand,
            key=f"{brand.state}-{index:05d}",
            city=where.city,
            zip=where.zip,
            street=self.builder._street(),
            suite=None,
            service_area_only=False,
            lat=round(where.lat + jitter[0], 6),
            lng=round(where.lng + jitter[1], 6),
            phone_e164=brand.phone_e164 if central else self.builder._phone(where),
            yelp_phone_e164=None,
            closed=False,
            temporarily_closed=False,
            future_opening=False,
            google_state_hidden=False,
            google_id=_random_id(rng, "ChIJ", 23) if brand.on_google else None,
            yelp_id=_random_id(rng, "", 22) if brand.on_yelp else None,
            yelp_alias=f"{_slug(brand.name)}-{_slug(where.city)}-{index}"
            if brand.on_yelp
            else None,
            brand=brand.key,
        )

    def _zip_of(self, b: Business) -> ZipPoint:
        return self._by_zip[b.zip]
