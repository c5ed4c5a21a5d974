"""Outreach → Campaigns: the list, linking a new Instantly campaign, and a campaign's page.

Counters are live: the table and the detail page's stats poll their fragment every 2 s;
when a campaign's numbers move, its dispatch table reloads too (`CHANGED_EVENT`).
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.service import campaign_service
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import retry_rejected
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.campaign_pages import (
    CampaignForm,
    NewCampaignPage,
    campaigns_page,
    create_from_form,
    detail_page,
    look_up,
    new_campaign_page,
    retry_summary,
    stats_page,
)
from ravensearch.web.admin.campaign_sequences import create_sequence
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.responses import HXRedirectResponse, is_htmx, to_campaign
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/outreach/campaigns")

# Sent with the stats fragment when the numbers moved: the dispatch table reloads on it.
CHANGED_EVENT = "campaign-changed"


@router.get("", name="campaigns:list")
async def list_campaigns(
    request: Request, _user: CurrentUser, session: SessionDep, page: PageQuery = 1
) -> Response:
    context = await campaigns_page(session, page=page)
    return await render(
        request, "outreach/campaigns.html", context, fragment="outreach/_campaigns_table.html"
    )


@router.get("/new", name="campaigns:new")
async def new_campaign(
    request: Request,
    _user: CurrentUser,
    runtime: RuntimeDep,
    instantly_campaign_id: str = "",
    channel: str = "instantly",
) -> Response:
    page = await new_campaign_page(runtime, instantly_campaign_id, channel)
    return await render(request, "outreach/campaign_new.html", page)


@router.post("/new/validate", name="campaigns:validate")
async def validate_campaign(request: Request, _user: CurrentUser, runtime: RuntimeDep) -> Response:
    """The lookup under the id field, as it is typed: a read, so viewers may use it too."""
    form = await read_form(request)
    lookup = await look_up(runtime, form.get("instantly_campaign_id", ""))
    return await render(request, "outreach/_campaign_lookup.html", lookup)


@router.post("", name="campaigns:create")
async def create_campaign(request: Request, _user: AdminUser, runtime: RuntimeDep) -> Response:
    data = await read_form(request)
    if data.get("channel") == "sendgrid":
        return await create_sequence(request, runtime, data)
    result = await create_from_form(runtime, data)
    if isinstance(result, CampaignForm):
        return await render(
            request,
            "outreach/campaign_new.html",
            NewCampaignPage(form=result),
            fragment="outreach/_campaign_form.html",
            status_code=result.status_code,
        )
    add_toast(
        request, f"Linked “{result.name}”. Its counters update as Instantly reports activity."
    )
    return HXRedirectResponse(request, str(request.app.url_path_for("campaigns:list")))


@router.get("/{campaign_id}", name="campaigns:detail")
async def campaign_detail(
    request: Request,
    campaign_id: uuid.UUID,
    _user: CurrentUser,
    session: SessionDep,
    page: PageQuery = 1,
    status: str | None = None,
) -> Response:
    context = await detail_page(session, campaign_id, page=page, status=status)
    return await render(
        request, "outreach/campaign_detail.html", context, fragment="outreach/_dispatches.html"
    )


@router.get("/{campaign_id}/stats", name="campaigns:stats")
async def campaign_stats(
    request: Request, campaign_id: uuid.UUID, _user: CurrentUser, session: SessionDep
) -> Response:
    stats = await stats_page(session, campaign_id)
    seen = request.query_params.get("v")
    changed = {"HX-Trigger": CHANGED_EVENT} if seen and seen != stats.version else None
    return await render(request, "outreach/_campaign_stats.html", stats, headers=changed)


@router.post("/{campaign_id}/settings", name="campaigns:settings")
async def campaign_settings(
    request: Request, campaign_id: uuid.UUID, _user: AdminUser, session: SessionDep
) -> Response:
    skip = bool((await read_form(request)).get("skip_if_in_other_campaign"))
    await campaign_service.update_settings(session, campaign_id, skip_if_in_other_campaign=skip)
    add_toast(
        request,
        "Technicians in another Instantly campaign will be skipped."
        if skip
        else "Technicians in another Instantly campaign will be added too.",
    )
    return to_campaign(request, campaign_id)


@router.post("/{campaign_id}/retry-rejected", name="campaigns:retry_rejected")
async def retry_rejected_leads(
    request: Request, campaign_id: uuid.UUID, _user: AdminUser, runtime: RuntimeDep
) -> Response:
    """Send the campaign's rejected leads again, once a person fixed the cause."""
    outcome = await retry_rejected(runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id)
    add_toast(request, retry_summary(outcome), "error" if outcome.push.error else "success")
    return to_campaign(request, campaign_id)


@router.post("/{campaign_id}/sync", name="campaigns:sync")
async def sync_campaign(
    request: Request, campaign_id: uuid.UUID, _user: AdminUser, runtime: RuntimeDep
) -> Response:
    await campaign_flows.sync(runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id)
    add_toast(request, "Synced with Instantly.")
    if not is_htmx(request):
        return to_campaign(request, campaign_id)
    async with unit_of_work(runtime.sessionmaker) as session:
        stats = await stats_page(session, campaign_id)
    changed = {"HX-Trigger": CHANGED_EVENT}
    return await render(request, "outreach/_campaign_stats.html", stats, headers=changed)
