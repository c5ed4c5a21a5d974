"""Coverage, duplicates, wrong trades and API calls per new target, for one trade × state.

    .venv/bin/python benchmarks/collect.py                       # hvac × TX, harder universe
    .venv/bin/python benchmarks/collect.py --plain               # the plain universe
    .venv/bin/python benchmarks/collect.py --trade plumbing --state OH --source google
    .venv/bin/python benchmarks/collect.py --token-delay 0.3     # one page-token delay only

Runs the real collect flow in mock mode: the real clients talk to the in-package fakes
through `httpx.ASGITransport` (caps enforced: 60 places per Google query, offset + limit
≤ 240 on Yelp), and targets land in a throw-away SQLite database migrated with Alembic.
Coverage is the share of the universe's open businesses of that trade in that state
(those listed by the chosen providers) that ended up in a target; API calls are counted
by the flow and cross-checked against the fakes' own counters. By default it collects
twice, each time into a fresh database: with page tokens valid at once, and with Google's
page-token delay (a token refused as "not yet valid" for 150 ms after issue). Refused
tries count as calls: Google's billing glossary says a billable event is typically data
returned, so they are probably not billed, but they are requests against the quota.

The harder universe (`universe_variants`, the default here) adds what real data does:
Yelp names and phones that differ from Google's, franchises, suites, neighbouring trades
in a query's answer, closed and future businesses, listings without an address; it is
denser (about 4,000 HVAC businesses in Texas). Duplicates are businesses stored as more
than one target; over-merged targets hold more than one business; wrong-trade targets
are businesses that do not do the trade collected.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from _common import fresh_database, verdict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.config import Settings
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.models import Target
from ravensearch.logging import configure_logging
from ravensearch.sources.flows import collect
from ravensearch.sources.geo import state_geo
from ravensearch.sources.registry import build_source_clients
from ravensearch.sources.universe import Business, Universe

TARGET_COVERAGE = 0.95
TARGET_GOOGLE_CALLS_PER_NEW = 0.2
TARGET_DUPLICATES = 0.01
HARD_DENSITY, HARD_MAX = 11.0, 25_000


async def _stored(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, list[str]]]:
    """Each target's trade and provider ids."""
    async with sessionmaker() as session:
        rows = (await session.execute(select(Target.trade, Target.source_ids))).all()
    return [
        (trade or "", [i for v in ids.values() if isinstance(v, list) for i in v])
        for trade, ids in rows
    ]


def _tally(
    businesses: tuple[Business, ...], wanted: list[Business], targets: list[tuple[str, list[str]]]
) -> dict[str, int]:
    """Found, duplicated, over-merged and wrong-trade counts of the stored targets."""
    owner = {i: b for b in businesses for i in (b.google_id, b.yelp_id) if i}
    targets_of: dict[str, int] = Counter()
    over_merged = wrong_trade = 0
    for trade, ids in targets:
        keys = {owner[i].key for i in ids if i in owner}
        over_merged += len(keys) > 1
        # Stored under a trade the business does not do (a car A/C shop as HVAC).
        wrong_trade += any(trade not in owner[i].trades for i in ids if i in owner)
        targets_of.update(keys)
    return {
        "found": sum(1 for b in wanted if targets_of[b.key]),
        "duplicates": sum(1 for b in wanted if targets_of[b.key] > 1),
        "over_merged": over_merged,
        "wrong_trade": wrong_trade,
    }


async def run(args: argparse.Namespace) -> bool:
    delays = [args.token_delay] if args.token_delay is not None else [0.0, 0.15]
    results = [await measure(args, delay) for delay in delays]
    if len(delays) > 1:
        print("Google calls per new target: " + ", ".join(
            f"{per:.3f} with a {delay * 1000:.0f} ms page-token delay"
            for delay, (_ok, per) in zip(delays, results, strict=True)
        ))  # fmt: skip
    return all(ok for ok, _per in results)


