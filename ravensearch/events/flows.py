"""Operating stored webhook events across transactions: pruning old ones chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.session import unit_of_work
from ravensearch.events.service import events_service

# One transaction per chunk: a prune over millions of rows never holds one huge transaction
# (nor, on SQLite, the write lock the intake needs for more than a moment).
PRUNE_CHUNK = 5000


@dataclass(frozen=True)
class PruneReport:
    deleted: int
    before: datetime
    include_failed: bool


async def prune(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    before: datetime,
    include_failed: bool = False,
    chunk_size: int = PRUNE_CHUNK,
    on_progress: Callable[[int, int], None] | None = None,
) -> PruneReport:
    """Delete applied, ignored and foreign (and, with `include_failed`, failed) events received
    before `before`, `chunk_size` per committed transaction. Pending and unmatched events
    are never deleted. `on_progress(deleted, total)` follows along; `total` is counted first."""
    async with unit_of_work(sessionmaker) as session:
        total = await events_service.count_prunable(
            session, before=before, include_failed=include_failed
        )
    deleted = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            removed = await events_service.prune_chunk(
                session, before=before, limit=chunk_size, include_failed=include_failed
            )
        deleted += removed
        if on_progress is not None:
            # Events applied since the count may be older than `before` too.
            on_progress(deleted, max(total, deleted))
        if removed < chunk_size:
            return PruneReport(deleted, before, include_failed)
