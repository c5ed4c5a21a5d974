"""SQL for the recruiting pipeline: target stages, the move history, and what the page shows."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Campaign, Dispatch, PipelineMove, Target, User
from ravensearch.kit.clock import as_utc

_TARGETS = Target.metadata.tables[Target.__tablename__]
_MOVES = PipelineMove.metadata.tables[PipelineMove.__tablename__]
# Far below the bound-parameter limits of SQLite and asyncpg.
_IN_CHUNK = 5000


@dataclass(slots=True)
class StageState:
    """Where one technician stands (None: not in the pipeline)."""

    id: uuid.UUID
    stage: str | None
    refusal_reason: str | None


@dataclass(frozen=True)
class MoveRow:
    """One `pipeline_moves` row to insert."""

    target_id: uuid.UUID
    from_stage: str | None
    to_stage: str
    refusal_reason: str | None
    source: str
    event_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    note: str | None = None


@dataclass(frozen=True)
class LastMove:
    from_stage: str | None
    to_stage: str
    refusal_reason: str | None
    source: str
    note: str | None
    user_email: str | None
    at: datetime


@dataclass(frozen=True)
class ReplyRef:
    """The dispatch a technician answered: its campaign and what they wrote."""

    campaign_id: uuid.UUID
    campaign_name: str
    reply_text: str | None
    replied_at: datetime | None
    interest_status: str | None
    unibox_url: str | None


def _chunks(ids: Collection[uuid.UUID]) -> list[list[uuid.UUID]]:
    ordered = sorted(ids)
    return [ordered[i : i + _IN_CHUNK] for i in range(0, len(ordered), _IN_CHUNK)]


def _search(q: str | None) -> list[ColumnElement[bool]]:
    searched = (Target.business_name, Target.email, Target.first_name, Target.last_name)
    return [
        or_(*(column.icontains(word, autoescape=True) for column in searched))
        for word in (q or "").split()
    ]


class PipelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_stages(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, StageState]:
        """The stages of these targets, locked until the transaction ends (PostgreSQL;
        SQLite serialises writers anyway), so an automatic and a manual move cannot race."""
        found: dict[uuid.UUID, StageState] = {}
        for part in _chunks(ids):
            stmt = (
                select(_TARGETS.c.id, _TARGETS.c.pipeline_stage, _TARGETS.c.pipeline_refusal_reason)
                .where(_TARGETS.c.id.in_(part))
                .order_by(_TARGETS.c.id)
                .with_for_update()
            )
            for row in (await self.session.execute(stmt)).all():
                found[row[0]] = StageState(row[0], row[1], row[2])
        return found

    async def last_manual_move_at(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        found: dict[uuid.UUID, datetime] = {}
        for part in _chunks(ids):
            stmt = (
                select(PipelineMove.target_id, func.max(PipelineMove.created_at))
                .where(PipelineMove.target_id.in_(part), PipelineMove.source == "manual")
                .group_by(PipelineMove.target_id)
            )
            found.update((row[0], as_utc(row[1])) for row in await self.session.execute(stmt))
        return found

    async def record(
        self, moves: Sequence[MoveRow], states: Sequence[StageState], *, now: datetime
    ) -> None:
        """Insert the moves and write the targets' new stages (one executemany each)."""
        if not moves:
            return
        rows: list[dict[str, Any]] = [
            {"id": uuid.uuid4(), "created_at": now, **move.__dict__} for move in moves
        ]
        await self.session.execute(insert(_MOVES), rows)
        stmt = (
            update(_TARGETS)
            .where(_TARGETS.c.id == bindparam("b_id"))
            .values(
                pipeline_stage=bindparam("b_stage"),
                pipeline_refusal_reason=bindparam("b_reason"),
                pipeline_updated_at=now,
                updated_at=now,
            )
        )
        params = [{"b_id": s.id, "b_stage": s.stage, "b_reason": s.refusal_reason} for s in states]
        await self.session.execute(stmt, params)

    async def stage_counts(self) -> dict[str, int]:
        stmt = (
            select(Target.pipeline_stage, func.count())
            .where(Target.pipeline_stage.is_not(None))
            .group_by(Target.pipeline_stage)
        )
        return {str(stage): int(count) for stage, count in await self.session.execute(stmt)}

    async def in_stage(self, stage: str, *, limit: int) -> Sequence[Target]:
        """The technicians in `stage`, most recently moved first."""
        stmt = (
            select(Target)
            .where(Target.pipeline_stage == stage)
            .order_by(Target.pipeline_updated_at.desc(), Target.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def paginate(
        self, *, stage: str | None, q: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Target], int]:
        where = [Target.pipeline_stage.is_not(None), *_search(q)]
        if stage:
            where.append(Target.pipeline_stage == stage)
        total = await self.session.scalar(select(func.count()).select_from(Target).where(*where))
        stmt = (
            select(Target)
            .where(*where)
            .order_by(Target.pipeline_updated_at.desc(), Target.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all(), int(total or 0)

    async def last_moves(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, LastMove]:
        found: dict[uuid.UUID, LastMove] = {}
        for part in _chunks(ids):
            stmt = (
                select(PipelineMove, User.email)
                .outerjoin(User, User.id == PipelineMove.user_id)
                .where(PipelineMove.target_id.in_(part))
                .order_by(PipelineMove.target_id, PipelineMove.created_at.desc())
            )
            for move, email in (await self.session.execute(stmt)).all():
                found.setdefault(move.target_id, _last_move(move, email))
        return found

    async def history(self, target_id: uuid.UUID) -> list[LastMove]:
        stmt = (
            select(PipelineMove, User.email)
            .outerjoin(User, User.id == PipelineMove.user_id)
            .where(PipelineMove.target_id == target_id)
            .order_by(PipelineMove.created_at.desc())
        )
        return [_last_move(move, email) for move, email in (await self.session.execute(stmt))]

    async def replies(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ReplyRef]:
        """Per target, the dispatch that brought them in: the latest answered one, else the
        latest with an interest status, else the latest at all. One row per target comes
        back (a window function picks it): a technician may have a dozen dispatches."""
        found: dict[uuid.UUID, ReplyRef] = {}
        for part in _chunks(ids):
            rank = (
                func.row_number()
                .over(
                    partition_by=Dispatch.technician_id,
                    order_by=(
                        Dispatch.replied_at.is_(None),  # false sorts first on both backends
                        Dispatch.interest_at.is_(None),
                        func.coalesce(
                            Dispatch.replied_at, Dispatch.interest_at, Dispatch.created_at
                        ).desc(),
                        Dispatch.id,
                    ),
                )
                .label("rank")
            )
            ranked = (
                select(
                    Dispatch.technician_id,
                    Dispatch.campaign_id,
                    Dispatch.reply_text,
                    Dispatch.replied_at,
                    Dispatch.interest_status,
                    Dispatch.unibox_url,
                    rank,
                )
                .where(Dispatch.technician_id.in_(part))
                .subquery()
            )
            stmt = (
                select(ranked, Campaign.name)
                .join(Campaign, Campaign.id == ranked.c.campaign_id)
                .where(ranked.c.rank == 1)
            )
            for row in (await self.session.execute(stmt)).all():
                found[row.technician_id] = ReplyRef(
                    row.campaign_id,
                    row.name,
                    row.reply_text,
                    as_utc(row.replied_at) if row.replied_at else None,
                    row.interest_status,
                    row.unibox_url,
                )
        return found


def _last_move(move: PipelineMove, email: str | None) -> LastMove:
    return LastMove(
        move.from_stage,
        move.to_stage,
        move.refusal_reason,
        move.source,
        move.note,
        email,
        as_utc(move.created_at),
    )
