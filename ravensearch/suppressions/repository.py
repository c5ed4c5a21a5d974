"""SQL for the suppression list."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import AuditEntry, Suppression
from ravensearch.db.upsert import insert_ignoring_conflicts

# Well under SQLite's and asyncpg's bound-parameter limits (6 parameters per inserted row).
_CHUNK = 1000
_INSERT_CHUNK = 100


class SuppressionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_ignoring_existing(self, rows: Sequence[dict[str, Any]]) -> None:
        # ON CONFLICT DO NOTHING: a value already there (or added concurrently) is kept.
        dialect = self.session.get_bind().dialect.name
        for start in range(0, len(rows), _INSERT_CHUNK):
            stmt = insert_ignoring_conflicts(
                Suppression.__table__,  # type: ignore[arg-type]
                dialect,
                rows[start : start + _INSERT_CHUNK],
                index_elements=["value"],
            )
            await self.session.execute(stmt)

    async def get_by_value(self, value: str) -> Suppression | None:
        stmt = select(Suppression).where(Suppression.value == value)
        return await self.session.scalar(stmt)

    async def values_among(self, values: Collection[str]) -> set[str]:
        ordered = sorted(set(values))
        found: set[str] = set()
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            stmt = select(Suppression.value).where(Suppression.value.in_(chunk))
            found.update((await self.session.scalars(stmt)).all())
        return found

    async def list(
        self, *, kind: str | None, limit: int, offset: int, q: str | None = None
    ) -> Sequence[Suppression]:
        stmt = (
            select(Suppression)
            .where(*_filters(kind, q))
            .order_by(Suppression.created_at.desc(), Suppression.value)
        )
        return (await self.session.scalars(stmt.limit(limit).offset(offset))).all()

    async def count(self, *, kind: str | None, q: str | None = None) -> int:
        stmt = select(func.count()).select_from(Suppression).where(*_filters(kind, q))
        return int(await self.session.scalar(stmt) or 0)

    async def audit_by_subject(
        self, action: str, subjects: Collection[str]
    ) -> dict[str, AuditEntry]:
        """The latest `action` entry per subject."""
        if not subjects:
            return {}
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.subject.in_(sorted(subjects)))
            .order_by(AuditEntry.created_at)
        )
        return {entry.subject: entry for entry in (await self.session.scalars(stmt)).all()}

    async def audit_entries(self, actions: Collection[str], *, limit: int) -> Sequence[AuditEntry]:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.action.in_(sorted(actions)))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def delete_by_value(self, value: str) -> int:
        result = await self.session.execute(delete(Suppression).where(Suppression.value == value))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- Instantly's block list ---------------------------------------------------------

    async def claim_waiting(
        self, *, now: datetime, limit: int, retry_delays: Sequence[timedelta] = ()
    ) -> Sequence[tuple[uuid.UUID, str]]:
        """Mark up to `limit` waiting rows as being pushed now (attempts + 1); returns their
        (id, value), oldest first.

        A row is due when never attempted, or, with `retry_delays`, when its last attempt
        is older than `retry_delays[attempts - 1]` (the last delay for any more attempts).
        The UPDATE re-checks that, so two pushers never both claim a row.
        """
        due = _due(now, retry_delays)
        ids = list(
            (
                await self.session.scalars(
                    select(Suppression.id)
                    .where(*_waiting(), due)
                    .order_by(Suppression.created_at, Suppression.id)
                    .limit(limit)
                )
            ).all()
        )
        claimed: list[tuple[uuid.UUID, str]] = []
        for start in range(0, len(ids), _CHUNK):
            stmt = (
                update(Suppression)
                .where(Suppression.id.in_(ids[start : start + _CHUNK]), *_waiting(), due)
                .values(
                    instantly_attempted_at=now,
                    instantly_attempts=Suppression.instantly_attempts + 1,
                )
                .returning(Suppression.id, Suppression.value)
                .execution_options(synchronize_session=False)
            )
            claimed.extend((row.id, row.value) for row in await self.session.execute(stmt))
        return claimed

    async def set_instantly_state(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk UPDATE by id: each dict holds `id` and the `instantly_*` columns to set."""
        if rows:
            await self.session.execute(update(Suppression), list(rows))

    async def by_values(self, values: Collection[str]) -> dict[str, Suppression]:
        ordered = sorted(set(values))
        found: dict[str, Suppression] = {}
        for start in range(0, len(ordered), _CHUNK):
            stmt = select(Suppression).where(Suppression.value.in_(ordered[start : start + _CHUNK]))
            found.update((row.value, row) for row in (await self.session.scalars(stmt)).all())
        return found

    async def instantly_counts(self) -> dict[str, int]:
        """How many are on Instantly's block list, waiting, and waiting after an error."""
        synced = Suppression.instantly_synced_at.is_not(None)
        stmt = select(
            func.count(case((synced, 1))),
            func.count(case((and_(*_waiting()), 1))),
            func.count(case((and_(*_waiting(), Suppression.instantly_error.is_not(None)), 1))),
        )
        on_instantly, waiting, failing = (await self.session.execute(stmt)).one()
        return {"on_instantly": on_instantly, "waiting": waiting, "failing": failing}

    async def latest_instantly_error(self) -> str | None:
        stmt = (
            select(Suppression.instantly_error)
            .where(*_waiting(), Suppression.instantly_error.is_not(None))
            .order_by(Suppression.instantly_attempted_at.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)


def _due(now: datetime, retry_delays: Sequence[timedelta]) -> ColumnElement[bool]:
    attempted, attempts = Suppression.instantly_attempted_at, Suppression.instantly_attempts
    conditions: list[ColumnElement[bool]] = [attempted.is_(None)]
    for tries, delay in enumerate(retry_delays, start=1):
        same = attempts >= tries if tries == len(retry_delays) else attempts == tries
        conditions.append(and_(same, attempted <= now - delay))
    return or_(*conditions)


def _waiting() -> list[ColumnElement[bool]]:
    # Entries pulled from Instantly arrive synced, so they are never pushed back.
    return [Suppression.instantly_synced_at.is_(None)]


def _filters(kind: str | None, q: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(Suppression.kind == kind)
    if q and q.strip():
        conditions.append(Suppression.value.contains(q.strip().lower(), autoescape=True))
    return conditions
