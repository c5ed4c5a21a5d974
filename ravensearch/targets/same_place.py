"""Whether two listings with different phones are one business: a similar name at the
same place. And whether two listings sharing a phone or a website are two locations of
one franchise. Pure; rows are the column dicts of `targets.listings`.

Names are compared after `business_key` (case, punctuation, &/and, Inc/LLC/Co) with
rapidfuzz, or one's words a subset of the other's, so "Reliable Heating & Air" and
"RELIABLE HEATING AND AIR CONDITIONING, INC." agree; the first word must be the same, so "AA Plumbing" and
"AAA Plumbing" do not. Places agree on the same street address (number and street
name), else within `NEAR_M` meters, else the same ZIP when one shows no street address; when
one shows no location at all (a service-area business) the same city will do, but only
for near-identical names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from rapidfuzz import fuzz

from ravensearch.kit.distance import distance_m
from ravensearch.targets.merge import Row, business_key

NEAR_M = 150.0
# Listings of one business in two towns (a suburb's name on one provider) are this close.
OTHER_TOWN_M = 5_000.0
NEAR_IDENTICAL = 95.0
_STREET = re.compile(r"^\s*(\d+[a-z]?)\s+([a-z0-9]+)", re.IGNORECASE)
_SUITE_WORD = re.compile(r"^(?:suite|ste|unit|apt|room|rm|no)\b\.?|#", re.IGNORECASE)


def street_key(address: str | None) -> str | None:
    """ "1200 Oak St Suite 4" → "1200 oak": the number and the street's first word."""
    match = _STREET.match(address or "")
    return f"{match[1]} {match[2]}".lower() if match else None


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


def similar_names(a: str, b: str, *, strict: bool = False) -> bool:
    """One name written two ways: the same words but for a few more on one side ("Heating
    and Air" / "Heating and Air Conditioning"), or near-identical text. `strict` allows
    only the latter (when nothing but the city backs the match)."""
    key_a, key_b = business_key(a), business_key(b)
    if not key_a or not key_b or key_a.split()[0] != key_b.split()[0]:
        return False
    if fuzz.ratio(key_a, key_b) >= NEAR_IDENTICAL:
        return True
    words_a, words_b = set(key_a.split()), set(key_b.split())
    return not strict and (words_a <= words_b or words_b <= words_a)


def same_place(a: Row, b: Row) -> bool:
    streets = street_key(a.get("address")), street_key(b.get("address"))
    if all(streets):
        return streets[0] == streets[1]
    meters = _distance(a, b)
    if meters is not None:
        return meters <= NEAR_M
    if a.get("zip") and b.get("zip"):
        return bool(a["zip"][:5] == b["zip"][:5])
    return False


def same_city_only(a: Row, b: Row) -> bool:
    """Nothing but the city to compare: one side shows no location (a service-area
    business on Google)."""
    return (_bare(a) or _bare(b)) and _city(a) == _city(b)


def places_differ(a: Row, b: Row) -> bool:
    """Two storefronts apart, or two cities far apart: franchise locations, even with one
    phone or one website."""
    streets = street_key(a.get("address")), street_key(b.get("address"))
    meters = _distance(a, b)
    if all(streets) and streets[0] != streets[1] and (meters is None or meters > NEAR_M):
        return True
    both_cities = bool(a.get("city") and b.get("city"))
    return both_cities and _city(a) != _city(b) and (meters is None or meters > OTHER_TOWN_M)


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
            if same_place(row, values) and similar_names(*names):
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
    key = business_key(row.get("business_name") or "")
    if not key:
        return []
    first = key.split()[0]
    buckets: list[tuple[str, ...]] = []
    if row.get("city") and row.get("state"):
        buckets.append(("city", row["state"], row["city"].lower(), first))
    if row.get("zip"):
        buckets.append(("zip", row["zip"][:5], first))
    return buckets
