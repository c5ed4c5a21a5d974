"""Collected listings → targets: one target per real business, across runs and sources.

A listing joins the target that has, in this order: its own provider id (Google place id,
Yelp id), its E.164 phone (at the same place; elsewhere only a local number with a similar
name, on a target no listing of that provider holds: see `same_place.shared_phone`), its
website's registrable domain (not a shared host such as facebook.com; a phone or site
shared by two suites of one building under two names is two businesses), or its
normalised name in the same city (`name_key`) when no phone, domain or street address
contradicts it, else a similar name at the same place (`same_place.NearbyNames`). Joining
only fills the target's empty columns, adds the id to the first free id column and always
to `source_ids`; it never blanks a value, never renames, and never touches status, email
or suppression. A listing that joins nothing becomes a `pending` target. Re-collecting is
therefore idempotent.

The one value a joining listing may replace is a collected target's trade, while the
target is still `pending`: `source_ids` records what the trade was read from (`TRADE_BY`,
one of `kit.trades.TRADE_EVIDENCE`), and stronger evidence wins. A Google listing with no
category stored under the searched trade takes the trade its Yelp listing's categories
name; Google's primary type is never overruled by a secondary Yelp category. A trade
imported or set by hand records no evidence and is never replaced.

Each batch costs one lookup query, one multi-row INSERT and one bulk UPDATE.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from ravensearch.db.models import Target, TargetStatus
from ravensearch.kit.clock import utcnow
from ravensearch.kit.trades import TRADE_EVIDENCE
from ravensearch.targets.listing_values import (
    ID_COLUMN,
    TRADE_BY,
    Listing,
    listing_values,
    normalized,
)
from ravensearch.targets.merge import Row, identity_domain
from ravensearch.targets.same_place import (
    NearbyNames,
    other_suite,
    places_differ,
    shared_phone,
    two_listed_numbers,
)
from ravensearch.targets.service import NO_EMAIL_REASON
from ravensearch.targets.websites import normalize_website, website_domain

_TABLE = Target.metadata.tables[Target.__tablename__]
# Filled while empty, never overwritten (phone and website travel with their derived key).
_FILLED = (
    "trade", "address", "address_suite", "city", "state", "zip", "name_key", "latitude",
    "longitude",
)  # fmt: skip
_PAIRED = (("phone", "phone_e164"), ("website", "website_domain"))
_UPDATED = (
    *_FILLED, *(c for pair in _PAIRED for c in pair), *ID_COLUMN.values(), "source_ids",
    "business_status",
)  # fmt: skip
_LOADED = ("id", "business_name", "status", *_UPDATED)
# `source_ids` key recording that a Google website lookup was made (so it is not repeated).
WEBSITE_LOOKUP = "website_lookup"


@dataclass(frozen=True, slots=True)
class WebsiteWanted:
    """A target this batch touched that has no website and was never found on Google."""

    target_id: uuid.UUID
    name: str
    phone: str | None
    city: str | None
    state: str | None
    # What a caller needs to tell whether a lookup can pay off (see `sources.flows`).
    trade: str | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass
class UpsertResult:
    created: int = 0
    merged: int = 0
    websiteless: list[WebsiteWanted] = field(default_factory=list)


class _Index:
    """Rows by every identity key; the first row indexed under a key keeps it."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], Row] = {}
        # Every row of a phone: whether it moved or is one of several locations depends
        # on how many places it is known at (see `same_place.shared_phone`).
        self.phones: dict[str, list[Row]] = defaultdict(list)
        self.nearby = NearbyNames()

    def add(self, row: Row) -> None:
        for key in _keys(row):
            self.keys.setdefault(key, row)
        if row.get("phone_e164"):
            rows = self.phones[row["phone_e164"]]
            if not any(known is row for known in rows):
                rows.append(row)
        self.nearby.add(row)

    def find(self, values: Row) -> Row | None:
        for kind, value in _keys(values):
            if kind == "phone":
                if found := shared_phone(self.phones.get(value, ()), values):
                    return found
                continue
            found = self.keys.get((kind, value))
            if found is None or found is values:
                continue
            if kind in ID_COLUMN.values():
                return found
            # One website at two storefronts far apart, or under two phones on one
            # provider: franchise locations.
            if (
                kind == "domain"
                and not places_differ(found, values)
                and not other_suite(found, values)
                and not two_listed_numbers(found, values)
            ):
                return found
            # One name in one city at two storefronts: franchise locations or namesakes.
            if (
                kind == "name"
                and not _contradicts(found, values)
                and not places_differ(found, values)
                and not two_listed_numbers(found, values)
            ):
                return found
        # Another phone (a tracking line) or another spelling: the same name at one place.
        return self.nearby.same_business(values)


