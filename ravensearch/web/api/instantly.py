"""The design's Instantly endpoints: validate a campaign id, dispatch technicians as leads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ravensearch.campaigns.schemas import InstantlyCampaignInfo, ValidateCampaignRequest
from ravensearch.campaigns.service import (
    NOT_FOUND_MESSAGE,
    InstantlyCampaignNotFound,
    campaign_service,
)
from ravensearch.dispatch.flows import dispatch_targets
from ravensearch.dispatch.schemas import DispatchRequest, DispatchResult
from ravensearch.web.api.presenters import dispatch_result
from ravensearch.web.deps import InstantlyDep, RuntimeDep, TokenDep

router = APIRouter(prefix="/instantly", tags=["instantly"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The id is not a UUID"},
    401: {"description": "Missing or invalid API token"},
    502: {"description": "Instantly unreachable, key rejected, or no paid plan"},
}


@router.post("/validate-campaign", responses=_ERRORS)
async def validate_campaign(
    body: ValidateCampaignRequest, instantly: InstantlyDep, _token: TokenDep
) -> dict[str, Any]:
    """Check that an Instantly campaign exists and return its name, status and stats."""
    try:
        info: InstantlyCampaignInfo = await campaign_service.validate(instantly, body.campaign_id)
    except InstantlyCampaignNotFound:
        return {"valid": False, "error": NOT_FOUND_MESSAGE}
    return {"valid": True, "campaign": info.model_dump()}


@router.get("/campaigns", responses=_ERRORS)
async def list_instantly_campaigns(
    instantly: InstantlyDep, _token: TokenDep, search: str | None = None
) -> dict[str, Any]:
    """The campaigns in the Instantly workspace, to pick one to link."""
    items = await campaign_service.list_remote(instantly, search=search)
    return {"items": [item.model_dump() for item in items]}


@router.post(
    "/dispatch-leads",
    response_model=DispatchResult,
    responses={**_ERRORS, 404: {"description": "Unknown campaign"}},
)
async def dispatch_leads(
    body: DispatchRequest, runtime: RuntimeDep, _token: TokenDep
) -> DispatchResult | JSONResponse:
    """Push the selected technicians to the campaign's Instantly campaign, each at most once."""
    outcome = await dispatch_targets(
        runtime.sessionmaker,
        runtime.instantly,
        campaign_id=body.campaign_id,
        target_ids=body.target_ids,
        skip_if_in_other_campaign=body.skip_if_in_other_campaign,
    )
    result = dispatch_result(outcome)
    if outcome.push.error is not None:
        return JSONResponse(result.model_dump(mode="json"), status_code=502)
    return result
