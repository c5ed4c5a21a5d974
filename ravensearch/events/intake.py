"""Group commit for webhook intake: concurrent deliveries share one INSERT and one commit.

Each request still waits until its own row is committed before it is answered, so nothing
answered 2xx is lost. At low load a delivery is written at once (no timer, no added
latency); under load, the deliveries that arrive while one INSERT is in flight go out
together in the next one, which costs a fraction of the CPU of one transaction each.

A database that does not answer is bounded by one timer per INSERT, not one per request:
after `timeout` s its waiters, and those queued behind it, hear `TimeoutError` (the
endpoint answers 503). Their rows stay queued and may still be written once the database
answers; a redelivery of one is then a duplicate, as for any event stored twice.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.db.errors import is_bad_value, sqlstate
from ravensearch.events.parsing import UnstorableDelivery
from ravensearch.events.repository import insert_deliveries

MAX_ROWS_PER_INSERT = 200
DEFAULT_TIMEOUT_SECONDS = 10.0


class DeliveryBatcher:
    def __init__(self, engine: AsyncEngine, *, max_rows: int = MAX_ROWS_PER_INSERT) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._writing = False
        self._timeout = DEFAULT_TIMEOUT_SECONDS
        self._watchdog: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None

    async def store(self, row: dict[str, Any], *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bool:
        """Store `row` (committed on return); False when its dedupe key was already stored.
        Raises `TimeoutError` when the database has not answered within about `timeout` s."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.append((row, future))
        self._start(loop, timeout)
        return await future

    async def store_many(
        self, rows: list[dict[str, Any]], *, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> list[bool]:
        """`store` for the rows of one request (a SendGrid batch), queued together so they
        share INSERTs. Raises the first error once every row has an outcome; the rows
        stored meanwhile stay stored (a redelivery finds them as duplicates)."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[bool]] = [loop.create_future() for _ in rows]
        self._queue.extend(zip(rows, futures, strict=True))
        self._start(loop, timeout)
        await asyncio.wait(futures)
        errors = [exc for future in futures if (exc := future.exception()) is not None]
        if errors:
            raise errors[0]
        return [future.result() for future in futures]

    def _start(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._timeout = timeout
        if not self._writing:
            self._writing = True
            self._writer = loop.create_task(self._write_all())

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch = self._queue[: self.max_rows]
                del self._queue[: self.max_rows]
                self._watchdog = loop.call_later(self._timeout, self._expire, batch)
                try:
                    await self._write(batch)
                finally:
                    self._watchdog.cancel()
        finally:
            self._writing = False

    def _expire(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        """The INSERT in flight has not returned in time: fail its waiters and the queued ones,
        and watch again for those who queue next."""
        for _, future in (*batch, *self._queue):
            if not future.done():
                future.set_exception(TimeoutError("the database did not answer in time"))
        self._watchdog = asyncio.get_running_loop().call_later(self._timeout, self._expire, batch)

    async def _write(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        try:
            inserted = await self._insert([row for row, _ in batch])
        except Exception as exc:  # noqa: BLE001  (every waiter hears it and answers 503)
            if is_bad_value(exc):
                await self._write_each(batch, exc)
                return
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        seen: set[str] = set()
        for row, future in batch:
            key = row["dedupe_key"]
            # The same delivery twice in one batch: the first is the stored one.
            stored = key in inserted and key not in seen
            seen.add(key)
            if not future.done():
                future.set_result(stored)

    async def _write_each(
        self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]], exc: Exception
    ) -> None:
        """A value the database refuses fails its whole INSERT: alone, it is answered 400
        (it would fail on every retry); the deliveries that shared its INSERT are stored."""
        if len(batch) == 1:
            _, future = batch[0]
            if not future.done():
                future.set_exception(
                    UnstorableDelivery(
                        "The database cannot store a value of this event "
                        f"(SQLSTATE {sqlstate(exc) or type(exc).__name__}); it will not be "
                        "stored on a retry either."
                    )
                )
            return
        for item in batch:
            await self._write([item])

    async def _insert(self, rows: list[dict[str, Any]]) -> set[str]:
        async with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One statement is its own transaction: AUTOCOMMIT saves BEGIN/COMMIT.
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await insert_deliveries(conn, rows)
            async with conn.begin():
                return await insert_deliveries(conn, rows)


_batchers: weakref.WeakKeyDictionary[AsyncEngine, DeliveryBatcher] = weakref.WeakKeyDictionary()


def batcher_for(engine: AsyncEngine) -> DeliveryBatcher:
    batcher = _batchers.get(engine)
    if batcher is None:
        batcher = _batchers[engine] = DeliveryBatcher(engine)
    return batcher