def _keys(row: Row) -> list[tuple[str, str]]:
    keys = [(column, row[column]) for column in ID_COLUMN.values() if row.get(column)]
    for kind, value in (
        ("phone", row.get("phone_e164")),
        ("domain", identity_domain(row.get("website_domain"))),
        ("name", row.get("name_key")),
    ):
        if value:
            keys.append((kind, value))
    return keys


def _contradicts(row: Row, values: Row) -> bool:
    """Same name, same city, but both phones known and different (and no shared site)."""
    phones = row.get("phone_e164"), values.get("phone_e164")
    domains = (
        identity_domain(row.get("website_domain")),
        identity_domain(values.get("website_domain")),
    )
    return (
        all(phones) and phones[0] != phones[1] and not (all(domains) and domains[0] == domains[1])
    )


def _merge(row: Row, values: Row, taken: set[tuple[str, str]]) -> bool:
    """Fill `row`'s gaps from `values`; True when anything changed."""
    changed = False
    trade_by = _trade_by(row, values)
    if trade_by is not None:
        row["trade"] = values["trade"]
        changed = True
    for column in _FILLED:
        if values.get(column) is not None and row.get(column) in (None, ""):
            row[column] = values[column]
            changed = True
    for column, derived in _PAIRED:
        if values.get(column) and not row.get(column):
            row[column], row[derived] = values[column], values[derived]
            changed = True
    if _status_wins(row, values):
        row["business_status"] = values["business_status"]
        changed = True
    for column in ID_COLUMN.values():
        value = values.get(column)
        # A second place id of one business (a duplicate listing) lives in source_ids only.
        if value and not row.get(column) and (column, value) not in taken:
            row[column] = value
            taken.add((column, value))
            changed = True
    ids = {
        k: list(v) if isinstance(v, list) else v for k, v in (row.get("source_ids") or {}).items()
    }
    if trade_by is not None:
        ids[TRADE_BY] = trade_by
    for source, new_ids in values["source_ids"].items():
        if source == TRADE_BY:
            continue
        known = ids.get(source)
        known = known if isinstance(known, list) else ([known] if known else [])
        missing = [i for i in new_ids if i not in known]
        if missing:
            ids[source] = [*known, *missing]
            changed = True
    row["source_ids"] = ids
    return changed


def _trade_by(row: Row, values: Row) -> str | None:
    """The listing's trade evidence when it should become the target's: the target has
    no trade, or a collected one read from weaker evidence and nobody has worked on it."""
    new = values["source_ids"].get(TRADE_BY)
    if not new or not values.get("trade"):
        return None
    if not row.get("trade"):
        return str(new)
    old = (row.get("source_ids") or {}).get(TRADE_BY)
    untouched = row.get("status", TargetStatus.pending) == TargetStatus.pending
    if old not in TRADE_EVIDENCE or not untouched:
        return None
    return str(new) if TRADE_EVIDENCE.index(new) > TRADE_EVIDENCE.index(old) else None


def _status_wins(row: Row, values: Row) -> bool:
    """Google's business status is the authority, so it replaces (a reopened business
    loses its flag); Yelp tells only a temporary closure, which it may add, never clear."""
    status, known = values.get("business_status"), row.get("business_status")
    if not status or status == known:
        return False
    return known is None or "google" in values["source_ids"] or status == "closed_temporarily"


