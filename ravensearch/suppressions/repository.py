"""SQL for the suppression list."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Suppression
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

    async def list(self, *, kind: str | None, limit: int, offset: int) -> Sequence[Suppression]:
        stmt = select(Suppression).order_by(Suppression.created_at.desc(), Suppression.value)
        if kind is not None:
            stmt = stmt.where(Suppression.kind == kind)
        return (await self.session.scalars(stmt.limit(limit).offset(offset))).all()

    async def delete_by_value(self, value: str) -> int:
        result = await self.session.execute(delete(Suppression).where(Suppression.value == value))
        return int(result.rowcount)  # type: ignore[attr-defined]
