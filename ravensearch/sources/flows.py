"""Collect one trade in one state from Google, Yelp or both into merged targets.

Each provider sweeps the state with adaptive tiling (`tiling.py`); new listings are stored
in batches, each in its own short unit of work, so no transaction ever waits on an HTTP
call (on SQLite an open write transaction holds the database's only write lock). Google
goes first in an `all` run: a Yelp listing then usually joins a target that already has
Google's website, and only the rest that can pay off are looked up on Google by phone or
name (`lookups`).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import BusinessStatus
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.kit.trades import normalize_trade
from ravensearch.sources.base import (
    RawListing,
    SourceClient,
    SourceName,
    SourceQuotaExceeded,
)
from ravensearch.sources.classify import OUTSIDE, Verdict, judge
from ravensearch.sources.geo import StateGeo, Tile, state_geo
from ravensearch.sources.google.client import RESULT_CAP
from ravensearch.sources.lookups import WebsiteLookups, find_websites
from ravensearch.sources.patience import PatientSearch, Sleep, TileFailure
from ravensearch.sources.registry import SourceClients
from ravensearch.sources.tile_pool import answers
from ravensearch.sources.tiling import AdaptiveTiler, ZipDensity
from ravensearch.targets.addresses import normalize_state
from ravensearch.targets.listings import WebsiteWanted, listing_service

BATCH_SIZE = 200
TILE_CONCURRENCY = 4
# A tile over more than this many street ZIPs (a metro area) saturates either cap for
# any trade, so it is split before asking: three pages of answers saved per such tile.
PRESPLIT_ZIPS = 120
_UPSERT_ATTEMPTS = 3

log = structlog.get_logger("ravensearch.sources")

Source = Literal["google", "yelp", "all"]


@dataclass(frozen=True)
class CollectProgress:
    provider: SourceName
    tiles_done: int
    tiles_total: int  # grows as saturated tiles split, and when the next provider starts
    listings_seen: int
    new_targets: int
    merged: int
    # Set while the run waits for a provider's rate-limit window to reopen ("quota") or
    # for it to answer again after persistent server errors ("outage").
    waiting_for: str | None = None
    waiting_until: datetime | None = None
    waiting_why: str | None = None


@dataclass
class CollectReport:
    """What one collect run did. Flat numbers, so a job can store them as its counts."""

    source: str
    trade: str
    state: str
    google_api_calls: int = 0  # searches and website lookups
    google_refused_tries: int = 0  # of those, page tokens used too soon (see google.client)
    yelp_api_calls: int = 0
    listings_seen: int = 0  # distinct listings the providers returned
    new_targets: int = 0
    merged: int = 0  # listings that joined a known target
    closed_skipped: int = 0
    # Temporarily closed or not yet open: kept flagged (`business_status`), or skipped.
    not_open_kept: int = 0
    not_open_skipped: int = 0
    out_of_state_skipped: int = 0
    other_trade_stored: int = 0  # listings whose own categories said another trade
    outside_trades_dropped: int = 0  # listings of no trade of ours (a car A/C shop)
    no_state_dropped: int = 0  # listings that show no US state at all
    tiles: int = 0
    capped_tiles: int = 0  # tiles still saturated at the minimum size
    failed_tiles: int = 0  # tiles whose provider error persisted; see `tile_errors`
    website_lookups: int = 0
    websites_found: int = 0
    # Lookups not made: this run's Google sweep already answered them (see `lookups`).
    website_lookups_spared: int = 0
    seconds: float = 0.0
    # Why the run stopped before sweeping everything (a spent daily quota), else "".
    stopped: str = ""
    tile_errors: list[str] = field(default_factory=list)

    def api_calls(self, provider: SourceName) -> int:
        return self.google_api_calls if provider == "google" else self.yelp_api_calls

    def calls_per_new_target(self, provider: SourceName) -> float:
        return self.api_calls(provider) / max(1, self.new_targets)

    def summary(self) -> str:
        return (
            f"{self.trade} in {self.state} from {self.source}: {self.new_targets} new targets,"
            f" {self.merged} merged, {self.listings_seen} listings seen"
            f" ({self.closed_skipped} closed, {self.not_open_skipped} not open yet or"
            f" temporarily closed, {self.out_of_state_skipped} out of state,"
            f" {self.outside_trades_dropped} of no trade, {self.no_state_dropped} without a"
            f" state skipped; {self.other_trade_stored} stored under their own trade,"
            f" {self.not_open_kept} kept flagged not open);"
            f" {self.tiles} tiles ({self.failed_tiles} failed); API calls: Google"
            f" {self.google_api_calls}"
            f" (incl. {self.website_lookups} website lookups, {self.website_lookups_spared}"
            f" spared, {self.websites_found} websites found;"
            f" {self.google_refused_tries} page tokens refused as too early),"
            f" Yelp {self.yelp_api_calls}; {self.seconds:.1f} s."
        )


ProgressCallback = Callable[[CollectProgress], None]


async def collect(
    sessionmaker: async_sessionmaker[AsyncSession],
    clients: SourceClients,
    *,
    source: Source | str,
    trade: str,
    state: str,
    on_progress: ProgressCallback | None = None,
    sleep: Sleep = asyncio.sleep,
    skip_not_open: bool = False,
) -> CollectReport:
    """Sweep the state for the trade and store every business found as a target, but
    the permanently closed ones. One temporarily closed or not yet open is stored with
    its `business_status`, or skipped and counted with `skip_not_open`.

    Each listing is stored under the trade its own categories say (`classify`); one of
    no trade of ours is dropped and counted. Where two listings of one business disagree,
    the stronger evidence decides the target's trade (`targets.listings`). Idempotent: a re-run merges into the same
    targets (see `targets.listings`). A tile whose provider error persists is recorded
    in `tile_errors` and the sweep goes on (`patience`); a spent daily quota stops the
    run cleanly, with `stopped` saying so. Listings found before a failure are stored
    before the error propagates.

    Raises:
        InvalidInput: unknown source, trade or state, or a source without a client.
        SourceError: from the clients (retriable ones after their own retries).
    """
    try:
        state_code = normalize_state(state)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    trade = normalize_trade(trade)
    if source not in ("google", "yelp", "all"):
        raise InvalidInput(f"Unknown source '{source}': use google, yelp or all.")
    providers: list[SourceName] = ["google", "yelp"] if source == "all" else [source]
    run = _Run(sessionmaker, clients, CollectReport(source, trade, state_code), on_progress, sleep)
    run.skip_not_open = skip_not_open
    started = time.perf_counter()
    geo = state_geo(state_code)
    for provider in providers:
        client = clients.client(provider)
        if client is None:
            if source != "all":
                raise InvalidInput(f"The {provider} source is not configured.")
            continue
        try:
            await run.sweep(provider, client, geo)
        except SourceQuotaExceeded as exc:
            run.report.stopped = _quota_spent(exc)
            break
    run.report.seconds = round(time.perf_counter() - started, 2)
    log.info("sources.collect.done", **vars(run.report))
    return run.report


class _Run:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clients: SourceClients,
        report: CollectReport,
        on_progress: ProgressCallback | None,
        sleep: Sleep,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clients = clients
        self.report = report
        self.on_progress = on_progress
        self.sleep = sleep
        self.seen: set[tuple[str, str]] = set()
        self.buffer: dict[Verdict, list[RawListing]] = defaultdict(list)
        self.tilers: list[AdaptiveTiler] = []
        self.waiting: tuple[str, datetime, str] | None = None
        self.skip_not_open = False
        self.lookups = WebsiteLookups(report.trade)

    async def sweep(self, provider: SourceName, client: SourceClient, geo: StateGeo) -> None:
        # Only Google's cap costs requests to find out (three pages); see `ZipDensity`.
        density = ZipDensity(RESULT_CAP) if provider == "google" else None

        def fits(tile: Tile) -> bool:
            zips = geo.zip_count(tile)
            crowded = density is not None and density.crowded(zips)
            return client.fits(tile) and zips <= PRESPLIT_ZIPS and not crowded

        tiler = AdaptiveTiler(geo.bbox, clip=geo.clip, fits=fits)
        self.tilers.append(tiler)
        patient = PatientSearch(client, self.report.trade, sleep=self.sleep, on_wait=self._wait)
        try:
            # A tile that ends the sweep (a spent daily quota, a refused key) lets the
            # others in flight finish first, so what they found is kept.
            async with aclosing(answers(tiler, patient, concurrency=TILE_CONCURRENCY)) as tiles:
                async for tile, result in tiles:
                    if isinstance(result, TileFailure):
                        self._failed(tiler, result)
                    else:
                        self._count_calls(provider, result.api_calls)
                        self.report.google_refused_tries += result.refused
                        self._take(result.listings)
                        if density is not None:
                            # Learnt before the split, so that the quarters are judged by it.
                            found, saturated = len(result.listings), result.saturated
                            density.learn(geo.zip_count(tile), found, saturated=saturated)
                            self.lookups.answered(tile, saturated=saturated)
                        tiler.report(tile, saturated=result.saturated)
                    if sum(map(len, self.buffer.values())) >= BATCH_SIZE:
                        await self._flush()
                    self._progress(provider)
        except Exception:
            # Whatever was found is kept; its website lookups wait for the next run.
            await self._flush(lookups=False)
            raise
        finally:
            self.report.tiles += tiler.stats.queried
            self.report.capped_tiles += tiler.stats.capped
        await self._flush()
        self._progress(provider)

    def _failed(self, tiler: AdaptiveTiler, failure: TileFailure) -> None:
        tiler.fail(failure.tile, failure.error)
        self.report.failed_tiles += 1
        self.report.tile_errors.append(failure.describe())
        log.warning("sources.tile.given_up", detail=failure.describe())

    def _wait(self, provider: str, until: datetime | None, why: str) -> None:
        self.waiting = (provider, until, why) if until is not None else None
        self._progress(provider)  # type: ignore[arg-type]

    def _count_calls(self, provider: SourceName, calls: int) -> None:
        if provider == "google":
            self.report.google_api_calls += calls
        else:
            self.report.yelp_api_calls += calls

    def _take(self, listings: Sequence[RawListing]) -> None:
        report = self.report
        for listing in listings:
            key = (listing.source, listing.source_id)
            if not listing.source_id or key in self.seen:
                continue
            self.seen.add(key)
            report.listings_seen += 1
            not_open = listing.business_status != BusinessStatus.operational
            self.lookups.saw(listing)
            if listing.is_closed:
                report.closed_skipped += 1
            elif not listing.state:
                # Never given the run's state: a listing that shows none may be anywhere.
                report.no_state_dropped += 1
            elif listing.state.upper() != report.state:
                # Border tiles reach into the neighbours; their listings are theirs.
                report.out_of_state_skipped += 1
            elif (verdict := judge(listing, report.trade)).trade == OUTSIDE:
                report.outside_trades_dropped += 1
            elif not_open and self.skip_not_open:
                report.not_open_skipped += 1
            else:
                report.other_trade_stored += verdict.trade != report.trade
                report.not_open_kept += not_open
                self.buffer[verdict].append(listing)

    async def _flush(self, *, lookups: bool = True) -> None:
        buffer, self.buffer = self.buffer, defaultdict(list)
        for verdict, listings in buffer.items():
            await self._store(verdict, listings, lookups=lookups)

    async def _store(self, verdict: Verdict, listings: list[RawListing], *, lookups: bool) -> None:
        for attempt in range(1, _UPSERT_ATTEMPTS + 1):
            try:
                async with unit_of_work(self.sessionmaker) as session:
                    result = await listing_service.upsert(
                        session,
                        listings=listings,
                        trade=verdict.trade,
                        trade_by=verdict.by,
                        default_state=self.report.state,
                    )
                break
            except IntegrityError:
                # Another run inserted one of these provider ids meanwhile: merge into it.
                if attempt == _UPSERT_ATTEMPTS:
                    raise
        self.report.new_targets += result.created
        self.report.merged += result.merged
        if lookups and result.websiteless and self.clients.website_lookups:
            await self._lookup_websites(result.websiteless)

    async def _lookup_websites(self, wanted: Sequence[WebsiteWanted]) -> None:
        google = self.clients.google
        assert google is not None
        plan = self.lookups.plan(wanted)
        found = plan.known | await find_websites(google.find_website, plan.ask)
        self.report.website_lookups += len(plan.ask)
        self.report.google_api_calls += len(plan.ask)
        self.report.website_lookups_spared += len(wanted) - len(plan.ask)
        async with unit_of_work(self.sessionmaker) as session:
            filled = await listing_service.record_websites(session, found=found)
        self.report.websites_found += filled

    def _progress(self, provider: SourceName) -> None:
        if self.on_progress is None:
            return
        self.on_progress(
            CollectProgress(
                provider=provider,
                tiles_done=sum(t.done for t in self.tilers),
                tiles_total=sum(t.known for t in self.tilers),
                listings_seen=self.report.listings_seen,
                new_targets=self.report.new_targets,
                merged=self.report.merged,
                waiting_for=self.waiting[0] if self.waiting else None,
                waiting_until=self.waiting[1] if self.waiting else None,
                waiting_why=self.waiting[2] if self.waiting else None,
            )
        )


def _quota_spent(exc: SourceQuotaExceeded) -> str:
    provider = exc.provider.capitalize()
    when = (
        f" It resets in about {exc.reset_after / 3600:.1f} h;"
        if exc.reset_after is not None
        else ""
    )
    return (
        f"{provider}'s daily quota is spent, so collection stopped here.{when} run the same"
        " collect again then: it resumes, keeping every target found so far."
    )
