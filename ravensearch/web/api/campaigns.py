from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.schemas import (
    CampaignCreate,
    CampaignDetail,
    CampaignList,
    CampaignRead,
    CampaignUpdate,
)
from ravensearch.campaigns.sequence import sequence_service as campaign_sequences
from ravensearch.campaigns.service import campaign_service
from ravensearch.db.models import DispatchStatus
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import retry_rejected
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.dispatch.schemas import (
    DispatchList,
    DispatchRead,
    DispatchResult,
    RetryRejectedRequest,
)
from ravensearch.errors import InvalidInput
from ravensearch.kit.cursor import CURSOR_HELP, decode_cursor, next_cursor
from ravensearch.sequences.schemas import EmailSendList, EmailSendRead, Preview
from ravensearch.sequences.service import sequence_service
from ravensearch.web.api.presenters import dispatch_result
from ravensearch.web.deps import OffsetQuery, RuntimeDep, SessionDep, TokenDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API token"},
    404: {"description": "Unknown campaign"},
}


@router.post(
    "",
    status_code=201,
    response_model=CampaignDetail,
    responses={
        **_ERRORS,
        400: {"description": "Not a UUID, or a bad sender, window or template"},
        409: {"description": "Already linked"},
        502: {"description": "Instantly unreachable, key rejected, or no paid plan"},
    },
)
async def create_campaign(body: CampaignCreate, runtime: RuntimeDep, _token: TokenDep) -> Any:
    """Link an Instantly campaign (validated against Instantly, name and stats filled in),
    or create a SendGrid sequence (`channel: "sendgrid"`, sender, window, cap, steps)."""
    campaign = await campaign_flows.create(runtime.sessionmaker, runtime.instantly, body)
    async with unit_of_work(runtime.sessionmaker) as session:
        return await campaign_sequences.detail(session, campaign.id)


@router.get("", response_model=CampaignList, responses=_ERRORS)
async def list_campaigns(session: SessionDep, _token: TokenDep) -> Any:
    return {"items": await campaign_service.list(session)}


@router.get("/{campaign_id}", response_model=CampaignDetail, responses=_ERRORS)
async def get_campaign(campaign_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> Any:
    """The campaign, with (channel sendgrid) its sender, window, cap and steps."""
    return await campaign_sequences.detail(session, campaign_id)


@router.patch(
    "/{campaign_id}",
    response_model=CampaignDetail,
    responses={**_ERRORS, 409: {"description": "A step already sent, or not SendGrid"}},
)
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignUpdate, session: SessionDep, token: TokenDep
) -> Any:
    """Change the campaign's defaults for dispatches to come; a SendGrid campaign's sender,
    window, cap, status and the steps not yet sent (audited)."""
    await campaign_sequences.update(
        session, campaign_id, body, user=None, actor=f"API token {token.name}"
    )
    return await campaign_sequences.detail(session, campaign_id)


@router.get(
    "/{campaign_id}/preview",
    response_model=Preview,
    responses={**_ERRORS, 409: {"description": "Not a SendGrid campaign"}},
)
async def preview_campaign(
    campaign_id: uuid.UUID,
    target_id: Annotated[uuid.UUID, Query(alias="targetId")],
    runtime: RuntimeDep,
    session: SessionDep,
    _token: TokenDep,
) -> Any:
    """Each step as one technician would receive it: subject, body with footer, headers."""
    return await sequence_service.preview(
        session, runtime.settings, campaign_id=campaign_id, target_id=target_id
    )


@router.get("/{campaign_id}/sends", response_model=EmailSendList, responses=_ERRORS)
async def list_sends(
    campaign_id: uuid.UUID,
    session: SessionDep,
    _token: TokenDep,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> Any:
    """The campaign's outbox, newest first (`state`: queued, sending, sent, failed,
    uncertain, cancelled)."""
    rows, total = await sequence_service.list_sends(
        session, campaign_id, state=state, limit=limit, offset=offset
    )
    return {"items": [EmailSendRead.model_validate(r) for r in rows], "total": total}


@router.post(
    "/{campaign_id}/sends/{send_id}/resend",
    response_model=EmailSendRead,
    responses={**_ERRORS, 409: {"description": "Not uncertain or failed, or sequence stopped"}},
)
async def resend_email(
    campaign_id: uuid.UUID, send_id: uuid.UUID, session: SessionDep, token: TokenDep
) -> Any:
    """Queue an uncertain or failed email again (a person's decision; audited): the next
    sending run sends it inside the window and under the cap."""
    return await sequence_service.resend(
        session, campaign_id=campaign_id, send_id=send_id, user=None,
        actor=f"API token {token.name}",
    )  # fmt: skip


@router.post(
    "/{campaign_id}/dispatches/retry-rejected",
    response_model=DispatchResult,
    responses={**_ERRORS, 502: {"description": "Instantly unreachable or key rejected"}},
)
async def retry_rejected_dispatches(
    campaign_id: uuid.UUID, body: RetryRejectedRequest, runtime: RuntimeDep, _token: TokenDep
) -> Any:
    """Send rejected leads again once the cause is fixed (block list, plan, skip option)."""
    outcome = await retry_rejected(
        runtime.sessionmaker,
        runtime.instantly,
        campaign_id=campaign_id,
        dispatch_ids=body.dispatch_ids,
    )
    result = dispatch_result(outcome)
    if outcome.push.error is not None:
        return JSONResponse(result.model_dump(mode="json"), status_code=502)
    return result


@router.post("/{campaign_id}/sync", response_model=CampaignRead, responses=_ERRORS)
async def sync_campaign(campaign_id: uuid.UUID, runtime: RuntimeDep, _token: TokenDep) -> Any:
    """Pull the campaign's name, status and analytics from Instantly now."""
    return await campaign_flows.sync(
        runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id
    )


@router.get(
    "/{campaign_id}/dispatches",
    response_model=DispatchList,
    responses={**_ERRORS, 400: {"description": "A cursor this API did not give"}},
)
async def list_dispatches(
    campaign_id: uuid.UUID,
    session: SessionDep,
    _token: TokenDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
    cursor: Annotated[str | None, Query(description=CURSOR_HELP)] = None,
) -> Any:
    """Newest first. Page with `next_cursor` (fast at any depth) or with `offset`."""
    if cursor is not None and offset:
        raise InvalidInput("Pass either cursor or offset, not both.")
    if status is not None and status not in DispatchStatus.__members__:
        raise InvalidInput(f"Unknown status; use one of: {', '.join(DispatchStatus.__members__)}.")
    await campaign_service.get(session, campaign_id)
    after = decode_cursor(cursor) if cursor is not None else None
    rows, total = await DispatchRepository(session).list_for_campaign(
        campaign_id, status=status, limit=limit + 1, offset=offset, after=after
    )
    items = rows[:limit]
    return {
        "items": [DispatchRead.model_validate(d) for d in items],
        "total": total,
        "next_cursor": next_cursor(items, more=len(rows) > limit),
    }
