"""The recruiting pipeline: automatic moves never go backwards, manual moves are recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import PipelineMove, PipelineStage, Role, Target
from ravensearch.db.session import unit_of_work
from ravensearch.events.applier import EventApplier
from ravensearch.pipeline.service import (
    InvalidStage,
    PipelineSignal,
    RefusalReasonRequired,
    TechnicianNotFound,
    auto_destination,
    pipeline_service,
)
from ravensearch.users.service import user_service
from tests.events.helpers import Lead, event, record, seed_lead
from tests.fixtures.factories import create_campaign, create_dispatch, create_target

Sessionmaker = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 11, 27, 10, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestAutoDestination:
    @pytest.mark.parametrize(
        ("current", "interest", "expected"),
        [
            (None, None, ("replied", None)),
            ("interested", None, None),  # a reply never moves anyone already in
            (None, "lead_interested", ("interested", None)),
            ("replied", "meeting_booked", ("interview", None)),
            ("replied", "lead_meeting_completed", ("interview", None)),
            ("offer", "lead_closed", ("hired", None)),
            ("interview", "lead_interested", None),  # backwards
            ("interview", "meeting_booked", None),  # already there
            ("offer", "lead_no_show", ("refused", "no_show")),
            ("hired", "lead_not_interested", None),  # final
            ("refused", "lead_interested", None),  # final for automatic moves
            ("replied", "lead_wrong_person", ("refused", "wrong_person")),
            ("replied", "lead_neutral", None),
            ("replied", "lead_out_of_office", None),
        ],
    )
    def test_table(self, current, interest, expected) -> None:
        found = auto_destination(current, interest)
        got = None if found is None else (found.stage.value, found.reason and found.reason.value)
        assert got == expected


async def stage_of(sessionmaker: Sessionmaker, target_id: uuid.UUID) -> tuple[str | None, ...]:
    async with sessionmaker() as session:
        target = await session.get(Target, target_id)
        assert target is not None
        return target.pipeline_stage, target.pipeline_refusal_reason


async def moves_of(sessionmaker: Sessionmaker, target_id: uuid.UUID) -> list[PipelineMove]:
    async with sessionmaker() as session:
        stmt = select(PipelineMove).where(PipelineMove.target_id == target_id)
        return list(await session.scalars(stmt.order_by(PipelineMove.created_at)))


@pytest.fixture
async def target_id(sessionmaker: Sessionmaker) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        return (await create_target(session)).id


class TestAutomaticMoves:
    async def test_reply_then_interest_events_in_any_order(
        self, sessionmaker: Sessionmaker, target_id: uuid.UUID
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            first = await pipeline_service.enter_on_reply(session, target_id, None, at=at(0))
            assert first is not None
            assert (first.from_stage, first.to_stage) == (None, "replied")
            # Meeting booked (later) arrives before "interested" (earlier): no step back.
            await pipeline_service.apply_interest(
                session, target_id, "lead_meeting_booked", None, at=at(20)
            )
            late = await pipeline_service.apply_interest(
                session, target_id, "lead_interested", None, at=at(10)
            )
            assert late is None
            again = await pipeline_service.enter_on_reply(session, target_id, None, at=at(30))
            assert again is None
        assert await stage_of(sessionmaker, target_id) == ("interview", None)
        moves = await moves_of(sessionmaker, target_id)
        assert [(m.from_stage, m.to_stage, m.source) for m in moves] == [
            (None, "replied", "auto"),
            ("replied", "interview", "auto"),
        ]

    async def test_refusal_is_final_for_automatic_moves(
        self, sessionmaker: Sessionmaker, target_id: uuid.UUID
    ) -> None:
        signals = [
            PipelineSignal(target_id, at(5), None, "lead_closed"),
            PipelineSignal(target_id, at(1), None, "not_interested"),
            PipelineSignal(target_id, at(0), None, None),
        ]
        async with unit_of_work(sessionmaker) as session:
            moves = await pipeline_service.apply_signals(session, signals)
        # Applied oldest first: replied, then refused; the later close cannot reopen it.
        assert [m.to_stage for m in moves] == ["replied", "refused"]
        assert await stage_of(sessionmaker, target_id) == ("refused", "not_interested")

    async def test_unknown_target_is_ignored(self, sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            moves = await pipeline_service.apply_signals(
                session, [PipelineSignal(uuid.uuid4(), at(0), None, "lead_interested")]
            )
        assert moves == []


class TestManualMoves:
    async def test_any_direction_recorded_with_the_user(
        self, sessionmaker: Sessionmaker, target_id: uuid.UUID
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            user = await user_service.create(
                session, email="boss@example.com", password="pw-123456789", role=Role.admin
            )
            await pipeline_service.apply_interest(session, target_id, "lead_meeting_booked", None)
            back = await pipeline_service.move(
                session, target_id, "screening", note="  Call again first ", user=user
            )
            same = await pipeline_service.move(session, target_id, "screening", user=user)
        assert back is not None
        assert same is None
        assert await stage_of(sessionmaker, target_id) == ("screening", None)
        last = (await moves_of(sessionmaker, target_id))[-1]
        assert (last.from_stage, last.to_stage, last.source) == ("interview", "screening", "manual")
        assert (last.user_id, last.note) == (user.id, "Call again first")

    async def test_refused_needs_a_reason(
        self, sessionmaker: Sessionmaker, target_id: uuid.UUID
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            with pytest.raises(RefusalReasonRequired, match="Choose why"):
                await pipeline_service.move(session, target_id, "refused", user=None)
            with pytest.raises(InvalidStage):
                await pipeline_service.move(session, target_id, "promoted", user=None)
            with pytest.raises(TechnicianNotFound):
                await pipeline_service.move(session, uuid.uuid4(), "offer", user=None)
            await pipeline_service.move(session, target_id, "refused", reason="salary", user=None)
        assert await stage_of(sessionmaker, target_id) == ("refused", "salary")

    async def test_events_older_than_a_manual_move_are_ignored(
        self, sessionmaker: Sessionmaker, target_id: uuid.UUID
    ) -> None:
        async with unit_of_work(sessionmaker) as session:
            await pipeline_service.move(session, target_id, "replied", user=None)
        async with unit_of_work(sessionmaker) as session:
            stale = T0 - timedelta(days=365)
            assert (
                await pipeline_service.apply_interest(
                    session, target_id, "lead_interested", None, at=stale
                )
                is None
            )
            fresh = datetime.now(UTC) + timedelta(seconds=5)
            assert await pipeline_service.apply_interest(
                session, target_id, "lead_interested", None, at=fresh
            )
        assert await stage_of(sessionmaker, target_id) == ("interested", None)


class TestWebhooks:
    """The event applier moves technicians: a reply enters, interest events follow."""

    async def test_reply_and_interest_events(
        self, engine: AsyncEngine, sessionmaker: Sessionmaker
    ) -> None:
        lead: Lead = await seed_lead(sessionmaker)
        await record(engine, event(lead, "reply_received", "2026-11-27T10:00:00Z"))
        await record(engine, event(lead, "lead_meeting_booked", "2026-11-27T12:00:00Z"))
        await record(engine, event(lead, "lead_interested", "2026-11-27T11:00:00Z"))
        await EventApplier(sessionmaker).drain()
        async with sessionmaker() as session:
            target_id = await session.scalar(select(Target.id))
        assert target_id is not None
        assert await stage_of(sessionmaker, target_id) == (PipelineStage.interview, None)
        moves = await moves_of(sessionmaker, target_id)
        # One batch is applied in event time order, whatever order it arrived in.
        assert [m.to_stage for m in moves] == ["replied", "interested", "interview"]
        assert all(m.event_id is not None and m.source == "auto" for m in moves)
        await record(engine, event(lead, "lead_not_interested", "2026-11-27T13:00:00Z"))
        await EventApplier(sessionmaker).drain()
        assert await stage_of(sessionmaker, target_id) == ("refused", "not_interested")


class TestReplies:
    async def test_the_latest_answered_dispatch_wins(self, sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            target = await create_target(session)
            lonely = await create_target(session)
            for n, (replied, text) in enumerate(
                [(at(5), "first"), (at(50), "later"), (None, None)]
            ):
                campaign = await create_campaign(session, name=f"C{n}")
                await create_dispatch(
                    session, campaign=campaign, target=target, replied_at=replied, reply_text=text
                )
            quiet = await create_campaign(session, name="Quiet")
            await create_dispatch(session, campaign=quiet, target=lonely)
        async with sessionmaker() as session:
            found = await pipeline_service.replies(session, [target.id, lonely.id, uuid.uuid4()])
        assert (found[target.id].campaign_name, found[target.id].reply_text) == ("C1", "later")
        assert (found[lonely.id].campaign_name, found[lonely.id].reply_text) == ("Quiet", None)
        assert len(found) == 2
