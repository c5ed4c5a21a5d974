from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import (
    Channel,
    Dispatch,
    DispatchStatus,
    InstantlyPush,
    Target,
    TargetStatus,
)
from ravensearch.db.upsert import insert_ignoring_conflicts_many
from ravensearch.kit.cursor import Key, older_than

T = TypeVar("T")
_TABLE = Dispatch.metadata.tables[Dispatch.__tablename__]

# Both SQLite and asyncpg cap bound parameters near 32k; stay far below.
IN_CHUNK = 5000


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DispatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def targets_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Target]:
        found: dict[uuid.UUID, Target] = {}
        for part in chunked(ids, IN_CHUNK):
            rows = await self.session.scalars(select(Target).where(Target.id.in_(part)))
            found.update((t.id, t) for t in rows)
        return found

    async def target_states_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """id, email, status and trade of each target (columns only: no ORM objects for 10k
        rows)."""
        found: dict[uuid.UUID, Any] = {}
        for part in chunked(ids, IN_CHUNK):
            stmt = select(Target.id, Target.email, Target.status, Target.trade).where(
                Target.id.in_(part)
            )
            found.update((row.id, row) for row in await self.session.execute(stmt))
        return found

    async def existing_for_campaign(
        self, campaign_id: uuid.UUID, *, target_ids: Sequence[uuid.UUID], emails: Sequence[str]
    ) -> tuple[dict[uuid.UUID, Any], set[str]]:
        """Targets and emails already dispatched to the campaign (target → its row's id,
        pushed_at and status)."""
        by_target: dict[uuid.UUID, Any] = {}
        for part in chunked(target_ids, IN_CHUNK):
            stmt = select(
                Dispatch.technician_id, Dispatch.id, Dispatch.pushed_at, Dispatch.status
            ).where(Dispatch.campaign_id == campaign_id, Dispatch.technician_id.in_(part))
            by_target.update((row.technician_id, row) for row in await self.session.execute(stmt))
        seen: set[str] = set()
        for part_e in chunked(emails, IN_CHUNK):
            stmt_e = select(Dispatch.email).where(
                Dispatch.campaign_id == campaign_id, Dispatch.email.in_(part_e)
            )
            seen.update(await self.session.scalars(stmt_e))
        return by_target, seen

    async def insert_pending(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        # One statement executed with many parameter sets: compiled once and cached, where a
        # 1,000-row VALUES literal would be compiled afresh for every chunk.
        stmt = insert_ignoring_conflicts_many(_TABLE, self.session.get_bind().dialect.name)
        await self.session.execute(stmt, list(rows))

    async def unpushed(
        self, campaign_id: uuid.UUID, *, limit: int, older_than: datetime | None = None
    ) -> Sequence[Any]:
        """Unpushed rows with what a lead needs (dispatch_id, email, technician_id, names …)."""
        stmt = (
            select(
                Dispatch.id.label("dispatch_id"),
                Dispatch.email,
                Dispatch.technician_id,
                Dispatch.attempts,
                Dispatch.skip_if_in_other_campaign,
                Target.first_name,
                Target.last_name,
                Target.business_name,
                Target.phone,
                Target.website,
                Target.trade,
                Target.city,
                Target.state,
            )
            .join(Target, Target.id == Dispatch.technician_id)
            .where(Dispatch.campaign_id == campaign_id, Dispatch.pushed_at.is_(None))
            .order_by(Dispatch.created_at, Dispatch.id)
            .limit(limit)
        )
        if older_than is not None:
            stmt = stmt.where(Dispatch.updated_at < older_than)
        return (await self.session.execute(stmt)).all()

    async def outcome_counts(
        self,
        campaign_id: uuid.UUID,
        *,
        target_ids: Sequence[uuid.UUID] | None,
        created_between: tuple[datetime, datetime],
    ) -> list[tuple[str, str | None, bool, int]]:
        """(status, rejected reason, answered, rows) for the campaign's rows of these targets
        (None: the rows created in the window)."""
        answered = Dispatch.pushed_at.isnot(None)
        stmt = (
            select(Dispatch.status, Dispatch.rejected_reason, answered, func.count())
            .where(Dispatch.campaign_id == campaign_id)
            .group_by(Dispatch.status, Dispatch.rejected_reason, answered)
        )
        if target_ids is None:
            start, end = created_between
            rows = await self.session.execute(
                stmt.where(Dispatch.created_at >= start, Dispatch.created_at <= end)
            )
            return [(r[0], r[1], bool(r[2]), int(r[3])) for r in rows]
        found: list[tuple[str, str | None, bool, int]] = []
        for part in chunked(list(target_ids), IN_CHUNK):
            rows = await self.session.execute(stmt.where(Dispatch.technician_id.in_(part)))
            found.extend((r[0], r[1], bool(r[2]), int(r[3])) for r in rows)
        return found

    async def count_unpushed(self, campaign_id: uuid.UUID) -> int:
        stmt = (
            select(func.count())
            .select_from(Dispatch)
            .where(Dispatch.campaign_id == campaign_id, Dispatch.pushed_at.is_(None))
        )
        return int(await self.session.scalar(stmt) or 0)

    async def campaigns_with_unpushed(self, *, older_than: datetime) -> Sequence[uuid.UUID]:
        stmt = (
            select(Dispatch.campaign_id)
            .where(Dispatch.pushed_at.is_(None), Dispatch.updated_at < older_than)
            .distinct()
        )
        return (await self.session.scalars(stmt)).all()

    async def _update(self, ids: Collection[uuid.UUID], **values: Any) -> None:
        """Set `values` on these rows, a chunk of ids per statement."""
        for part in chunked(list(ids), IN_CHUNK):
            await self.session.execute(
                update(Dispatch)
                .where(Dispatch.id.in_(part))
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    async def mark_attempt(self, ids: Collection[uuid.UUID], *, now: datetime) -> None:
        await self._update(ids, attempts=Dispatch.attempts + 1, updated_at=now)

    async def mark_failed(self, ids: Collection[uuid.UUID], *, error: str, now: datetime) -> None:
        await self._update(ids, last_error=error[:2000], updated_at=now)

    async def record_outcomes(
        self,
        push: InstantlyPush | None,
        *,
        held: dict[uuid.UUID, str],
        rejected: dict[uuid.UUID, str],
        now: datetime,
    ) -> None:
        """Write what Instantly answered per row: held (its lead id; still `pending` until
        the first send) or rejected with a reason. `pushed_at` marks either as answered."""
        if push is not None:
            self.session.add(push)
            await self.session.flush()
        push_id = push.id if push is not None else None
        if held:
            await self.session.execute(
                update(_TABLE)
                .where(_TABLE.c.id == bindparam("b_id"))
                .values(
                    pushed_at=now,
                    push_id=push_id,
                    instantly_lead_id=bindparam("b_lead"),
                    rejected_reason=None,
                    last_error=None,
                    updated_at=now,
                ),
                [{"b_id": i, "b_lead": lead} for i, lead in held.items()],
            )
        if rejected:
            await self.session.execute(
                update(_TABLE)
                .where(_TABLE.c.id == bindparam("b_id"))
                .values(
                    pushed_at=now,
                    push_id=push_id,
                    status=DispatchStatus.rejected,
                    rejected_reason=bindparam("b_reason"),
                    last_error=None,
                    updated_at=now,
                ),
                [{"b_id": i, "b_reason": reason} for i, reason in rejected.items()],
            )

    async def reopen_rejected(
        self, campaign_id: uuid.UUID, ids: Collection[uuid.UUID] | None, *, now: datetime
    ) -> int:
        """Put rejected rows (these, or all of the campaign's) back to pending to be sent."""
        stmt = (
            update(Dispatch)
            .where(Dispatch.campaign_id == campaign_id, Dispatch.status == DispatchStatus.rejected)
            .values(
                status=DispatchStatus.pending,
                rejected_reason=None,
                pushed_at=None,
                push_id=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if ids is not None:
            stmt = stmt.where(Dispatch.id.in_(list(ids)))
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def held_without_lead_id(self, *, limit: int) -> Sequence[Any]:
        """Rows answered as held before lead ids were read (or by a lost answer), never
        emailed yet: the sweep looks their ids up."""
        stmt = (
            select(Dispatch.id, Dispatch.campaign_id, Dispatch.email)
            .where(
                Dispatch.pushed_at.isnot(None),
                Dispatch.instantly_lead_id.is_(None),
                Dispatch.status == DispatchStatus.pending,
                Dispatch.channel == Channel.instantly,
            )
            .order_by(Dispatch.campaign_id, Dispatch.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).all()

    async def unpush(self, ids: Collection[uuid.UUID], *, now: datetime) -> None:
        """Send these rows again: Instantly does not hold them after all."""
        await self._update(ids, pushed_at=None, push_id=None, updated_at=now)

    async def delete(self, ids: Collection[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(delete(Dispatch).where(Dispatch.id.in_(list(ids))))

    async def ready_target_ids(self, campaign_id: uuid.UUID, trade: str | None) -> list[uuid.UUID]:
        """Completed targets with an email that this campaign has not seen yet."""
        already = select(Dispatch.technician_id).where(Dispatch.campaign_id == campaign_id)
        stmt = select(Target.id).where(
            Target.status == TargetStatus.completed,
            Target.email.isnot(None),
            Target.id.notin_(already),
        )
        if trade:
            stmt = stmt.where(Target.trade == trade)
        return list((await self.session.scalars(stmt.order_by(Target.created_at))).all())

    async def list_for_campaign(
        self,
        campaign_id: uuid.UUID,
        *,
        status: str | None,
        limit: int,
        offset: int = 0,
        after: Key | None = None,
    ) -> tuple[Sequence[Dispatch], int]:
        """Newest first: `limit` rows from `offset`, or after the cursor key `after`; and
        how many match."""
        where = [Dispatch.campaign_id == campaign_id]
        if status:
            where.append(Dispatch.status == status)
        total = await self.session.scalar(select(func.count()).select_from(Dispatch).where(*where))
        if after is not None:
            where.append(older_than(Dispatch.created_at, Dispatch.id, after))
        stmt = (
            select(Dispatch)
            .where(*where)
            .order_by(Dispatch.created_at.desc(), Dispatch.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all(), int(total or 0)
