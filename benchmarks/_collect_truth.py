"""Scores a collect against the universe's ground truth, for `collect.py`.

A listing's true business is `Business.identity` (itself in the default universes, its
`Truth` in `universe_unseen`), so one scoring serves every universe: coverage and
duplicates count true businesses, wrongly merged targets hold listings of more than one,
wrong-trade targets are stored under a trade their business does not do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Target
from ravensearch.sources.google.fake_places import business_status
from ravensearch.sources.universe import Business


@dataclass(frozen=True)
class Stored:
    """One target as stored, with the provider ids it holds."""

    trade: str
    ids: tuple[str, ...]
    name: str
    address: str


@dataclass
class Tally:
    wanted: set[str]
    targets_of: Counter[str] = field(default_factory=Counter)
    stored_in: dict[str, int] = field(default_factory=dict)  # provider id → target number
    missed: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    merged: list[Stored] = field(default_factory=list)  # holding more than one business
    wrong_trade: list[Stored] = field(default_factory=list)
    closed_stored: int = 0
    owner: dict[str, Business] = field(default_factory=dict)  # provider id → listing

    @property
    def found(self) -> int:
        return len(self.wanted) - len(self.missed)

    @property
    def merged_businesses(self) -> int:
        return len({i for target in self.merged for i in self.identities(target)})

    def identities(self, target: Stored) -> set[str]:
        return {self.owner[i].identity for i in target.ids if i in self.owner}


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Stored]:
    columns = (Target.trade, Target.source_ids, Target.business_name, Target.address)
    async with sessionmaker() as session:
        rows = (await session.execute(select(*columns))).all()
    return [
        Stored(
            trade or "",
            tuple(i for v in ids.values() if isinstance(v, list) for i in v),
            name,
            address or "",
        )
        for trade, ids, name, address in rows
    ]


def wanted(businesses: tuple[Business, ...], trade: str, source: str) -> set[str]:
    """True businesses that do `trade`, are open, and have a listing on `source` that a
    query for `trade` returns."""
    found: set[str] = set()
    for b in businesses:
        on_source = source == "all" or getattr(b, f"on_{source}")
        returned = trade in b.trades or (
            b.on_google and source != "yelp" and trade in b.also_listed_for
        )
        # Google alone shows no state for it: dropped by design, counted in the summary.
        hidden = b.google_state_hidden and (not b.on_yelp or source == "google")
        if trade in b.true_trades and not b.truly_closed and on_source and returned and not hidden:
            found.add(b.identity)
    return found


def tally(businesses: tuple[Business, ...], wanted: set[str], targets: list[Stored]) -> Tally:
    result = Tally(wanted)
    result.owner = {i: b for b in businesses for i in (b.google_id, b.yelp_id) if i}
    closed = {b.identity for b in businesses if b.truly_closed}
    for number, target in enumerate(targets):
        result.stored_in.update(dict.fromkeys(target.ids, number))
        identities = result.identities(target)
        if len(identities) > 1:
            result.merged.append(target)
        owners = [result.owner[i] for i in target.ids if i in result.owner]
        # Stored under a trade the business does not do (a car A/C shop as HVAC).
        if any(target.trade not in b.true_trades for b in owners):
            result.wrong_trade.append(target)
        if identities and identities <= closed:
            result.closed_stored += 1
        result.targets_of.update(identities)
    result.missed = sorted(i for i in wanted if not result.targets_of[i])
    result.duplicated = sorted(i for i in wanted if result.targets_of[i] > 1)
    return result


def print_examples(businesses: tuple[Business, ...], result: Tally, count: int) -> None:
    """Per miss category, which patterns it fell on and `count` cases, listing by listing."""
    listings: dict[str, list[Business]] = defaultdict(list)
    for b in businesses:
        listings[b.identity].append(b)
    patterns = Counter(p for i in result.wanted for p in _patterns(listings[i]))

    def histogram(identities: list[str]) -> None:
        seen = Counter(p for i in identities for p in _patterns(listings[i]))
        line = ", ".join(
            f"{p} {n}" + (f"/{patterns[p]}" if patterns[p] else "") for p, n in seen.most_common(12)
        )
        print(f"    patterns: {line}")

    print(f"  missed ({len(result.missed)}):")
    histogram(result.missed)
    for identity in _spread(result.missed, listings, count):
        _print_business(identity, listings[identity])
    print(f"  duplicated ({len(result.duplicated)}):")
    histogram(result.duplicated)
    evidence = Counter(_shared(listings[i], result.stored_in) for i in result.duplicated)
    print(f"    the listings share: {', '.join(f'{k} {n}' for k, n in evidence.most_common())}")
    # Per what the two targets' listings share: a phone or an address makes a case fixable.
    for strength in _STRENGTH:
        shared = [
            i for i in result.duplicated if _shared(listings[i], result.stored_in) == strength
        ]
        for identity in _spread(shared, listings, max(1, count // 2)):
            print(f"    sharing {strength}:")
            _print_business(identity, listings[identity])
    for label, targets in (("wrongly merged", result.merged), ("wrong trade", result.wrong_trade)):
        print(f"  {label} ({len(targets)} targets):")
        histogram(sorted({i for t in targets for i in result.identities(t)}))
        firsts = {min(result.identities(t)): t for t in reversed(targets) if result.identities(t)}
        chosen = _spread(sorted(firsts), listings, count)
        for target in [firsts[i] for i in chosen]:
            print(f"    target {target.name!r} trade {target.trade!r} at {target.address!r}:")
            for identity in sorted(result.identities(target)):
                _print_business(identity, listings[identity], indent="      ")


def _spread(identities: list[str], listings: dict[str, list[Business]], count: int) -> list[str]:
    """`count` cases with as many different patterns as possible."""
    picked: list[str] = []
    covered: set[str] = set()
    for identity in sorted(identities, key=lambda i: -len(_patterns(listings[i]))):
        fresh = set(_patterns(listings[identity])) - covered
        # A universe without patterns (the harder one) still shows its first cases.
        if (fresh or not _patterns(listings[identity])) and len(picked) < count:
            picked.append(identity)
            covered |= fresh
    return picked


_STRENGTH = ("a phone", "a street number and ZIP", "neither phone nor address")


def _shared(listings: list[Business], stored_in: dict[str, int]) -> str:
    """The strongest thing two listings of one business, stored apart, have in common."""
    stored = [(stored_in.get(_id(b)), b) for b in listings if _id(b) in stored_in]
    pairs = [
        (a, b) for n, a in stored for m, b in stored if n is not None and m is not None and n < m
    ]
    if any(_phone(a) and _phone(a) == _phone(b) for a, b in pairs):
        return "a phone"
    if any(_place(a) and _place(a) == _place(b) for a, b in pairs):
        return "a street number and ZIP"
    return "neither phone nor address"


def _id(b: Business) -> str:
    return b.google_id or b.yelp_id or ""


def _phone(b: Business) -> str | None:
    return b.phone_e164 if b.on_google else b.yelp_phone


def _place(b: Business) -> tuple[str, str] | None:
    if not b.street or b.service_area_only:
        return None
    return _number(b), b.zip


def _number(b: Business) -> str:
    return (b.street or "").split(" ")[0]


def _patterns(listings: list[Business]) -> tuple[str, ...]:
    truth = listings[0].truth if listings else None
    return truth.patterns if truth else ()


def _print_business(identity: str, listings: list[Business], indent: str = "    ") -> None:
    truth = listings[0].truth
    about = (
        f"does {'/'.join(truth.trades) or 'no trade'}; {', '.join(truth.patterns)}" if truth else ""
    )
    print(f"{indent}{identity} {about}")
    for b in listings:
        print(f"{indent}  {_listing(b)}")


def _listing(b: Business) -> str:
    if b.on_google:
        where = (
            "no address (service area)"
            if b.service_area_only
            else f"{b.street or ''}{' ' + b.suite if b.suite else ''}"
        )
        status = business_status(b) if b.google_status is None else b.google_status or "(none)"
        listed = "/".join(b.trades + b.also_listed_for) or f"type {b.foreign_type}"
        head = f"Google {b.google_name!r}"
    else:
        where = f"{b.street or '(no street)'}{' | ' + b.suite if b.suite else ''}"
        status = "closed" if b.closed else ("temp closed" if b.temporarily_closed else "open")
        listed = "/".join(b.trades)
        head = f"Yelp   {b.yelp_name!r}"
    phone = b.phone_e164 if b.on_google else b.yelp_phone
    return (
        f"{head} | {where}, {b.city} {b.zip} | {phone or 'no phone'} | {listed} | {status}"
        f" | {b.lat:.5f},{b.lng:.5f}"
    )
