"""Typed contexts of a SendGrid campaign's pages: the new-sequence form, the sequence card,
the outbox, and a technician's preview; the rules stay in the domain services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.schemas import MAX_STEPS, CampaignCreate
from ravensearch.campaigns.sequence import sequence_service as campaign_sequences
from ravensearch.campaigns.service import campaign_service
from ravensearch.campaigns.templates import FIELDS
from ravensearch.config import Settings
from ravensearch.db.models import Campaign, EmailSend
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.errors import InvalidInput, RavensearchError
from ravensearch.runtime import Runtime
from ravensearch.sequences.schemas import Preview
from ravensearch.sequences.service import RESENDABLE, sequence_service
from ravensearch.web.admin.forms import FORM_ERROR
from ravensearch.web.admin.paging import Pager
from ravensearch.web.errors import describe_problems

STEP_SLOTS = 3
OUTBOX_ROWS = 25
PREVIEW_CHOICES = 50
STATUSES: tuple[tuple[str, str], ...] = (
    ("active", "Active: sends as soon as technicians are dispatched"),
    ("paused", "Paused: nothing is sent until it is activated"),
    ("draft", "Draft"),
)
# The form's text fields, each with the label its inline error names.
_LABELS = {
    "name": "Campaign name",
    "trade_filter": "Trade",
    "from_email": "From email",
    "from_name": "From name",
    "reply_to": "Reply-to",
    "window_start_hour": "Window start",
    "window_end_hour": "Window end",
    "daily_cap": "Daily cap",
    "status": "Status",
}
_STEP_LABELS = {"subject": "subject", "body": "body", "delay_days": "delay"}
_BY_ALIAS = {f.alias or name: name for name, f in CampaignCreate.model_fields.items()}


@dataclass(frozen=True)
class StepSlot:
    subject: str = ""
    body: str = ""
    delay_days: str = ""
    sent: int = 0  # technicians it already went to: shown read-only when any

    @property
    def is_empty(self) -> bool:
        return not (self.subject.strip() or self.body.strip())


@dataclass(frozen=True)
class SequenceForm:
    values: dict[str, str] = field(default_factory=lambda: {"status": "active"})
    weekdays_only: bool = True
    steps: tuple[StepSlot, ...] = (StepSlot(),) * STEP_SLOTS
    errors: dict[str, str] = field(default_factory=dict)
    status_code: int = 200
    fields: dict[str, str] = field(default_factory=lambda: dict(FIELDS))
    statuses: tuple[tuple[str, str], ...] = STATUSES
    max_steps: int = MAX_STEPS


def read_sequence_form(data: dict[str, str], *, min_slots: int = STEP_SLOTS) -> SequenceForm:
    """The posted form as typed (so a form with errors comes back as it was)."""
    slots = max(min_slots, _int(data.get("step_slots"), STEP_SLOTS))
    steps = tuple(
        StepSlot(
            data.get(f"step_{n}_subject", ""),
            data.get(f"step_{n}_body", ""),
            data.get(f"step_{n}_delay_days", "").strip(),
        )
        for n in range(1, min(slots, MAX_STEPS) + 1)
    )
    values = {name: data.get(name, "").strip() for name in _LABELS}
    return SequenceForm(values, weekdays_only=bool(data.get("weekdays_only")), steps=steps)


def with_another_step(form: SequenceForm) -> SequenceForm:
    if len(form.steps) >= MAX_STEPS:
        return replace(form, errors={"steps": f"A sequence has at most {MAX_STEPS} steps."})
    return replace(form, steps=(*form.steps, StepSlot()))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


def steps_body(form: SequenceForm) -> tuple[list[dict[str, str]], list[int]]:
    """The API's steps from the form's slots (empty ones left out), and the slot number of
    each step kept."""
    kept = [n for n, slot in enumerate(form.steps, start=1) if not slot.is_empty]
    steps = [
        {"subject": s.subject, "body": s.body, "delay_days": s.delay_days or "0"}
        for s in (form.steps[n - 1] for n in kept)
    ]
    return steps, kept


def _body(form: SequenceForm) -> tuple[dict[str, Any], list[int]]:
    """The API's body from the form, and the slot number of each step kept."""
    body: dict[str, Any] = {"channel": "sendgrid", "weekdays_only": form.weekdays_only}
    body |= {name: value for name, value in form.values.items() if value}
    body["steps"], kept = steps_body(form)
    return body, kept


def _key_and_label(loc: tuple[Any, ...], kept: list[int]) -> tuple[str, str]:
    if not loc:
        return FORM_ERROR, ""
    name = _BY_ALIAS.get(str(loc[0]), str(loc[0]))
    if name == "steps" and len(loc) >= 3 and isinstance(loc[1], int):
        slot, part = kept[loc[1]], _BY_ALIAS.get(str(loc[2]), str(loc[2]))
        part = {"delayDays": "delay_days"}.get(part, part)
        return f"step_{slot}_{part}", f"Step {slot} {_STEP_LABELS.get(part, part)}"
    if name == "steps":
        return "steps", "Steps"
    return name, _LABELS.get(name, name)


