"""Whether two listings with different phones are one business: a similar name at the
same place. Whether two listings sharing a phone are one business (one that moved, or a
suburb's name on one provider) or two locations of one franchise. Pure; rows are the
column dicts of `targets.listings`; names are compared by `targets.names`.

Places agree on the same street address (`targets.streets`: "6700 E Baymeadows Trl" is
"6700 East Baymeadows Trail"), else the same ZIP when one shows no street address (its
point is then somewhere in its area), else within `NEAR_M` meters; when one shows no location at all (a service-area business) the
same city will do, but only for near-identical names. Two different phones, both shown,
on one provider need the street address or the coordinates to agree: a ZIP or a city holds
namesakes (on two providers, one phone is often a call-tracking line).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

from ravensearch.kit.distance import distance_m
from ravensearch.targets.merge import Row
from ravensearch.targets.names import name_words, similar_names
from ravensearch.targets.phones import is_toll_free
from ravensearch.targets.streets import parse_street

NEAR_M = 150.0
# Listings of one business in two towns (a suburb's name on one provider) are this close.
OTHER_TOWN_M = 5_000.0
_SUITE_WORD = re.compile(r"^(?:suite|ste|unit|apt|room|rm|no)\b\.?|#", re.IGNORECASE)


def suite_key(suite: str | None) -> str | None:
    """ "Suite 200", "Ste. 200" and "#200" → "200"."""
    text = _SUITE_WORD.sub("", (suite or "").strip()).strip(" .#-").lower()
    return "".join(text.split()) or None


def other_suite(a: Row, b: Row) -> bool:
    """Two suites of one building under two names: two businesses, even with one phone
    or one website (a shared front desk, one web agency's site)."""
    suites = suite_key(a.get("address_suite")), suite_key(b.get("address_suite"))
    return (
        all(suites)
        and suites[0] != suites[1]
        and not similar_names(a["business_name"], b["business_name"])
    )


def same_place(a: Row, b: Row, *, by_zip: bool = True) -> bool:
    """The same street address, else (`by_zip`) the same ZIP, else within `NEAR_M`."""
    streets = parse_street(a.get("address")), parse_street(b.get("address"))
    if streets[0] is not None and streets[1] is not None:
        return streets[0].matches(streets[1])
    # A listing that hides its street shows a point somewhere in its area, not its door.
    if by_zip and a.get("zip") and b.get("zip") and a["zip"][:5] == b["zip"][:5]:
        return True
    meters = _distance(a, b)
    return meters is not None and meters <= NEAR_M


def same_city_only(a: Row, b: Row) -> bool:
    """Nothing but the city to compare: one side shows no location (a service-area
    business on Google)."""
    return (_bare(a) or _bare(b)) and _city(a) == _city(b)


def places_differ(a: Row, b: Row) -> bool:
    """Two storefronts apart, or two cities far apart: franchise locations, even with one
    phone or one website."""
    streets = parse_street(a.get("address")), parse_street(b.get("address"))
    meters = _distance(a, b)
    if (
        streets[0] is not None
        and streets[1] is not None
        and not streets[0].matches(streets[1])
        and (meters is None or meters > NEAR_M)
    ):
        return True
    both_cities = bool(a.get("city") and b.get("city"))
    return both_cities and _city(a) != _city(b) and (meters is None or meters > OTHER_TOWN_M)


def phones_differ(a: Row, b: Row) -> bool:
    phones = a.get("phone_e164"), b.get("phone_e164")
    return bool(phones[0] and phones[1] and phones[0] != phones[1])


def two_listed_numbers(a: Row, b: Row) -> bool:
    """One provider's two listings with two phones, not at one street address or point:
    two businesses (namesakes, or locations sharing a website). Across providers another
    phone is often a call-tracking line, so it says nothing."""
    return phones_differ(a, b) and _same_provider(a, b) and not same_place(a, b, by_zip=False)


def shared_phone(rows: Sequence[Row], values: Row) -> Row | None:
    """The row of `rows` (those showing `values`' phone) that is `values`' business.

    Where nothing says the places differ, the first one, unless two names share one front
    desk's number (`other_suite`). Elsewhere, a local number with a similar name is one business that
    moved, or that one provider files under a suburb, when it is the only row with that
    number and holds no listing of `values`' provider: one provider lists a business once,
    so its two listings at two places are two locations. A toll-free number rings every
    location of a chain: it joins only a similar name, and never across places apart.
    """
    others = [row for row in rows if row is not values]
    toll_free = is_toll_free(values.get("phone_e164"))
    names = values["business_name"]
    for row in others:
        if places_differ(row, values) or other_suite(row, values):
            continue
        if not toll_free or similar_names(row["business_name"], names, loose=True):
            return row
    if toll_free or len(others) != 1:
        return None
    row = others[0]
    if _same_provider(row, values) or other_suite(row, values):
        return None
    return row if similar_names(row["business_name"], names, loose=True) else None


def _same_provider(row: Row, values: Row) -> bool:
    """`row` already holds a listing of the provider `values` comes from."""
    provider = next(iter(values.get("source_ids") or {}), None)
    return provider is not None and provider in (row.get("source_ids") or {})


def _city(row: Row) -> str:
    return f"{(row.get('city') or '').lower()}|{row.get('state') or ''}"


def _distance(a: Row, b: Row) -> float | None:
    points = a.get("latitude"), a.get("longitude"), b.get("latitude"), b.get("longitude")
    if any(p is None for p in points):
        return None
    return distance_m(*points)  # type: ignore[arg-type]


def _bare(row: Row) -> bool:
    """Shows no location but its city (Google's pure service-area businesses)."""
    return not (row.get("address") or row.get("zip") or row.get("latitude") is not None)


class NearbyNames:
    """Rows by (state, city) and by ZIP, under the first word of their name: the few rows
    a listing with another phone could be the same business as."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, ...], list[Row]] = defaultdict(list)

    def add(self, row: Row) -> None:
        for key in _buckets(row):
            bucket = self._rows[key]
            if not any(known is row for known in bucket):
                bucket.append(row)

    def same_business(self, values: Row) -> Row | None:
        for row in self._candidates(values):
            if row is values:
                continue
            names = row["business_name"], values["business_name"]
            if same_place(row, values, by_zip=False) and similar_names(*names, loose=True):
                return row
            if two_listed_numbers(row, values):
                continue
            # A ZIP holds namesakes ("Collins Air", "Collins Air Conditioning Service"):
            # with another phone, only a near-identical name will do.
            strict = phones_differ(row, values)
            if same_place(row, values) and similar_names(*names, strict=strict):
                return row
            if same_city_only(row, values) and similar_names(*names, strict=True):
                return row
        return None

    def _candidates(self, values: Row) -> Iterator[Row]:
        seen: set[int] = set()
        for key in _buckets(values):
            for row in self._rows.get(key, ()):
                if id(row) not in seen:
                    seen.add(id(row))
                    yield row


def _buckets(row: Row) -> list[tuple[str, ...]]:
    """By city and by ZIP, under the name's first word and, for a longer name, its second
    (an owner's first name in front: "Tom Kowalski Air Conditioning")."""
    words = name_words(row.get("business_name") or "")
    buckets: list[tuple[str, ...]] = []
    for word in words[:2] if len(words) > 2 else words[:1]:
        if row.get("city") and row.get("state"):
            buckets.append(("city", row["state"], row["city"].lower(), word))
        if row.get("zip"):
            buckets.append(("zip", row["zip"][:5], word))
    return buckets
