"""Move technicians through the recruiting pipeline, automatically or by hand.

Stages run replied → interested → screening → interview → offer → hired; `refused` (with a
reason) ends it. Every change writes a `pipeline_moves` row.

Automatic moves (a reply, Instantly's lead-status events) only ever go forward:
- a reply puts a technician in `replied` when they are not in the pipeline yet;
- an interest event moves them to a later stage, or to `refused`;
- `hired` and `refused` are final for automatic moves: only a person reopens them;
- an event that happened before the last manual move is ignored (the person knew better).
Each rule depends only on the stage reached and the event, so the same events applied in
any order, or twice, end in the same stage.

`lead_meeting_completed` maps to `interview`, not `offer`: a meeting that took place is the
interview; whether an offer follows is a person's decision.

Manual moves may go anywhere (a person can correct a mistake); `refused` needs a reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import PipelineStage, RefusalReason, Target, User
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.kit.clock import as_utc, utcnow
from ravensearch.pipeline.repository import (
    LastMove,
    MoveRow,
    PipelineRepository,
    ReplyRef,
    StageState,
)

# The forward order; `refused` sits outside it.
OPEN_STAGES: tuple[PipelineStage, ...] = (
    PipelineStage.replied,
    PipelineStage.interested,
    PipelineStage.screening,
    PipelineStage.interview,
    PipelineStage.offer,
    PipelineStage.hired,
)
_RANK = {stage.value: rank for rank, stage in enumerate(OPEN_STAGES)}
FINAL_STAGES = frozenset({PipelineStage.hired.value, PipelineStage.refused.value})
MAX_NOTE_CHARS = 2000

STAGE_LABELS: dict[str, str] = {
    PipelineStage.replied: "Replied",
    PipelineStage.interested: "Interested",
    PipelineStage.screening: "Screening",
    PipelineStage.interview: "Interview",
    PipelineStage.offer: "Offer",
    PipelineStage.hired: "Hired",
    PipelineStage.refused: "Refused",
}
REASON_LABELS: dict[str, str] = {
    RefusalReason.not_interested: "Not interested",
    RefusalReason.wrong_person: "Wrong person",
    RefusalReason.no_show: "No show",
    RefusalReason.salary: "Salary",
    RefusalReason.location: "Location",
    RefusalReason.other: "Other",
}


@dataclass(frozen=True)
class Destination:
    stage: PipelineStage
    reason: RefusalReason | None = None


# Instantly lead-status (the `interest_status` of a dispatch, i.e. the event name without
# `lead_`) → where it takes a technician. Neutral and out-of-office move nobody.
INTEREST_MOVES: dict[str, Destination] = {
    "interested": Destination(PipelineStage.interested),
    "meeting_booked": Destination(PipelineStage.interview),
    "meeting_completed": Destination(PipelineStage.interview),
    "closed": Destination(PipelineStage.hired),
    "not_interested": Destination(PipelineStage.refused, RefusalReason.not_interested),
    "wrong_person": Destination(PipelineStage.refused, RefusalReason.wrong_person),
    "no_show": Destination(PipelineStage.refused, RefusalReason.no_show),
}


class PipelineError(InvalidInput):
    status_code = 422
    error = "invalid_pipeline_move"


class InvalidStage(PipelineError):
    pass


class RefusalReasonRequired(PipelineError):
    pass


class TechnicianNotFound(NotFound):
    pass


@dataclass(frozen=True)
class PipelineSignal:
    """Something Instantly reported that may move a technician: a reply (`interest` None)
    or a lead-status change; `at` is when it happened."""

    target_id: uuid.UUID
    at: datetime
    event_id: uuid.UUID | None = None
    interest: str | None = None


def interest_key(value: str) -> str:
    """`lead_meeting_booked` or `meeting_booked` → `meeting_booked`."""
    return value.strip().lower().removeprefix("lead_")


def auto_destination(current: str | None, interest: str | None) -> Destination | None:
    """Where an automatic signal takes a technician now in `current`; None: nowhere."""
    if interest is None:
        return Destination(PipelineStage.replied) if current is None else None
    wanted = INTEREST_MOVES.get(interest_key(interest))
    if wanted is None or current in FINAL_STAGES:
        return None
    if current is None or wanted.stage is PipelineStage.refused:
        return wanted
    return wanted if _RANK[wanted.stage] > _RANK.get(current, -1) else None


def parse_stage(value: str) -> PipelineStage:
    try:
        return PipelineStage(value.strip().lower())
    except ValueError:
        raise InvalidStage(
            f"Unknown stage '{value}': choose one of {', '.join(STAGE_LABELS.values())}."
        ) from None


def parse_reason(stage: PipelineStage, value: str | None) -> RefusalReason | None:
    """The refusal reason a move to `stage` needs (None for any other stage)."""
    if stage is not PipelineStage.refused:
        return None
    if not value or not value.strip():
        raise RefusalReasonRequired("Choose why they refused.")
    try:
        return RefusalReason(value.strip().lower())
    except ValueError:
        raise RefusalReasonRequired(
            f"Unknown reason '{value}': choose one of {', '.join(REASON_LABELS.values())}."
        ) from None


class PipelineService:
    """Stage changes, each recorded in `pipeline_moves`. Never commits: the caller does."""

    async def enter_on_reply(
        self,
        session: AsyncSession,
        target_id: uuid.UUID,
        event_id: uuid.UUID | None,
        *,
        at: datetime | None = None,
    ) -> MoveRow | None:
        """Put a technician who replied in `replied`, unless already in the pipeline."""
        moves = await self.apply_signals(
            session, [PipelineSignal(target_id, at or utcnow(), event_id)]
        )
        return moves[0] if moves else None

    async def apply_interest(
        self,
        session: AsyncSession,
        target_id: uuid.UUID,
        interest: str,
        event_id: uuid.UUID | None,
        *,
        at: datetime | None = None,
    ) -> MoveRow | None:
        """Move a technician as an Instantly lead-status event says, never backwards."""
        signal = PipelineSignal(target_id, at or utcnow(), event_id, interest)
        moves = await self.apply_signals(session, [signal])
        return moves[0] if moves else None

    async def apply_signals(
        self, session: AsyncSession, signals: Sequence[PipelineSignal]
    ) -> list[MoveRow]:
        """Apply a batch of automatic signals (oldest first) in three queries; returns the
        moves made. Signals for unknown targets are dropped."""
        if not signals:
            return []
        repository = PipelineRepository(session)
        ids = {s.target_id for s in signals}
        states = await repository.lock_stages(ids)
        manual = await repository.last_manual_move_at(ids)
        moves: list[MoveRow] = []
        changed: dict[uuid.UUID, StageState] = {}
        for signal in sorted(signals, key=lambda s: (as_utc(s.at), str(s.event_id))):
            state = states.get(signal.target_id)
            last_manual = manual.get(signal.target_id)
            if state is None or (last_manual is not None and as_utc(signal.at) < last_manual):
                continue
            destination = auto_destination(state.stage, signal.interest)
            if destination is None or _unchanged(state, destination):
                continue
            moves.append(_move_row(state, destination, source="auto", event_id=signal.event_id))
            _set(state, destination)
            changed[state.id] = state
        await repository.record(moves, list(changed.values()), now=utcnow())
        return moves

    async def move(
        self,
        session: AsyncSession,
        target_id: uuid.UUID,
        stage: str,
        *,
        reason: str | None = None,
        note: str | None = None,
        user: User | None,
    ) -> MoveRow | None:
        """A person's move, in any direction; None when it changes nothing.

        Raises InvalidStage, RefusalReasonRequired (422) or TechnicianNotFound (404).
        """
        destination = Destination(parse_stage(stage), None)
        destination = Destination(destination.stage, parse_reason(destination.stage, reason))
        repository = PipelineRepository(session)
        state = (await repository.lock_stages([target_id])).get(target_id)
        if state is None:
            raise TechnicianNotFound(f"Technician {target_id} not found.")
        if _unchanged(state, destination):
            return None
        text = (note or "").strip()[:MAX_NOTE_CHARS] or None
        move = _move_row(
            state, destination, source="manual", user_id=user.id if user else None, note=text
        )
        _set(state, destination)
        await repository.record([move], [state], now=utcnow())
        return move

    async def stage_counts(self, session: AsyncSession) -> dict[str, int]:
        return await PipelineRepository(session).stage_counts()

    async def in_stage(
        self, session: AsyncSession, stage: PipelineStage, *, limit: int
    ) -> Sequence[Target]:
        """The technicians in `stage`, most recently moved first."""
        return await PipelineRepository(session).in_stage(stage.value, limit=limit)

    async def list_page(
        self,
        session: AsyncSession,
        *,
        stage: PipelineStage | None,
        q: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Target], int]:
        """Everyone in the pipeline (or in `stage`), matching every word of `q`."""
        return await PipelineRepository(session).paginate(
            stage=stage.value if stage else None, q=q, limit=limit, offset=offset
        )

    async def history(self, session: AsyncSession, target_id: uuid.UUID) -> list[LastMove]:
        return await PipelineRepository(session).history(target_id)

    async def last_moves(
        self, session: AsyncSession, target_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, LastMove]:
        return await PipelineRepository(session).last_moves(target_ids)

    async def replies(
        self, session: AsyncSession, target_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ReplyRef]:
        return await PipelineRepository(session).replies(target_ids)


def _unchanged(state: StageState, destination: Destination) -> bool:
    reason = destination.reason.value if destination.reason else None
    return state.stage == destination.stage.value and state.refusal_reason == reason


def _set(state: StageState, destination: Destination) -> None:
    state.stage = destination.stage.value
    state.refusal_reason = destination.reason.value if destination.reason else None


def _move_row(
    state: StageState,
    destination: Destination,
    *,
    source: str,
    event_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    note: str | None = None,
) -> MoveRow:
    return MoveRow(
        target_id=state.id,
        from_stage=state.stage,
        to_stage=destination.stage.value,
        refusal_reason=destination.reason.value if destination.reason else None,
        source=source,
        event_id=event_id,
        user_id=user_id,
        note=note,
    )


pipeline_service = PipelineService()