def form_problems(exc: ValidationError, kept: list[int]) -> dict[str, str]:
    """One message per form field (named by its label) for the schema's problems."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        key, label = _key_and_label(tuple(error["loc"]), kept)
        [message] = describe_problems([{**error, "loc": (label,) if label else ()}])
        if key == "steps" and error["type"] == "too_short":
            message = "Write at least one step (a subject and a body)."
        errors.setdefault(key, message.removeprefix("The request body: "))
    return errors


async def create_sequence_from_form(
    runtime: Runtime, form: SequenceForm
) -> Campaign | SequenceForm:
    """The new SendGrid campaign, or the form again with its problems next to the fields."""
    body, kept = _body(form)
    try:
        parsed = CampaignCreate.model_validate(body)
    except ValidationError as exc:
        return replace(form, errors=form_problems(exc, kept), status_code=422)
    try:
        return await campaign_flows.create(runtime.sessionmaker, runtime.instantly, parsed)
    except InvalidInput as exc:  # the only one left: an unknown trade
        return replace(form, errors={"trade_filter": exc.message}, status_code=422)


@dataclass(frozen=True)
class StepRow:
    position: int
    delay_days: int
    subject: str
    body: str


@dataclass(frozen=True)
class SequenceCard:
    from_email: str | None
    from_name: str | None
    reply_to: str | None
    window_start_hour: int
    window_end_hour: int
    weekdays_only: bool
    daily_cap: int | None
    steps: list[StepRow]


async def sequence_card(session: AsyncSession, campaign: Campaign) -> SequenceCard:
    steps = [
        StepRow(s.position, s.delay_days, s.subject_template, s.body_template)
        for s in await campaign_sequences.steps(session, campaign.id)
    ]
    return SequenceCard(
        campaign.from_email, campaign.from_name, campaign.reply_to, campaign.window_start_hour,
        campaign.window_end_hour, campaign.weekdays_only, campaign.daily_cap, steps,
    )  # fmt: skip


@dataclass(frozen=True)
class SendRow:
    id: uuid.UUID
    step: int
    state: str
    to_email: str
    subject: str
    attempts: int
    sent_at: datetime | None
    created_at: datetime
    error: str | None
    resendable: bool

    @classmethod
    def of(cls, send: EmailSend) -> SendRow:
        return cls(
            send.id, send.step, send.state, send.to_email, send.subject, send.attempts,
            send.sent_at, send.created_at, send.error, send.state in RESENDABLE,
        )  # fmt: skip


@dataclass(frozen=True)
class Outbox:
    campaign_id: uuid.UUID
    counts: dict[str, int]
    rows: list[SendRow]
    pager: Pager
    state: str | None

    @property
    def all(self) -> int:
        return sum(self.counts.values())


async def outbox(
    session: AsyncSession, campaign_id: uuid.UUID, *, state: str | None, page: int = 1
) -> Outbox:
    """One page of the campaign's emails (newest first) in `state`, or in every state."""
    counts = await sequence_service.state_counts(session, campaign_id)
    state = state if state in counts else None
    wanted = Pager(page=max(1, page), per_page=OUTBOX_ROWS, total=0)
    rows, total = await sequence_service.list_sends(
        session, campaign_id, state=state, limit=wanted.per_page, offset=wanted.offset
    )
    pager = Pager.of(page, total, OUTBOX_ROWS)
    if pager.page != wanted.page:  # past the last page: show the last one
        rows, _ = await sequence_service.list_sends(
            session, campaign_id, state=state, limit=pager.per_page, offset=pager.offset
        )
    return Outbox(campaign_id, counts, [SendRow.of(r) for r in rows], pager, state)


@dataclass(frozen=True)
class PreviewPanel:
    campaign_id: uuid.UUID
    choices: list[tuple[str, str]]  # (target id, technician) of the campaign's dispatches
    target_id: str = ""
    typed_id: str = ""
    preview: Preview | None = None
    error: str | None = None


async def _choices(session: AsyncSession, campaign_id: uuid.UUID) -> list[tuple[str, str]]:
    repository = DispatchRepository(session)
    dispatches, _ = await repository.list_for_campaign(
        campaign_id, status=None, limit=PREVIEW_CHOICES, offset=0
    )
    targets = await repository.targets_by_id([d.technician_id for d in dispatches])
    return [
        (str(d.technician_id), f"{t.business_name} · {d.email}")
        for d in dispatches
        if (t := targets.get(d.technician_id)) is not None
    ]


async def preview_panel(
    session: AsyncSession,
    settings: Settings,
    campaign_id: uuid.UUID,
    *,
    picked: str = "",
    typed: str = "",
) -> PreviewPanel:
    """The technician picker, and the chosen technician's emails (or why there are none);
    an id typed in wins over the one picked from the list."""
    await campaign_service.get(session, campaign_id)
    choices = await _choices(session, campaign_id)
    typed = typed.strip()
    panel = PreviewPanel(campaign_id, choices, typed or picked.strip(), typed_id=typed)
    if not panel.target_id:
        return panel
    try:
        chosen = uuid.UUID(panel.target_id)
    except ValueError:
        return replace(panel, error="A technician id is a UUID, like the ones in Targets.")
    try:
        preview = await sequence_service.preview(
            session, settings, campaign_id=campaign_id, target_id=chosen
        )
    except RavensearchError as exc:
        return replace(panel, error=exc.message)
    return replace(panel, preview=preview)


@dataclass(frozen=True)
class SendGridDetail:
    """What a SendGrid campaign's page shows besides the stats and dispatches."""

    card: SequenceCard
    outbox: Outbox
    preview: PreviewPanel


async def sendgrid_detail(session: AsyncSession, campaign: Campaign) -> SendGridDetail:
    return SendGridDetail(
        await sequence_card(session, campaign),
        await outbox(session, campaign.id, state=None),
        PreviewPanel(campaign.id, await _choices(session, campaign.id)),
    )
