"""Collect one trade in one state from Google, Yelp or both into merged targets.

Each provider sweeps the state with adaptive tiling (`tiling.py`); new listings are stored
in batches, each in its own short unit of work, so no transaction ever waits on an HTTP
call (on SQLite an open write transaction holds the database's only write lock). Google
goes first in an `all` run: a Yelp listing then usually joins a target that already has
Google's website, and only the rest are looked up on Google by phone or name.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.kit.trades import normalize_trade
from ravensearch.sources.base import RawListing, SourceBadRequest, SourceClient, SourceName
from ravensearch.sources.geo import StateGeo, Tile, state_geo
from ravensearch.sources.registry import SourceClients
from ravensearch.sources.tiling import AdaptiveTiler
from ravensearch.targets.addresses import normalize_state
from ravensearch.targets.listings import WebsiteWanted, listing_service

BATCH_SIZE = 200
TILE_CONCURRENCY = 4
LOOKUP_CONCURRENCY = 4
# A tile over more than this many street ZIPs (a metro area) saturates either cap for
# any trade, so it is split before asking: three pages of answers saved per such tile.
PRESPLIT_ZIPS = 120
_UPSERT_ATTEMPTS = 3

log = structlog.get_logger("ravensearch.sources")

Source = Literal["google", "yelp", "all"]
T = TypeVar("T")


@dataclass(frozen=True)
class CollectProgress:
    provider: SourceName
    tiles_done: int
    tiles_total: int  # grows as saturated tiles split, and when the next provider starts
    listings_seen: int
    new_targets: int
    merged: int


@dataclass
class CollectReport:
    """What one collect run did. Flat numbers, so a job can store them as its counts."""

    source: str
    trade: str
    state: str
    google_api_calls: int = 0  # searches and website lookups
    yelp_api_calls: int = 0
    listings_seen: int = 0  # distinct listings the providers returned
    new_targets: int = 0
    merged: int = 0  # listings that joined a known target
    closed_skipped: int = 0
    out_of_state_skipped: int = 0
    tiles: int = 0
    capped_tiles: int = 0  # tiles still saturated at the minimum size
    website_lookups: int = 0
    websites_found: int = 0
    seconds: float = 0.0

    def api_calls(self, provider: SourceName) -> int:
        return self.google_api_calls if provider == "google" else self.yelp_api_calls

    def calls_per_new_target(self, provider: SourceName) -> float:
        return self.api_calls(provider) / max(1, self.new_targets)

    def summary(self) -> str:
        return (
            f"{self.trade} in {self.state} from {self.source}: {self.new_targets} new targets,"
            f" {self.merged} merged, {self.listings_seen} listings seen"
            f" ({self.closed_skipped} closed, {self.out_of_state_skipped} out of state skipped);"
            f" {self.tiles} tiles; API calls: Google {self.google_api_calls}"
            f" (incl. {self.website_lookups} website lookups, {self.websites_found} found),"
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
) -> CollectReport:
    """Sweep the state for the trade and store every open business found as a target.

    Idempotent: a re-run merges into the same targets (see `targets.listings`). Listings
    found before a failure are stored before the error propagates.

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
    run = _Run(sessionmaker, clients, CollectReport(source, trade, state_code), on_progress)
    started = time.perf_counter()
    geo = state_geo(state_code)
    for provider in providers:
        client = clients.client(provider)
        if client is None:
            if source != "all":
                raise InvalidInput(f"The {provider} source is not configured.")
            continue
        await run.sweep(provider, client, geo)
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
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clients = clients
        self.report = report
        self.on_progress = on_progress
        self.seen: set[tuple[str, str]] = set()
        self.buffer: list[RawListing] = []
        self.tilers: list[AdaptiveTiler] = []

    async def sweep(self, provider: SourceName, client: SourceClient, geo: StateGeo) -> None:
        def fits(tile: Tile) -> bool:
            return client.fits(tile) and geo.zip_count(tile) <= PRESPLIT_ZIPS

        tiler = AdaptiveTiler(geo.bbox, clip=geo.clip, fits=fits)
        self.tilers.append(tiler)
        try:
            while batch := tiler.take(TILE_CONCURRENCY):
                results = await _all([client.search(t, self.report.trade) for t in batch])
                for tile, result in zip(batch, results, strict=True):
                    self._count_calls(provider, result.api_calls)
                    self._take(result.listings)
                    tiler.report(tile, saturated=result.saturated)
                if len(self.buffer) >= BATCH_SIZE:
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
            if listing.is_closed:
                report.closed_skipped += 1
            elif listing.state and listing.state.upper() != report.state:
                # Border tiles reach into the neighbours; their listings are theirs.
                report.out_of_state_skipped += 1
            else:
                self.buffer.append(listing)

    async def _flush(self, *, lookups: bool = True) -> None:
        if not self.buffer:
            return
        listings, self.buffer = self.buffer, []
        for attempt in range(1, _UPSERT_ATTEMPTS + 1):
            try:
                async with unit_of_work(self.sessionmaker) as session:
                    result = await listing_service.upsert(
                        session,
                        listings=listings,
                        trade=self.report.trade,
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
        found: dict[uuid.UUID, str | None] = {}
        for start in range(0, len(wanted), LOOKUP_CONCURRENCY):
            chunk = wanted[start : start + LOOKUP_CONCURRENCY]
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(_find_website(google.find_website, w)) for w in chunk]
            for item, task in zip(chunk, tasks, strict=True):
                found[item.target_id] = task.result()
        self.report.website_lookups += len(wanted)
        self.report.google_api_calls += len(wanted)
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
            )
        )


async def _all(calls: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Run `calls` together; the first failure cancels the rest and is raised as itself
    (not as an ExceptionGroup, so callers and the job runner see a SourceError)."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise _first_leaf(failed) from None
    return [task.result() for task in tasks]


def _first_leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


FindWebsite = Callable[[str, str | None, str | None, str | None], Awaitable[str | None]]


async def _find_website(find: FindWebsite, wanted: WebsiteWanted) -> str | None:
    try:
        return await find(wanted.name, wanted.phone, wanted.city, wanted.state)
    except SourceBadRequest:
        # One odd name must not stop the run; the target simply stays without a website.
        log.warning("sources.website_lookup.rejected", target_id=str(wanted.target_id))
        return None
