"""Editing a SendGrid campaign: the "+ New Campaign" sequence form, prefilled, with the steps
already sent read-only. What may change, and the check that it did not, is the domain
service's (`campaigns.sequence`); this module only maps the form to its update."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from ravensearch.campaigns.schemas import CampaignUpdate
from ravensearch.campaigns.sequence import DEFAULT_WINDOW, EditableSequence, SentStepLocked
from ravensearch.campaigns.sequence import sequence_service as campaign_sequences
from ravensearch.db.models import Campaign, User
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.runtime import Runtime
from ravensearch.web.admin.forms import FORM_ERROR
from ravensearch.web.admin.sequence_pages import (
    SequenceForm,
    StepSlot,
    form_problems,
    read_sequence_form,
    steps_body,
    with_another_step,
)

NO_FROM_EMAIL = "From email is required: every step is sent from it."


@dataclass(frozen=True)
class EditSequencePage:
    campaign_id: uuid.UUID
    name: str
    sequence: SequenceForm


def _page(edit: EditableSequence, form: SequenceForm) -> EditSequencePage:
    return EditSequencePage(edit.campaign.id, edit.campaign.name, _shown(form, edit))


def _slot(edit: EditableSequence, position: int) -> StepSlot:
    step = edit.steps[position - 1]
    return StepSlot(
        step.subject_template, step.body_template, str(step.delay_days), edit.sent_to(position)
    )


def _shown(form: SequenceForm, edit: EditableSequence) -> SequenceForm:
    """Each locked slot as stored (it cannot change, whatever was typed into it)."""
    steps = tuple(
        _slot(edit, n) if edit.sent_to(n) and n <= len(edit.steps) else slot
        for n, slot in enumerate(form.steps, start=1)
    )
    return replace(form, steps=steps)


def _posted(data: dict[str, str], edit: EditableSequence) -> SequenceForm:
    """The form as posted. A locked slot has no inputs, so it is the stored step; one typed
    into (it was sent while the form was open) keeps what was typed, and the service
    refuses the change."""
    form = read_sequence_form(data, min_slots=max(edit.sent, default=0))
    steps = tuple(
        _slot(edit, n) if slot.is_empty and edit.sent_to(n) and n <= len(edit.steps) else slot
        for n, slot in enumerate(form.steps, start=1)
    )
    return replace(form, steps=steps)


def _parse(form: SequenceForm) -> tuple[CampaignUpdate | None, dict[str, str]]:
    """The update for every field the form shows (empty: none, or the default window)."""
    values = form.values
    body: dict[str, Any] = {
        "from_email": values["from_email"] or None,
        "from_name": values["from_name"] or None,
        "reply_to": values["reply_to"] or None,
        "window_start_hour": values["window_start_hour"] or DEFAULT_WINDOW[0],
        "window_end_hour": values["window_end_hour"] or DEFAULT_WINDOW[1],
        "weekdays_only": form.weekdays_only,
        "daily_cap": values["daily_cap"] or None,
        "status": values["status"] or None,
    }
    body["steps"], kept = steps_body(form)
    errors: dict[str, str] = {}
    parsed: CampaignUpdate | None = None
    try:
        parsed = CampaignUpdate.model_validate(body)
    except ValidationError as exc:
        errors = form_problems(exc, kept)
    if not values["from_email"]:  # the update leaves out a field given as none
        errors.setdefault("from_email", NO_FROM_EMAIL)
    return (None if errors else parsed), errors


def _form_of(edit: EditableSequence) -> SequenceForm:
    campaign = edit.campaign
    values = {
        "from_email": campaign.from_email or "",
        "from_name": campaign.from_name or "",
        "reply_to": campaign.reply_to or "",
        "window_start_hour": str(campaign.window_start_hour),
        "window_end_hour": str(campaign.window_end_hour),
        "daily_cap": "" if campaign.daily_cap is None else str(campaign.daily_cap),
        "status": str(campaign.status),
    }
    steps = tuple(_slot(edit, n) for n in range(1, len(edit.steps) + 1))
    return SequenceForm(values, weekdays_only=campaign.weekdays_only, steps=steps)


async def _editable(runtime: Runtime, campaign_id: uuid.UUID) -> EditableSequence:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await campaign_sequences.editable(session, campaign_id)


async def edit_page(runtime: Runtime, campaign_id: uuid.UUID) -> EditSequencePage:
    """The form with the campaign's current values."""
    edit = await _editable(runtime, campaign_id)
    return _page(edit, _form_of(edit))


async def update_sequence_from_form(
    runtime: Runtime, campaign_id: uuid.UUID, data: dict[str, str], user: User
) -> Campaign | EditSequencePage:
    """The campaign as saved, or the form again with its problems (nothing saved)."""
    edit = await _editable(runtime, campaign_id)
    form = _posted(data, edit)
    if data.get("add_step"):
        return _page(edit, with_another_step(form))
    parsed, errors = _parse(form)
    if parsed is None:
        return _page(edit, replace(form, errors=errors, status_code=422))
    try:
        # Its own unit of work: a refused update rolls back whatever it had changed.
        async with unit_of_work(runtime.sessionmaker) as session:
            return await campaign_sequences.update(
                session, campaign_id, parsed, user=user, actor=user.email
            )
    except (SentStepLocked, InvalidInput) as exc:
        refused = replace(form, errors={FORM_ERROR: exc.message}, status_code=exc.status_code)
        return _page(await _editable(runtime, campaign_id), refused)
