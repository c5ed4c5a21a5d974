"""Typed contexts of the Recruiting pipeline page (board and table) and their builders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import PipelineStage, Target
from ravensearch.pipeline.repository import LastMove
from ravensearch.pipeline.service import REASON_LABELS, STAGE_LABELS, pipeline_service
from ravensearch.targets.service import target_service
from ravensearch.web.admin.paging import Pager

View = Literal["board", "table"]
Choices = tuple[tuple[str, str], ...]

CARDS_PER_COLUMN = 20
PER_PAGE = 50
STAGE_CHOICES: Choices = tuple((stage.value, STAGE_LABELS[stage]) for stage in PipelineStage)
REASON_CHOICES: Choices = (("", "Reason (if refused)…"), *REASON_LABELS.items())


@dataclass(frozen=True)
class MoveView:
    """The last change of a technician's stage, as one line."""

    to_stage: str
    refusal_reason: str | None
    source: str
    note: str | None
    user_email: str | None
    at: datetime

    @classmethod
    def of(cls, move: LastMove) -> MoveView:
        return cls(
            move.to_stage, move.refusal_reason, move.source, move.note, move.user_email, move.at
        )

    @property
    def by(self) -> str:
        if self.source == "auto":
            return "automatically (Instantly)"
        return f"by {self.user_email}" if self.user_email else "by hand"


@dataclass(frozen=True)
class PipelineCard:
    target_id: uuid.UUID
    business_name: str
    contact_name: str | None
    email: str | None
    trade: str | None
    state: str | None
    stage: str
    refusal_reason: str | None
    campaign_id: uuid.UUID | None
    campaign_name: str | None
    reply_text: str | None
    replied_at: datetime | None
    unibox_url: str | None
    last_move: MoveView | None

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def reason_label(self) -> str | None:
        reason = self.refusal_reason
        return REASON_LABELS.get(reason, reason) if reason else None


@dataclass(frozen=True)
class PipelineColumn:
    stage: str
    label: str
    count: int
    cards: list[PipelineCard]

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


@dataclass(frozen=True)
class MoveErrors:
    """Inline errors of one technician's move form, and what was chosen in it."""

    target_id: uuid.UUID
    errors: dict[str, str]
    stage: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PipelinePage:
    view: View
    columns: list[PipelineColumn] = field(default_factory=list)
    rows: list[PipelineCard] = field(default_factory=list)
    pager: Pager = field(default_factory=lambda: Pager(1, PER_PAGE, 0))
    stage: str = ""
    q: str = ""
    total: int = 0
    move_errors: MoveErrors | None = None
    stages: Choices = STAGE_CHOICES
    reasons: Choices = REASON_CHOICES

    def errors_for(self, target_id: uuid.UUID) -> dict[str, str]:
        if self.move_errors is None or self.move_errors.target_id != target_id:
            return {}
        return self.move_errors.errors

    def chosen(self, card: PipelineCard) -> tuple[str, str]:
        """(stage, reason) its move form shows: what was just submitted when it failed."""
        errors = self.move_errors
        if errors is not None and errors.target_id == card.target_id:
            return errors.stage, errors.reason
        return card.stage, card.refusal_reason or ""

    def params(self, **overrides: object) -> dict[str, str]:
        """The query string that shows this page again (for links and the move forms)."""
        values = {"view": self.view, "stage": self.stage, "q": self.q}
        if self.view == "table" and self.pager.page > 1:
            values["page"] = str(self.pager.page)
        values.update({key: str(value) for key, value in overrides.items()})
        return {key: value for key, value in values.items() if value}


async def _cards(session: AsyncSession, targets: Sequence[Target]) -> list[PipelineCard]:
    ids = [t.id for t in targets]
    replies = await pipeline_service.replies(session, ids)
    moves = await pipeline_service.last_moves(session, ids)
    cards = []
    for target in targets:
        reply = replies.get(target.id)
        move = moves.get(target.id)
        cards.append(
            PipelineCard(
                target_id=target.id,
                business_name=target.business_name,
                contact_name=target.contact_name,
                email=target.email,
                trade=target.trade,
                state=target.state,
                stage=target.pipeline_stage or PipelineStage.replied,
                refusal_reason=target.pipeline_refusal_reason,
                campaign_id=reply.campaign_id if reply else None,
                campaign_name=reply.campaign_name if reply else None,
                reply_text=reply.reply_text if reply else None,
                replied_at=reply.replied_at if reply else None,
                unibox_url=reply.unibox_url if reply else None,
                last_move=MoveView.of(move) if move else None,
            )
        )
    return cards


@dataclass(frozen=True)
class MoveFormPage:
    """One technician's move form, loaded into its board card on demand."""

    card: PipelineCard
    page: PipelinePage


async def move_form_page(session: AsyncSession, target_id: uuid.UUID) -> MoveFormPage:
    """Raises TargetNotFound (404)."""
    target = await target_service.get(session, target_id)
    return MoveFormPage((await _cards(session, [target]))[0], PipelinePage("board"))


def parse_stage_filter(value: str | None) -> PipelineStage | None:
    try:
        return PipelineStage(value) if value else None
    except ValueError:
        return None  # a stale or hand-made link shows every stage


async def pipeline_page(
    session: AsyncSession,
    query: Mapping[str, str],
    *,
    page: int = 1,
    move_errors: MoveErrors | None = None,
) -> PipelinePage:
    view: View = "table" if query.get("view") == "table" else "board"
    q = (query.get("q") or "").strip()[:200]
    stage = parse_stage_filter(query.get("stage"))
    if view == "board":
        counts = await pipeline_service.stage_counts(session)
        by_stage: dict[PipelineStage, Sequence[Target]] = {}
        for each in PipelineStage:
            if counts.get(each):
                by_stage[each] = await pipeline_service.in_stage(
                    session, each, limit=CARDS_PER_COLUMN
                )
        cards = await _cards(session, [t for targets in by_stage.values() for t in targets])
        columns = [
            PipelineColumn(
                each.value,
                STAGE_LABELS[each],
                counts.get(each, 0),
                [card for card in cards if card.stage == each],
            )
            for each in PipelineStage
        ]
        return PipelinePage(
            view, columns=columns, total=sum(counts.values()), move_errors=move_errors
        )
    wanted = Pager(page=max(1, page), per_page=PER_PAGE, total=0)
    items, total = await pipeline_service.list_page(
        session, stage=stage, q=q or None, limit=wanted.per_page, offset=wanted.offset
    )
    pager = Pager.of(page, total, PER_PAGE)
    if pager.page != wanted.page:
        items, _ = await pipeline_service.list_page(
            session, stage=stage, q=q or None, limit=pager.per_page, offset=pager.offset
        )
    return PipelinePage(
        view,
        rows=await _cards(session, items),
        pager=pager,
        stage=stage.value if stage else "",
        q=q,
        total=total,
        move_errors=move_errors,
    )
