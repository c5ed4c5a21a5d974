"""SendGrid campaigns: their sequence of steps, sender, sending window and daily cap.

Steps already sent (or possibly sent) are history: they can no longer change, while the
steps not yet sent, the sender, the window and the cap can, and apply to what is sent next.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.audit.service import audit_service
from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.schemas import (
    CampaignCreate,
    CampaignDetail,
    CampaignRead,
    CampaignStepRead,
    CampaignUpdate,
    StepIn,
)
from ravensearch.campaigns.service import campaign_service
from ravensearch.db.models import Campaign, CampaignStep, Channel, User
from ravensearch.errors import Conflict, InvalidInput
from ravensearch.kit.trades import normalize_trade

T = TypeVar("T")
DEFAULT_WINDOW = (9, 17)
UPDATED_ACTION = "campaign.updated"
# What a SendGrid campaign's update may change besides the steps not yet sent.
SETTINGS_FIELDS = (
    "from_email", "from_name", "reply_to", "window_start_hour", "window_end_hour",
    "weekdays_only", "daily_cap", "status",
)  # fmt: skip


class SentStepLocked(Conflict):
    pass


class NotASendGridCampaign(Conflict):
    pass


@dataclass(frozen=True)
class EditableSequence:
    """A SendGrid campaign as it may be edited: its steps, and how many technicians each
    step went (or may have gone) to; a step with any is locked."""

    campaign: Campaign
    steps: Sequence[CampaignStep]
    sent: dict[int, int]

    def sent_to(self, position: int) -> int:
        return self.sent.get(position, 0)


def _steps(campaign_id: uuid.UUID, steps: Sequence[StepIn]) -> list[CampaignStep]:
    return [
        CampaignStep(
            campaign_id=campaign_id,
            position=position,
            delay_days=step.delay_days,
            subject_template=step.subject,
            body_template=step.body,
        )
        for position, step in enumerate(steps, start=1)
    ]


class SequenceService:
    async def create(self, session: AsyncSession, body: CampaignCreate) -> Campaign:
        """A SendGrid campaign with its steps (the body is validated by its schema)."""
        assert body.name is not None
        assert body.from_email is not None
        assert body.steps
        campaign = Campaign(
            name=body.name,
            channel=Channel.sendgrid,
            trade_filter=normalize_trade(body.trade_filter) if body.trade_filter else None,
            status=body.status,
            from_email=body.from_email,
            from_name=body.from_name,
            reply_to=body.reply_to,
            window_start_hour=_or(body.window_start_hour, DEFAULT_WINDOW[0]),
            window_end_hour=_or(body.window_end_hour, DEFAULT_WINDOW[1]),
            weekdays_only=_or(body.weekdays_only, True),
            daily_cap=body.daily_cap,
        )
        session.add(campaign)
        await session.flush()
        await CampaignRepository(session).replace_steps(
            campaign.id, _steps(campaign.id, body.steps)
        )
        return campaign

    async def editable(self, session: AsyncSession, campaign_id: uuid.UUID) -> EditableSequence:
        """What an edit starts from; an Instantly campaign's sequence lives in Instantly."""
        campaign = await campaign_service.get(session, campaign_id)
        if campaign.channel != Channel.sendgrid:
            raise NotASendGridCampaign(
                f"“{campaign.name}” sends through Instantly: change its sequence there."
            )
        repository = CampaignRepository(session)
        steps = await repository.steps(campaign_id)
        return EditableSequence(campaign, steps, await repository.sends_per_step(campaign_id))

    async def update(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID,
        body: CampaignUpdate,
        *,
        user: User | None,
        actor: str,
    ) -> Campaign:
        """Apply the fields given; SendGrid fields on an Instantly campaign are a 409.
        Audited with what changed and who (`actor`) changed it."""
        campaign = await campaign_service.get(session, campaign_id)
        before = _snapshot(campaign, await CampaignRepository(session).steps(campaign_id))
        if body.skip_if_in_other_campaign is not None:
            campaign.skip_if_in_other_campaign = body.skip_if_in_other_campaign
        given = body.model_fields_set - {"skip_if_in_other_campaign"}
        if given and campaign.channel != Channel.sendgrid:
            names = ", ".join(sorted(CampaignUpdate.model_fields[n].alias or n for n in given))
            raise NotASendGridCampaign(
                f"{names}: only a SendGrid campaign has these; “{campaign.name}” sends "
                "through Instantly (change its sequence there)."
            )
        for name in SETTINGS_FIELDS:
            if name in given and (getattr(body, name) is not None or name in _NULLABLE):
                setattr(campaign, name, getattr(body, name))
        if campaign.window_start_hour >= campaign.window_end_hour:
            raise InvalidInput(
                f"windowStartHour ({campaign.window_start_hour}) must be before windowEndHour "
                f"({campaign.window_end_hour})."
            )
        if body.steps is not None:
            await self._replace_unsent_steps(session, campaign, body.steps)
        await session.flush()
        after = _snapshot(campaign, await CampaignRepository(session).steps(campaign_id))
        await audit_service.record(
            session,
            action=UPDATED_ACTION,
            subject=f"campaign:{campaign.id}",
            user=user,
            detail=f"{_changes(before, after)} by {actor}",
        )
        return campaign

    async def _replace_unsent_steps(
        self, session: AsyncSession, campaign: Campaign, steps: Sequence[StepIn]
    ) -> None:
        repository = CampaignRepository(session)
        current = {s.position: s for s in await repository.steps(campaign.id)}
        sent = await repository.sends_per_step(campaign.id)
        for position, count in sorted(sent.items()):
            old = current.get(position)
            new = steps[position - 1] if position <= len(steps) else None
            unchanged = (
                old is not None
                and new is not None
                and (old.subject_template, old.body_template, old.delay_days)
                == (new.subject, new.body, new.delay_days)
            )
            if not unchanged:
                raise SentStepLocked(
                    f"Step {position} has already been sent to {count} technician(s), so it "
                    "cannot change or be removed; send it unchanged and edit only the steps "
                    f"after it (from step {max(sent) + 1})."
                )
        await repository.replace_steps(campaign.id, _steps(campaign.id, steps))

    async def detail(self, session: AsyncSession, campaign_id: uuid.UUID) -> CampaignDetail:
        campaign = await campaign_service.get(session, campaign_id)
        steps = await CampaignRepository(session).steps(campaign_id)
        read = CampaignRead.model_validate(campaign)
        return CampaignDetail(
            **read.model_dump(), steps=[CampaignStepRead.model_validate(s) for s in steps]
        )

    async def steps(self, session: AsyncSession, campaign_id: uuid.UUID) -> Sequence[CampaignStep]:
        return await CampaignRepository(session).steps(campaign_id)


_NULLABLE = frozenset({"from_name", "reply_to", "daily_cap"})


def _snapshot(campaign: Campaign, steps: Sequence[CampaignStep]) -> dict[str, Any]:
    values: dict[str, Any] = {n: getattr(campaign, n) for n in SETTINGS_FIELDS}
    values["skip_if_in_other_campaign"] = campaign.skip_if_in_other_campaign
    values["steps"] = [(s.subject_template, s.body_template, s.delay_days) for s in steps]
    return values


def _changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """`daily_cap 50 → 200; steps 2 → 3 (from step 2)`: each value, never a step's text."""
    parts: list[str] = []
    for name, old in before.items():
        new = after[name]
        if old == new:
            continue
        if name == "steps":
            first = next(
                (n for n, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b),
                min(len(old), len(new)) + 1,
            )
            parts.append(f"steps {len(old)} → {len(new)} (from step {first})")
        else:
            parts.append(f"{name} {old} → {new}")
    return "; ".join(parts) or "nothing changed"


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


sequence_service = SequenceService()
