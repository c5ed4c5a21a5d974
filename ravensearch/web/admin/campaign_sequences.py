"""Outreach → Campaigns, SendGrid side: creating and editing a sequence from the form, the
outbox with its Re-send, and the preview of one technician's emails."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response

from ravensearch.runtime import Runtime
from ravensearch.sequences.service import sequence_service
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.campaign_pages import NewCampaignPage
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.responses import is_htmx, to_campaign
from ravensearch.web.admin.sequence_edit import (
    EditSequencePage,
    edit_page,
    update_sequence_from_form,
)
from ravensearch.web.admin.sequence_pages import (
    SequenceForm,
    create_sequence_from_form,
    outbox,
    preview_panel,
    read_sequence_form,
    with_another_step,
)
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/outreach/campaigns")

FORM = "outreach/_sequence_form.html"
OUTBOX = "outreach/_outbox.html"
EDIT_PAGE = "outreach/campaign_edit.html"
EDIT_FORM = "outreach/_sequence_edit_form.html"


async def create_sequence(request: Request, runtime: Runtime, data: dict[str, str]) -> Response:
    """The "+ New Campaign" form's SendGrid channel (its "Add step" posts here too)."""
    form = read_sequence_form(data)
    result = (
        with_another_step(form)
        if data.get("add_step")
        else await create_sequence_from_form(runtime, form)
    )
    if isinstance(result, SequenceForm):
        page = NewCampaignPage(channel="sendgrid", sequence=result)
        return await render(
            request, "outreach/campaign_new.html", page, fragment=FORM,
            status_code=result.status_code,
        )  # fmt: skip
    add_toast(request, f"Created “{result.name}”. Dispatch technicians to it to start sending.")
    return to_campaign(request, result.id)


@router.get("/{campaign_id}/edit", name="campaigns:edit")
async def edit_sequence(
    request: Request, campaign_id: uuid.UUID, _user: AdminUser, runtime: RuntimeDep
) -> Response:
    return await render(request, EDIT_PAGE, await edit_page(runtime, campaign_id))


@router.post("/{campaign_id}/edit", name="campaigns:update")
async def update_sequence(
    request: Request, campaign_id: uuid.UUID, user: AdminUser, runtime: RuntimeDep
) -> Response:
    """Save the edit form (its "Add step" posts here too); the sent steps stay as they are."""
    data = await read_form(request)
    result = await update_sequence_from_form(runtime, campaign_id, data, user)
    if isinstance(result, EditSequencePage):
        return await render(
            request, EDIT_PAGE, result, fragment=EDIT_FORM,
            status_code=result.sequence.status_code,
        )  # fmt: skip
    add_toast(request, f"Saved “{result.name}”. The changes apply to the emails sent next.")
    return to_campaign(request, result.id)


@router.get("/{campaign_id}/outbox", name="campaigns:outbox")
async def campaign_outbox(
    request: Request,
    campaign_id: uuid.UUID,
    _user: CurrentUser,
    session: SessionDep,
    state: str | None = None,
    page: PageQuery = 1,
) -> Response:
    context = await outbox(session, campaign_id, state=state, page=page)
    return await render(request, OUTBOX, context)


@router.post("/{campaign_id}/sends/{send_id}/resend", name="campaigns:resend")
async def resend_email(
    request: Request,
    campaign_id: uuid.UUID,
    send_id: uuid.UUID,
    user: AdminUser,
    session: SessionDep,
) -> Response:
    """A person's word that an uncertain or failed email goes out again (audited)."""
    send = await sequence_service.resend(
        session, campaign_id=campaign_id, send_id=send_id, user=user, actor=user.email
    )
    add_toast(request, f"Step {send.step} to {send.to_email} is queued to be sent again.")
    if not is_htmx(request):
        return to_campaign(request, campaign_id)
    return await render(request, OUTBOX, await outbox(session, campaign_id, state=None))


@router.get("/{campaign_id}/preview", name="campaigns:preview")
async def preview_emails(
    request: Request,
    campaign_id: uuid.UUID,
    _user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    target_id: str = "",
    typed_id: str = "",
) -> Response:
    panel = await preview_panel(
        session, runtime.settings, campaign_id, picked=target_id, typed=typed_id
    )
    return await render(request, "outreach/_sequence_preview.html", panel)
