"""Coverage, duplicates, wrong trades and API calls per new target, for one trade × state.

    .venv/bin/python benchmarks/collect.py                       # hvac × TX, harder universe
    .venv/bin/python benchmarks/collect.py --plain               # the plain universe
    .venv/bin/python benchmarks/collect.py --trade plumbing --state OH --source google
    .venv/bin/python benchmarks/collect.py --token-delay 0.3     # one page-token delay only
    .venv/bin/python benchmarks/collect.py --universe unseen     # hvac × FL, written apart

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
denser (about 4,000 HVAC businesses in Texas). The unseen universe (`universe_unseen`,
Florida by default) was written apart from the collector, one true business shown as a
listing per provider, each written its own way. Scores count true businesses
(`_collect_truth`): duplicates are businesses stored as more than one target; wrongly
merged targets hold more than one business; wrong-trade targets are stored under a trade
their business does not do. `--examples N` prints N cases of each miss, listing by listing.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _collect_truth as truth
from _common import fresh_database, verdict

from ravensearch.config import Settings
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.logging import configure_logging
from ravensearch.sources.flows import collect
from ravensearch.sources.geo import state_geo
from ravensearch.sources.registry import build_source_clients
from ravensearch.sources.universe import Universe
from ravensearch.sources.universe_unseen import SEED as UNSEEN_SEED
from ravensearch.sources.universe_unseen import unseen_universe

TARGET_COVERAGE = 0.95
TARGET_GOOGLE_CALLS_PER_NEW = 0.2
TARGET_DUPLICATES = 0.01
HARD_DENSITY, HARD_MAX = 11.0, 25_000


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
    if args.universe == "unseen":
        universe = unseen_universe(args.seed)
    elif args.universe == "plain":
        universe = Universe(seed=args.seed)
    else:
        universe = Universe(seed=args.seed, hard=True, density=HARD_DENSITY, max_per_state=HARD_MAX)
    started = time.perf_counter()
    state_geo(args.state)  # the offline ZIP data, loaded once per process
    zips_s = time.perf_counter() - started
    businesses = universe.businesses(args.state)
    build_s = time.perf_counter() - started - zips_s
    wanted = truth.wanted(businesses, args.trade, args.source)
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
        targets = await truth.stored(sessionmaker)
        await engine.dispose()
    tally = truth.tally(businesses, wanted, targets)
    found = tally.found
    coverage = found / max(1, len(wanted))
    duplicates = len(tally.duplicated) / max(1, len(wanted))
    google_per_new = report.calls_per_new_target("google")
    print(
        f"collect {args.trade} × {args.state} from {args.source} (seed {args.seed}),"
        f" page tokens valid {token_delay * 1000:.0f} ms after issue"
    )
    print(
        f"  universe: {len(businesses)} businesses in {args.state} (built in {build_s:.2f} s"
        f" after {zips_s:.2f} s loading ZIP data),"
    )
    if len({b.identity for b in businesses}) != len(businesses):
        print(f"            {len({b.identity for b in businesses})} true businesses")
    print(f"            {len(wanted)} open {args.trade} businesses listed by {args.source}")
    print(f"  {report.summary()}")
    print(f"  tiles queried {report.tiles}, capped at minimum size {report.capped_tiles}")
    print(
        f"  fakes counted: Google {fake_google}, Yelp {fake_yelp} requests"
        f" ({yelp_shrunk} Yelp answers from a circle shrunk where dense)"
    )
    print(f"  coverage: {found}/{len(wanted)} = {coverage:.1%}  (target ≥ {TARGET_COVERAGE:.0%})")
    print(
        f"  duplicates: {len(tally.duplicated)} businesses stored twice = {duplicates:.2%}"
        f"  (target ≤ {TARGET_DUPLICATES:.0%}); wrongly merged: {len(tally.merged)} targets"
        f" hold {tally.merged_businesses} businesses (target 0);"
        f" wrong-trade targets {len(tally.wrong_trade)} (target 0)"
    )
    print(f"  closed businesses stored: {tally.closed_stored} targets")
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
    ok_trade = not tally.wrong_trade
    ok_merged = not tally.merged
    print(
        f"  coverage {verdict(ok_coverage)}, duplicates {verdict(ok_duplicates)},"
        f" wrongly merged {verdict(ok_merged)}, wrong trades {verdict(ok_trade)},"
        f" Google calls per new target {verdict(ok_calls)}"
    )
    if args.examples:
        truth.print_examples(businesses, tally, args.examples)
    ok = ok_coverage and ok_calls and ok_duplicates and ok_trade and ok_merged
    return ok, google_per_new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trade", default="hvac")
    parser.add_argument("--state", default=None, help="default: FL for unseen, else TX")
    parser.add_argument("--source", default="all", choices=("google", "yelp", "all"))
    parser.add_argument("--seed", type=int, default=None, help="default: the universe's own")
    parser.add_argument("--rerun", action="store_true", help="collect twice (idempotency)")
    parser.add_argument("--universe", default="hard", choices=("hard", "plain", "unseen"))
    parser.add_argument("--plain", action="store_true", help="same as --universe plain")
    parser.add_argument("--examples", type=int, default=0, help="cases of each miss to print")
    parser.add_argument(
        "--token-delay",
        type=float,
        default=None,
        help="seconds before a Google page token works (default: run with 0 and with 0.15)",
    )
    args = parser.parse_args()
    args.universe = "plain" if args.plain else args.universe
    unseen = args.universe == "unseen"
    args.state = args.state or ("FL" if unseen else "TX")
    args.seed = args.seed if args.seed is not None else (UNSEEN_SEED if unseen else 20261127)
    configure_logging("WARNING")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
