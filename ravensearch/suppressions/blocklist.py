"""The database side of keeping suppressions and Instantly's block list in step.

A suppression made here waits (`instantly_synced_at` is NULL) until Instantly confirms it
is on the block list; the calls to Instantly are in `flows.py`, between these steps.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.errors import InvalidInput
from ravensearch.kit.clock import as_utc, utcnow
from ravensearch.suppressions.repository import SuppressionRepository
from ravensearch.suppressions.service import REMOVED_ACTION, parse_value

INSTANTLY_SOURCE = "instantly"
PULLED_REASON = "On Instantly's block list"
MAX_ERROR_CHARS = 1000
# After the n-th failed push the next waits RETRY_DELAYS[n - 1] (the last one from then on):
# a value Instantly refuses is not re-sent every quarter hour for ever.
RETRY_DELAYS = tuple(timedelta(minutes=10 * 2**n) for n in range(8))  # 10 min … ~21 h
# A push started this long ago without an answer is taken as lost (the process died).
IN_FLIGHT = timedelta(minutes=2)


@dataclass(frozen=True)
class PulledEntry:
    value: str
    entry_id: str
    created_at: datetime | None


@dataclass
class MergeResult:
    added: int = 0  # new suppressions from Instantly
    matched: int = 0  # ours, found already there: no push needed
    kept_removed: int = 0  # removed here by a person after Instantly had them


@dataclass(frozen=True)
class SyncSummary:
    on_instantly: int
    waiting: int
    failing: int
    last_error: str | None


class BlocklistSyncService:
    async def claim(
        self, session: AsyncSession, *, limit: int, retry: bool, force: bool = False
    ) -> Sequence[tuple[uuid.UUID, str]]:
        """Suppressions to push now, marked as being pushed: never tried ones, plus (with
        `retry`) failed ones whose back-off is over, or (with `force`) any not in flight."""
        delays: Sequence[timedelta] = ()
        if force:
            delays = (IN_FLIGHT,)
        elif retry:
            delays = RETRY_DELAYS
        return await SuppressionRepository(session).claim_waiting(
            now=utcnow(), limit=limit, retry_delays=delays
        )

    async def record_pushed(
        self, session: AsyncSession, entry_ids: Mapping[uuid.UUID, str | None]
    ) -> None:
        """These suppressions are on Instantly's block list (with Instantly's entry id)."""
        now = utcnow()
        await SuppressionRepository(session).set_instantly_state(
            [
                {
                    "id": row_id,
                    "instantly_entry_id": entry_id,
                    "instantly_synced_at": now,
                    "instantly_error": None,
                }
                for row_id, entry_id in entry_ids.items()
            ]
        )

    async def record_failed(self, session: AsyncSession, errors: Mapping[uuid.UUID, str]) -> None:
        """Why these did not reach Instantly; they stay waiting and are retried."""
        await SuppressionRepository(session).set_instantly_state(
            [
                {"id": row_id, "instantly_error": error[:MAX_ERROR_CHARS]}
                for row_id, error in errors.items()
            ]
        )

    async def merge_pulled(
        self, session: AsyncSession, entries: Collection[PulledEntry]
    ) -> MergeResult:
        """Make every block-list entry a suppression (source `instantly`).

        Adds only: nothing here is deleted or un-suppressed. Ours found there are marked
        synced (so never pushed again). A value a person removed here after it was on the
        block list is left out: removing it was a decision, not a gap to fill.
        """
        repository = SuppressionRepository(session)
        by_value = {entry.value: entry for entry in entries}
        existing = await repository.by_values(by_value)
        now = utcnow()
        result = MergeResult()
        updates: list[dict[str, Any]] = []
        for value, row in existing.items():
            if row.instantly_synced_at is None:
                result.matched += 1
                updates.append(
                    {
                        "id": row.id,
                        "instantly_entry_id": by_value[value].entry_id,
                        "instantly_synced_at": now,
                        "instantly_error": None,
                    }
                )
        await repository.set_instantly_state(updates)
        new = [entry for value, entry in by_value.items() if value not in existing]
        removals = await repository.audit_by_subject(REMOVED_ACTION, [e.value for e in new])
        rows: list[dict[str, Any]] = []
        for entry in new:
            removal = removals.get(entry.value)
            if removal is not None and (
                entry.created_at is None or as_utc(removal.created_at) >= entry.created_at
            ):
                result.kept_removed += 1
                continue
            rows.append(_pulled_row(entry, now))
        await repository.insert_ignoring_existing(rows)
        result.added = len(rows)
        return result

    async def summary(self, session: AsyncSession) -> SyncSummary:
        repository = SuppressionRepository(session)
        counts = await repository.instantly_counts()
        return SyncSummary(**counts, last_error=await repository.latest_instantly_error())


def pulled_entry(value: str, entry_id: str, created_at: datetime | None) -> PulledEntry | None:
    """A block-list value as we store it, or None when it is neither an email nor a domain."""
    try:
        normalized, _kind = parse_value(value)
    except InvalidInput:
        return None
    return PulledEntry(normalized, entry_id, created_at)


def _pulled_row(entry: PulledEntry, now: datetime) -> dict[str, Any]:
    _value, kind = parse_value(entry.value)
    return {
        "id": uuid.uuid4(),
        "value": entry.value,
        "kind": kind.value,
        "reason": PULLED_REASON,
        "source": INSTANTLY_SOURCE,
        "created_at": now,
        "instantly_entry_id": entry.entry_id,
        "instantly_synced_at": now,
        "instantly_attempts": 0,
    }


blocklist_sync_service = BlocklistSyncService()