async def measure(args: argparse.Namespace, token_delay: float) -> tuple[bool, float]:
    """One collect into a fresh database; whether it met every target, and its Google
    calls per new target."""
    if args.plain:
        universe = Universe(seed=args.seed)
    else:
        universe = Universe(seed=args.seed, hard=True, density=HARD_DENSITY, max_per_state=HARD_MAX)
    started = time.perf_counter()
    state_geo(args.state)  # the offline ZIP data, loaded once per process
    zips_s = time.perf_counter() - started
    businesses = universe.businesses(args.state)
    build_s = time.perf_counter() - started - zips_s
    wanted = [
        b
        for b in businesses
        if args.trade in b.trades
        and not b.closed
        and (args.source == "all" or getattr(b, f"on_{args.source}"))
        # Google alone shows no state for it: dropped by design, counted in the summary.
        and not (b.google_state_hidden and (not b.on_yelp or args.source == "google"))
    ]
    async with fresh_database("sqlite", name="rs_bench_collect") as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        # No keys, whatever the environment says: the benchmark never leaves the process.
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            DATABASE_URL=url,
            GOOGLE_PLACES_API_KEY="",
            YELP_API_KEY="",
        )
        async with build_source_clients(settings, universe=universe) as clients:
            if clients.google_fake is not None:
                clients.google_fake.token_delay = token_delay
            report = await collect(
                sessionmaker, clients, source=args.source, trade=args.trade, state=args.state
            )
            fake_google = clients.google_fake.calls if clients.google_fake else 0
            fake_yelp = clients.yelp_fake.calls if clients.yelp_fake else 0
            yelp_shrunk = clients.yelp_fake.shrunk if clients.yelp_fake else 0
            rerun = None
            if args.rerun:
                rerun = await collect(
                    sessionmaker, clients, source=args.source, trade=args.trade, state=args.state
                )
        targets = await _stored(sessionmaker)
        await engine.dispose()
    tally = _tally(businesses, wanted, targets)
    found = tally["found"]
    coverage = found / max(1, len(wanted))
    duplicates = tally["duplicates"] / max(1, len(wanted))
    google_per_new = report.calls_per_new_target("google")
    print(
        f"collect {args.trade} × {args.state} from {args.source} (seed {args.seed}),"
        f" page tokens valid {token_delay * 1000:.0f} ms after issue"
    )
    print(
        f"  universe: {len(businesses)} businesses in {args.state} (built in {build_s:.2f} s"
        f" after {zips_s:.2f} s loading ZIP data),"
    )
    print(f"            {len(wanted)} open {args.trade} businesses listed by {args.source}")
    print(f"  {report.summary()}")
    print(f"  tiles queried {report.tiles}, capped at minimum size {report.capped_tiles}")
    print(
        f"  fakes counted: Google {fake_google}, Yelp {fake_yelp} requests"
        f" ({yelp_shrunk} Yelp answers from a circle shrunk where dense)"
    )
    print(f"  coverage: {found}/{len(wanted)} = {coverage:.1%}  (target ≥ {TARGET_COVERAGE:.0%})")
    print(
        f"  duplicates: {tally['duplicates']} businesses stored twice = {duplicates:.2%}"
        f"  (target ≤ {TARGET_DUPLICATES:.0%}); over-merged targets {tally['over_merged']};"
        f" wrong-trade targets {tally['wrong_trade']} (target 0)"
    )
    print(
        f"  Google calls per new target: {google_per_new:.3f}"
        f"  (target ≤ {TARGET_GOOGLE_CALLS_PER_NEW}; searches"
        f" {report.google_api_calls - report.website_lookups - report.google_refused_tries},"
        f" page tokens refused as too early {report.google_refused_tries},"
        f" website lookups {report.website_lookups}, spared {report.website_lookups_spared})"
    )
    print(f"  Yelp calls per new target: {report.calls_per_new_target('yelp'):.3f}")
    if rerun is not None:
        print(
            f"  re-run: {rerun.new_targets} new, {rerun.merged} merged,"
            f" {rerun.website_lookups} lookups"
        )
    ok_coverage = coverage >= TARGET_COVERAGE
    ok_calls = args.source == "yelp" or google_per_new <= TARGET_GOOGLE_CALLS_PER_NEW
    ok_duplicates = duplicates <= TARGET_DUPLICATES
    ok_trade = tally["wrong_trade"] == 0
    print(
        f"  coverage {verdict(ok_coverage)}, duplicates {verdict(ok_duplicates)},"
        f" wrong trades {verdict(ok_trade)}, Google calls per new target {verdict(ok_calls)}"
    )
    return ok_coverage and ok_calls and ok_duplicates and ok_trade, google_per_new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trade", default="hvac")
    parser.add_argument("--state", default="TX")
    parser.add_argument("--source", default="all", choices=("google", "yelp", "all"))
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--rerun", action="store_true", help="collect twice (idempotency)")
    parser.add_argument("--plain", action="store_true", help="the plain universe, not the hard")
    parser.add_argument(
        "--token-delay",
        type=float,
        default=None,
        help="seconds before a Google page token works (default: run with 0 and with 0.15)",
    )
    configure_logging("WARNING")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
