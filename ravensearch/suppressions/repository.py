"""SQL for the suppression list."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
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


def _filters(kind: str | None, q: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(Suppression.kind == kind)
    if q and q.strip():
        conditions.append(Suppression.value.contains(q.strip().lower(), autoescape=True))
    return conditions
