"""Suppressions ⇄ Instantly's block list: push ours, pull theirs.

Each step reads or writes in its own unit of work and no transaction is open while
Instantly is called. A push is claimed (committed) first, so a crash between the call and
the record leaves the row waiting, and the next sync pulls before it pushes: what did
reach Instantly is found there and not sent twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.session import unit_of_work
from ravensearch.instantly.client import MAX_BLOCKLIST_VALUES, InstantlyClient
from ravensearch.instantly.errors import InstantlyError, InstantlyValidationError
from ravensearch.instantly.upstream import explain_call_failure
from ravensearch.kit.clock import parse_iso
from ravensearch.suppressions.blocklist import (
    PulledEntry,
    blocklist_sync_service,
    pulled_entry,
)

PUSH_LIMIT = 10 * MAX_BLOCKLIST_VALUES  # per run; the next run takes the rest
MERGE_CHUNK = 1000
INVALID = "Instantly did not add it: it counted this value as invalid."

Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass
class SyncReport:
    pushed: int = 0
    failed: int = 0
    pulled: int = 0  # new suppressions from Instantly's block list
    matched: int = 0  # ours, found already on the block list
    kept_removed: int = 0  # on the block list, but removed here by a person
    skipped: int = 0  # block-list values that are neither an email nor a domain
    error: str | None = None


async def push_waiting(
    sessionmaker: Sessionmaker,
    instantly: InstantlyClient,
    *,
    retry: bool = False,
    force: bool = False,
    report: SyncReport | None = None,
) -> SyncReport:
    """Push waiting suppressions: one POST for a single value, bulk-create (1,000 a call)
    for several. Without `retry` only never-tried ones (the minutely sweep); the periodic
    sync retries failed ones after their back-off, `force` retries them all now."""
    report = report or SyncReport()
    async with unit_of_work(sessionmaker) as session:
        claimed = await blocklist_sync_service.claim(
            session, limit=PUSH_LIMIT, retry=retry, force=force
        )
    pushed: dict[uuid.UUID, str | None] = {}
    failed: dict[uuid.UUID, str] = {}
    if len(claimed) == 1:
        await _push_one(instantly, claimed[0], pushed, failed)
    else:
        for start in range(0, len(claimed), MAX_BLOCKLIST_VALUES):
            chunk = claimed[start : start + MAX_BLOCKLIST_VALUES]
            error = await _push_chunk(instantly, chunk, pushed, failed)
            if error is not None:  # Instantly is down or refuses us: the rest would fail too
                failed.update((row_id, error) for row_id, _ in claimed[start:])
                break
    async with unit_of_work(sessionmaker) as session:
        await blocklist_sync_service.record_pushed(session, pushed)
        await blocklist_sync_service.record_failed(session, failed)
    report.pushed += len(pushed)
    report.failed += len(failed)
    report.error = report.error or next(iter(failed.values()), None)
    return report


async def pull_blocklist(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, report: SyncReport | None = None
) -> SyncReport:
    """Every entry of Instantly's block list (emails and domains, to the last page) becomes
    a suppression; nothing is ever removed here because it is missing there."""
    report = report or SyncReport()
    entries: list[PulledEntry] = []
    try:
        async for item in instantly.iter_blocklist():
            entry = pulled_entry(item.bl_value, item.id, parse_iso(item.timestamp_created))
            if entry is None:
                report.skipped += 1
            else:
                entries.append(entry)
    except InstantlyError as exc:
        report.error = (await explain_call_failure(instantly, exc)).message
        return report
    for start in range(0, len(entries), MERGE_CHUNK):
        async with unit_of_work(sessionmaker) as session:
            merged = await blocklist_sync_service.merge_pulled(
                session, entries[start : start + MERGE_CHUNK]
            )
        report.pulled += merged.added
        report.matched += merged.matched
        report.kept_removed += merged.kept_removed
    return report


async def sync_blocklist(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, *, force: bool = False
) -> SyncReport:
    """Pull, then push what is still waiting (pulling first finds pushes a crash left
    unrecorded, so they are not sent again)."""
    report = await pull_blocklist(sessionmaker, instantly)
    return await push_waiting(sessionmaker, instantly, retry=True, force=force, report=report)


async def _push_one(
    instantly: InstantlyClient,
    claimed: tuple[uuid.UUID, str],
    pushed: dict[uuid.UUID, str | None],
    failed: dict[uuid.UUID, str],
) -> None:
    row_id, value = claimed
    try:
        entry = await instantly.add_to_blocklist(value)
    except InstantlyValidationError as exc:
        failed[row_id] = f"Instantly refused it: {exc.message}"
    except InstantlyError as exc:
        failed[row_id] = (await explain_call_failure(instantly, exc)).message
    else:
        pushed[row_id] = entry.id


async def _push_chunk(
    instantly: InstantlyClient,
    chunk: Sequence[tuple[uuid.UUID, str]],
    pushed: dict[uuid.UUID, str | None],
    failed: dict[uuid.UUID, str],
) -> str | None:
    """Bulk-create one chunk; returns an error that should stop the run, else None."""
    try:
        results = await instantly.bulk_add_to_blocklist([value for _, value in chunk])
    except InstantlyError as exc:
        return (await explain_call_failure(instantly, exc)).message
    # Only `items` say which values made it; the others were counted invalid.
    ids = {entry.bl_value.strip().lower(): entry.id for r in results for entry in r.items}
    for row_id, value in chunk:
        if value in ids:
            pushed[row_id] = ids[value]
        else:
            failed[row_id] = INVALID
    return None
