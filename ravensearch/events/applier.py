"""The background loop that applies stored webhook events, one batch per transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.engine import create_engine, create_sessionmaker, is_sqlite
from ravensearch.db.errors import is_unavailable
from ravensearch.db.session import unit_of_work
from ravensearch.events.counters import refresh_counters
from ravensearch.events.repository import WebhookEventRepository
from ravensearch.events.service import BATCH_SIZE, BatchResult, events_service

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.001
# Intake faster than this is "busy": the applier then takes at most BUSY_SHARE of the time.
BUSY_EVENTS_PER_SECOND = 1000.0
BUSY_SHARE = 0.1
BUSY_BATCH_SIZE = 100


class EventApplier:
    """Applies pending events: woken by the webhook endpoint, polling as a fallback.

    One per process. Several processes may run one each against PostgreSQL: claiming
    uses `FOR UPDATE SKIP LOCKED`, so no event is applied twice.

    Intake comes first. Applying an event costs more CPU than storing it, and in `serve` both
    share one interpreter lock: while this process stores more than `busy_rate` events/s,
    the applier works at most `busy_share` of the time (a batch, then a pause) and catches up
    at full speed once the burst is over. Stored events are safe meanwhile; only their
    effects (counters, notifications) wait.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        batch_size: int = BATCH_SIZE,
        poll_seconds: float = 1.0,
        settle_seconds: float = 0.1,
        counters_seconds: float = 1.0,
        busy_rate: float = BUSY_EVENTS_PER_SECOND,
        busy_share: float = BUSY_SHARE,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.counters_seconds = counters_seconds
        self.busy_rate = busy_rate
        self.busy_share = busy_share
        self.stored = 0  # events stored by this process's intake (counted by `wake`)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._stopping = False

    def wake(self, count: int = 1) -> None:
        """`count` events were stored: ask the running loop to look for events now. Safe
        from any thread; a no-op when `run()` is not running (the next poll or `drain()`
        finds them)."""
        self.stored += count
        loop, wakeup = self._loop, self._wakeup
        if loop is None or wakeup is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wakeup.set()
        elif not wakeup.is_set():
            # Already set means not yet consumed: the applier clears it before it claims,
            # so it will see this event. Skipping saves a wake-up syscall per delivery.
            loop.call_soon_threadsafe(wakeup.set)

    def stop_soon(self) -> None:
        """Ask `run()` to return between batches (never inside a transaction). Safe from
        any thread; `run()` also ends when its task is cancelled."""
        self._stopping = True
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wakeup.set)

    @staticmethod
    async def _every_campaign(sessionmaker: async_sessionmaker[AsyncSession]) -> set[uuid.UUID]:
        try:
            async with unit_of_work(sessionmaker) as session:
                return set(await WebhookEventRepository(session).campaign_ids())
        except Exception:  # the database may be down at start; the loop retries it anyway
            log.warning("events.applier.start_recount_skipped", exc_info=True)
            return set()

    async def run(self, sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> None:
        """Apply events forever (through `sessionmaker` if given: `ApplierThread` passes one
        bound to its own loop). Errors are logged and retried after a poll interval; the
        loop only ends when its task is cancelled."""
        sessionmaker = sessionmaker or self.sessionmaker
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._wakeup = wakeup = asyncio.Event()
        # Recounting a campaign reads all its dispatch rows: under a stream of events it is
        # done once per `counters_seconds`, not once per batch, and at once when caught up.
        # A process killed between applying a batch and recounting took its `stale` set with
        # it: start by recounting every campaign (a few grouped reads), so counters never
        # wait for the next sync after a crash.
        stale: set[uuid.UUID] = await self._every_campaign(sessionmaker)
        refreshed = time.monotonic() - self.counters_seconds
        busy = False
        try:
            while not self._stopping:
                # Cleared before applying, so a wake that arrives meanwhile is not lost.
                wakeup.clear()
                try:
                    while True:
                        started, stored_before = time.monotonic(), self.stored
                        # Shorter batches while intake is busy: a batch holds the
                        # interpreter lock half the time, slowing the answers meanwhile.
                        limit = min(self.batch_size, BUSY_BATCH_SIZE) if busy else self.batch_size
                        result = await self.apply_batch(sessionmaker, recount=False, limit=limit)
                        stale.update(result.stale_counters)
                        caught_up = result.processed < limit
                        due = time.monotonic() - refreshed >= self.counters_seconds
                        if stale and (caught_up or due):
                            async with unit_of_work(sessionmaker) as session:
                                await refresh_counters(session, stale)
                            stale.clear()
                            refreshed = time.monotonic()
                        busy = await self._yield_to_intake(started, stored_before)
                        if caught_up or self._stopping:
                            break
                except Exception:
                    log.exception("events.applier.error")
                    await asyncio.sleep(self.poll_seconds)
                # Polling too: events stored by another process never wake this one.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), timeout=self.poll_seconds)
                if wakeup.is_set() and not self._stopping:
                    # Every batch costs the same handful of queries whatever its size:
                    # under a burst of deliveries, let a batch fill up instead of
                    # applying one event per wake (which starved the intake of CPU).
                    await asyncio.sleep(self.settle_seconds)
        finally:
            self._loop = self._wakeup = None

    async def _yield_to_intake(self, started: float, stored_before: int) -> bool:
        """While intake is busy, pause so this batch's time is `busy_share` of the total.
        Returns whether it was busy."""
        took = time.monotonic() - started
        if (self.stored - stored_before) < self.busy_rate * took:
            return False
        await asyncio.sleep(took * (1.0 - self.busy_share) / self.busy_share)
        return True

    async def drain(self) -> int:
        """Apply batches until none is pending; returns how many events ended `applied`."""
        applied = 0
        while True:
            result = await self.apply_batch()
            applied += result.applied
            if result.processed == 0:
                return applied

    async def apply_batch(
        self,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        *,
        recount: bool = True,
        limit: int | None = None,
    ) -> BatchResult:
        """One batch in one transaction. If writing it fails, no event of it is lost: they
        are retried one per transaction, and one that still cannot be written is failed.
        With `recount=False` the campaigns to recount are in the result."""
        sessionmaker = sessionmaker or self.sessionmaker
        try:
            async with unit_of_work(sessionmaker) as session:
                return await events_service.apply_pending(
                    session, limit=limit or self.batch_size, refresh=recount
                )
        except Exception as exc:
            if is_unavailable(exc):
                raise  # the database, not an event: `run()` retries after a pause
            log.warning("events.batch.failed retrying one by one", exc_info=True)
        return await self._apply_one_by_one(sessionmaker)

    async def _apply_one_by_one(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> BatchResult:
        async with unit_of_work(sessionmaker) as session:
            ids = await events_service.pending_ids(session, limit=self.batch_size)
        processed = applied = 0
        for event_id in ids:
            try:
                async with unit_of_work(sessionmaker) as session:
                    result = await events_service.apply_pending(session, event_ids=[event_id])
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                log.warning("events.apply.failed event_id=%s", event_id, exc_info=True)
                async with unit_of_work(sessionmaker) as session:
                    error = f"{type(exc).__name__}: {exc}"
                    if await events_service.mark_failed(session, event_id, error):
                        processed += 1
                continue
            processed += result.processed
            applied += result.applied
        return BatchResult(processed=processed, applied=applied)


class ApplierThread:
    """Runs an `EventApplier` on a thread of its own, with its own event loop and engine.

    Applying a batch is a long stretch of Python (rows, effects, counters). On the web
    server's loop it held webhook answers back by tens of milliseconds at a time; on its own
    thread the interpreter hands control back to the server every few milliseconds
    (`sys.getswitchinterval`). Database connections belong to the loop that opened them,
    hence the second engine, on the same database.
    """

    def __init__(
        self, database_url: str, applier: EventApplier | None = None, *, pool_size: int = 3
    ) -> None:
        """Without `applier` (a `worker` process), one is made on the thread: nothing wakes
        it, so it finds events by polling."""
        self.applier = applier
        self.database_url = database_url
        self.pool_size = pool_size
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: EventApplier | None = None
        self._started = threading.Event()

    def start(self) -> None:
        # The interpreter lets a thread that wants the lock wait up to the switch interval
        # (5 ms by default) for the one running Python. Each step of a request (read it,
        # send the INSERT, read the answer, reply) waits once while a batch is applied:
        # at 1 ms the p99 of webhook answers at 500/s fell from 135 ms to 29 ms.
        if sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        self._thread = threading.Thread(target=self._main, name="events-applier", daemon=True)
        self._thread.start()
        self._started.wait(timeout=30)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 15.0) -> None:
        """Let the applier finish its batch and return, then wait. Cancelling it mid-way
        can leave a transaction open (on SQLite: the write lock, until the process ends),
        so the loop is cancelled only if it has not returned within `timeout`."""
        loop, task, thread = self._loop, self._task, self._thread
        if self._running is not None:
            self._running.stop_soon()
        if thread is not None:
            thread.join(timeout)
        if thread is not None and thread.is_alive():
            if loop is not None and task is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(task.cancel)
            thread.join(timeout)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception:
            log.exception("events.applier_thread.crashed")
        finally:
            self._started.set()

    async def _serve(self) -> None:
        pool = {} if is_sqlite(self.database_url) else {"pool_size": self.pool_size}
        engine = create_engine(self.database_url, **pool)
        try:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._started.set()
            sessionmaker = create_sessionmaker(engine)
            applier = self._running = self.applier or EventApplier(sessionmaker)
            with contextlib.suppress(asyncio.CancelledError):
                await applier.run(sessionmaker)
        finally:
            await engine.dispose()


def can_run_on_a_thread(engine: AsyncEngine) -> bool:
    """False for an in-memory SQLite database: a second engine would open another one."""
    url = engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")
