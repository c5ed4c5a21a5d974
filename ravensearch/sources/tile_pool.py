"""A sweep's tiles asked continuously: `concurrency` of them in flight, the next one taken
as soon as one is answered.

Asked in batches, every slot sat idle until the batch's slowest tile was done (a Google
tile of three pages waits twice for its page tokens), which made most of a sweep waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from ravensearch.sources.base import TileSearch
from ravensearch.sources.geo import Tile
from ravensearch.sources.patience import PatientSearch, TileFailure
from ravensearch.sources.tiling import AdaptiveTiler

Answer = TileSearch | TileFailure
_Task = asyncio.Task[Answer]


async def answers(
    tiler: AdaptiveTiler, patient: PatientSearch, *, concurrency: int
) -> AsyncGenerator[tuple[Tile, Answer], None]:
    """Each tile's answer as it arrives, in no set order, until the tiler has none left.

    The caller reports each answer to the tiler before asking for the next one: a
    saturated tile's quarters become takeable only then. No new tile is taken while a
    tile waits out a rate limit or an outage (the provider asked for a pause; a new tile
    would only spend requests and the run's waits); the tiles in flight go on.

    Raises:
        SourceAuthError, SourceQuotaExceeded: from `patient`, once the tiles already in
            flight have finished and been yielded, so that what they found is kept.
    """
    in_flight: dict[_Task, Tile] = {}
    stop: Exception | None = None
    try:
        while True:
            if stop is None and not patient.waiting:
                for tile in tiler.take(concurrency - len(in_flight)):
                    in_flight[asyncio.create_task(patient.search(tile))] = tile
            if not in_flight:
                break
            for task in await _first_done(in_flight, patient if stop is None else None):
                tile = in_flight.pop(task)
                try:
                    answer = task.result()
                except Exception as exc:  # noqa: BLE001  (raised once the others finish)
                    stop = stop or exc
                    continue
                yield tile, answer
        if stop is not None:
            raise stop
    finally:
        # Only reached with tiles in flight when the caller stops early or is cancelled.
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)


async def _first_done(tasks: dict[_Task, Tile], patient: PatientSearch | None) -> list[_Task]:
    """The tasks done once at least one is, or none when `patient`'s wait ends first."""
    waiters: set[asyncio.Future[Any]] = set(tasks)  # Any: answers, and calm's None
    calm = None
    if patient is not None and patient.waiting:
        calm = asyncio.ensure_future(patient.calm())
        waiters.add(calm)
    try:
        done, _pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if calm is not None:
            calm.cancel()
    # In the order they were taken, so a run is as repeatable as the answers' timing allows.
    return [task for task in tasks if task in done]