class ListingService:
    async def upsert(
        self,
        session: AsyncSession,
        *,
        listings: Sequence[Listing],
        trade: str | None,
        default_state: str | None = None,
        trade_by: str | None = None,
    ) -> UpsertResult:
        """Create or merge one target per listing (see the module docstring); flushes.

        Raises sqlalchemy's IntegrityError when a concurrent run inserted one of these
        provider ids first: roll back and call again, the retry merges into that row.
        """
        batch = [
            listing_values(item, trade=trade, default_state=default_state, trade_by=trade_by)
            for item in listings
        ]
        index = _Index()
        stored = await self._load_matches(session, batch)
        for row in stored:
            index.add(row)
        taken = {key for row in stored for key in _keys(row) if key[0] in ID_COLUMN.values()}
        result = UpsertResult()
        fresh: list[Row] = []
        changed: dict[uuid.UUID, Row] = {}
        touched: dict[uuid.UUID, Row] = {}
        for values in batch:
            match = index.find(values)
            if match is None:
                values["id"] = uuid.uuid4()
                fresh.append(values)
                taken.update(k for k in _keys(values) if k[0] in ID_COLUMN.values())
                index.add(values)
                touched[values["id"]] = values
                continue
            result.merged += 1
            touched[match["id"]] = match
            if _merge(match, values, taken):
                index.add(match)
                if "status" in match:  # a stored row, not one inserted by this batch
                    changed[match["id"]] = match
        result.created = len(fresh)
        await self._insert(session, fresh)
        await self._update(session, list(changed.values()))
        result.websiteless = [
            WebsiteWanted(
                row["id"],
                row["business_name"],
                row["phone"],
                row["city"],
                row["state"],
                trade=row.get("trade"),
                lat=row.get("latitude"),
                lng=row.get("longitude"),
            )
            for row in touched.values()
            if not row.get("website")
            and not row.get("google_place_id")
            and WEBSITE_LOOKUP not in (row.get("source_ids") or {})
        ]
        return result

    async def record_websites(
        self, session: AsyncSession, *, found: Mapping[uuid.UUID, str | None]
    ) -> int:
        """Store website lookup results: fill empty websites, and mark each target looked
        up so that a later run does not pay for the same lookup. Returns websites filled."""
        if not found:
            return 0
        columns = [_TABLE.c[name] for name in ("id", "website", "website_domain", "source_ids")]
        rows = (
            await session.execute(select(*columns).where(_TABLE.c.id.in_(list(found))))
        ).mappings()
        updates: list[dict[str, Any]] = []
        filled = 0
        now = utcnow()
        for row in rows:
            website = normalized(normalize_website, found[row["id"]])
            values = {
                "id": row["id"],
                "website": row["website"],
                "website_domain": row["website_domain"],
                "source_ids": {
                    **(row["source_ids"] or {}),
                    WEBSITE_LOOKUP: "found" if website else "none",
                },
                "updated_at": now,
            }
            if website and not row["website"] and len(website) <= 500:
                values["website"], values["website_domain"] = website, website_domain(website)
                filled += 1
            updates.append(values)
        if updates:
            await session.execute(update(Target), updates)
        return filled

    async def _load_matches(self, session: AsyncSession, batch: Sequence[Row]) -> list[Row]:
        wanted: dict[str, set[str]] = {
            "google_place_id": set(), "yelp_id": set(), "phone_e164": set(),
            "website_domain": set(), "name_key": set(),
        }  # fmt: skip
        for values in batch:
            for column, keys in wanted.items():
                if column != "website_domain" and values.get(column):
                    keys.add(values[column])
            domain = identity_domain(values.get("website_domain"))
            if domain:
                # Stored domains are hosts without www: the apex finds most of them.
                wanted["website_domain"].update((domain, values["website_domain"]))
        conditions: list[ColumnElement[bool]] = [
            _TABLE.c[c].in_(sorted(v)) for c, v in wanted.items() if v
        ]
        # Rows the same name at the same place could join (see `same_place`): those in the
        # batch's ZIPs, those of its cities that show no ZIP (service-area businesses), and
        # every row of the cities of listings that show no ZIP themselves.
        zips = {v["zip"] for v in batch if v.get("zip")}
        cities = {v["city"] for v in batch if v.get("city")}
        bare_cities = {v["city"] for v in batch if v.get("city") and not v.get("zip")}
        if zips:
            conditions.append(_TABLE.c.zip.in_(sorted(zips)))
        if cities:
            conditions.append(and_(_TABLE.c.city.in_(sorted(cities)), _TABLE.c.zip.is_(None)))
        if bare_cities:
            conditions.append(_TABLE.c.city.in_(sorted(bare_cities)))
        if not conditions:
            return []
        stmt = (
            select(*(_TABLE.c[name] for name in _LOADED))
            .where(or_(false(), *conditions))
            .order_by(_TABLE.c.created_at, _TABLE.c.id)
        )
        return [dict(row) for row in (await session.execute(stmt)).mappings()]

    async def _insert(self, session: AsyncSession, rows: Sequence[Row]) -> None:
        if not rows:
            return
        now = utcnow()
        records = [
            {
                **{name: row[name] for name in ("id", "business_name", *_UPDATED)},
                "source": next(iter(row["source_ids"])),
                "status": TargetStatus.pending,
                "status_reason": NO_EMAIL_REASON,
                "enrich_attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ]
        await session.execute(insert(_TABLE), records)

    async def _update(self, session: AsyncSession, rows: Sequence[Row]) -> None:
        if rows:
            now = utcnow()
            params = [
                {"id": row["id"], **{c: row[c] for c in _UPDATED}, "updated_at": now}
                for row in rows
            ]
            await session.execute(update(Target), params)


listing_service = ListingService()
