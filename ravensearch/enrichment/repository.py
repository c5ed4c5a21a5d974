"""SQL of enrichment: claim targets for a run, and store what a run found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Target, TargetEmail, TargetStatus
from ravensearch.db.upsert import insert_ignoring_conflicts

_EMAILS = TargetEmail.metadata.tables[TargetEmail.__tablename__]


# Rows per INSERT: 13 columns each stays far below every driver's parameter limit.
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class TargetResult:
    """What one enrichment gave a target: its next status and the addresses to store."""

    target_id: uuid.UUID
    status: TargetStatus
    reason: str | None
    email: str | None
    emails: Sequence[dict[str, Any]]


@dataclass(frozen=True)
class ClaimedTarget:
    id: uuid.UUID
    website: str | None


def _without_email() -> ColumnElement[bool]:
    return or_(Target.email.is_(None), Target.email == "")


class EnrichmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count_pending(self) -> int:
        stmt = select(func.count()).select_from(Target).where(Target.status == TargetStatus.pending)
        return int(await self.session.scalar(stmt) or 0)

    async def claim(
        self, *, target_ids: Sequence[uuid.UUID] | None, limit: int | None
    ) -> list[ClaimedTarget]:
        """Mark targets `enriching` (one more attempt) and return them.

        Without ids: the oldest `pending` targets; the status condition is repeated in the
        UPDATE, so two runs never claim one row. With ids: those not completed and without
        an email, whatever else their status, so the sweep can re-run a stuck `enriching` one.
        """
        if target_ids is None:
            eligible: ColumnElement[bool] = Target.status == TargetStatus.pending
            # PostgreSQL: rows are locked here, and concurrent runs skip each other's rows
            # instead of waiting. (Two statements: a LIMIT subquery inside the UPDATE may be
            # re-run by PostgreSQL and claim more rows than asked for.)
            chosen = (
                select(Target.id)
                .where(eligible)
                .order_by(Target.created_at, Target.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        else:
            eligible = and_(Target.status != TargetStatus.completed, _without_email())
            chosen = select(Target.id).where(Target.id.in_(list(target_ids)), eligible).limit(limit)
        ids = list((await self.session.scalars(chosen)).all())
        if not ids:
            return []
        stmt = (
            update(Target)
            .where(Target.id.in_(ids), eligible)
            .values(
                status=TargetStatus.enriching,
                status_reason=None,
                enrich_attempts=Target.enrich_attempts + 1,
            )
            .returning(Target.id, Target.website)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(stmt)).all()
        return [ClaimedTarget(id=row.id, website=row.website) for row in rows]

    async def save_results(self, results: Sequence[TargetResult], *, now: datetime) -> None:
        """Replace each target's found addresses and settle its status, in a few statements.

        An email already on a target is never replaced, and a target someone moved out of
        `enriching` meanwhile keeps the status they gave it.
        """
        ids = [result.target_id for result in results]
        found = await self.session.scalars(select(Target).where(Target.id.in_(ids)))
        targets = {target.id: target for target in found}
        await self.session.execute(delete(TargetEmail).where(TargetEmail.target_id.in_(ids)))
        rows = [
            {"id": uuid.uuid4(), "created_at": now, **row, "target_id": result.target_id}
            for result in results
            if result.target_id in targets
            for row in result.emails
        ]
        dialect = self.session.get_bind().dialect.name
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            await self.session.execute(
                insert_ignoring_conflicts(
                    _EMAILS, dialect, chunk, index_elements=["target_id", "email"]
                )
            )
        for result in results:
            target = targets.get(result.target_id)
            if target is not None:
                _settle(target, result, now)


def _settle(target: Target, result: TargetResult, now: datetime) -> None:
    target.enriched_at = now
    if target.status != TargetStatus.enriching:
        return
    status, reason = result.status, result.reason
    if target.email:
        status, reason = TargetStatus.completed, None
    elif result.email is not None:
        target.email = result.email
    target.status = status
    target.status_reason = reason
