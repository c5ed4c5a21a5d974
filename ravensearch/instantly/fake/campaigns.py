"""Campaign routes of the fake: list, get, create, activate, pause and analytics (§2, §3.1)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ravensearch.instantly.fake import simulator
from ravensearch.instantly.fake.responses import (
    StateDep,
    bad_request,
    check_properties,
    cursor_page,
    not_found,
    parse_limit,
    read_json_object,
    require_uuid,
)
from ravensearch.instantly.fake.state import FakeCampaign, FakeInstantlyState, iso_now, new_id

router = APIRouter()

CAMPAIGN_FIELDS = {
    "name", "campaign_schedule", "sequences", "pl_value", "is_evergreen", "email_list",
    "email_tag_list", "daily_limit", "email_gap", "random_wait_max", "daily_max_leads",
    "text_only", "first_email_text_only", "stop_on_reply", "stop_on_auto_reply",
    "stop_for_company", "link_tracking", "prioritize_new_leads", "match_lead_esp",
    "insert_unsubscribe_header", "allow_risky_contacts", "disable_bounce_protect",
    "open_tracking", "auto_variant_select", "limit_emails_per_company_override", "cc_list",
    "bcc_list", "owned_by", "ai_sdr_id", "provider_routing_rules",
}  # fmt: skip
TIMING_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
# Instantly's timezone enum (102 values) leaves out these common IANA names (§2.3). Only
# they are rejected here: the full enum is not reproduced, so others are let through.
TIMEZONES_NOT_IN_ENUM = {"America/New_York", "Europe/London", "UTC", "Etc/UTC", "GMT"}


def _get_campaign(state: FakeInstantlyState, campaign_id: str) -> FakeCampaign:
    campaign = state.campaigns.get(require_uuid(campaign_id, "params/id"))
    if campaign is None:
        raise not_found()
    return campaign


@router.get("/campaigns")
async def list_campaigns(
    state: StateDep,
    limit: str | None = None,
    starting_after: str | None = None,
    search: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    size = parse_limit(limit)
    campaigns = list(state.campaigns.values())
    if search:
        campaigns = [c for c in campaigns if search.lower() in c.name.lower()]
    if status not in (None, ""):
        campaigns = [c for c in campaigns if str(c.status) == status]
    return cursor_page(
        campaigns,
        key=lambda c: c.id,
        render=FakeCampaign.to_json,
        limit=size,
        starting_after=starting_after,
        cursor_on_last_page=state.cursor_on_last_page,
    )


@router.get("/campaigns/analytics")
async def campaign_analytics(
    state: StateDep,
    id: str | None = None,
    ids: Annotated[list[str] | None, Query()] = None,
    start_date: str | None = None,
    end_date: str | None = None,
) -> list[dict[str, Any]]:
    """A bare array; a campaign that has not sent anything yet has no row (§3.1)."""
    if start_date and end_date and start_date > end_date:
        raise bad_request("Start Date must be earlier than End Date")
    wanted = [require_uuid(id, "querystring/id")] if id else []
    wanted += [require_uuid(value, f"querystring/ids/{i}") for i, value in enumerate(ids or [])]
    campaigns = (
        [state.campaigns[c] for c in wanted if c in state.campaigns]
        if wanted
        else list(state.campaigns.values())
    )
    rows = [state.analytics_row(campaign) for campaign in campaigns]
    return [row for row in rows if row["emails_sent_count"] > 0]


@router.get("/campaigns/{campaign_id}")
async def get_campaign(campaign_id: str, state: StateDep) -> dict[str, Any]:
    return _get_campaign(state, campaign_id).to_json()


@router.post("/campaigns")
async def create_campaign(request: Request, state: StateDep) -> dict[str, Any]:
    """Always a draft (status 0): creating a campaign never sends (§2.3). 200, not 201."""
    body = await read_json_object(request)
    check_properties(body, "body", allowed=CAMPAIGN_FIELDS, required=("name", "campaign_schedule"))
    if not isinstance(body["name"], str):
        raise bad_request("body/name must be string")
    _validate_schedule(body["campaign_schedule"])
    settings = {
        k: v for k, v in body.items() if k not in ("name", "campaign_schedule", "sequences")
    }
    campaign = FakeCampaign(
        id=new_id(),
        name=body["name"],
        campaign_schedule=body["campaign_schedule"],
        sequences=body.get("sequences") or [],
        settings=settings,
    )
    state.campaigns[campaign.id] = campaign
    return campaign.to_json()


@router.post("/campaigns/{campaign_id}/activate")
async def activate_campaign(campaign_id: str, state: StateDep) -> dict[str, Any]:
    campaign = _set_status(state, campaign_id, 1)
    waiting = [
        lead.id
        for lead in state.leads_by_campaign(campaign.id)
        if not lead.emails_sent and not lead.simulation_scheduled
    ]
    simulator.schedule_activity(state, campaign.id, waiting)
    return campaign.to_json()


@router.post("/campaigns/{campaign_id}/pause")
async def pause_campaign(campaign_id: str, state: StateDep) -> dict[str, Any]:
    return _set_status(state, campaign_id, 2).to_json()


def _set_status(state: FakeInstantlyState, campaign_id: str, status: int) -> FakeCampaign:
    campaign = _get_campaign(state, campaign_id)
    campaign.status = status
    campaign.timestamp_updated = iso_now()
    return campaign


def _validate_schedule(schedule: object) -> None:
    where = "body/campaign_schedule"
    if not isinstance(schedule, dict):
        raise bad_request(f"{where} must be object")
    check_properties(
        schedule, where, allowed={"start_date", "end_date", "schedules"}, required=("schedules",)
    )
    items = schedule["schedules"]
    if not isinstance(items, list):
        raise bad_request(f"{where}/schedules must be array")
    if not items:
        raise bad_request(f"{where}/schedules must NOT have fewer than 1 items")
    for index, item in enumerate(items):
        path = f"{where}/schedules/{index}"
        if not isinstance(item, dict):
            raise bad_request(f"{path} must be object")
        check_properties(
            item,
            path,
            allowed={"name", "timing", "days", "timezone"},
            required=("name", "timing", "days", "timezone"),
        )
        timing = item["timing"]
        if not isinstance(timing, dict):
            raise bad_request(f"{path}/timing must be object")
        for end in ("from", "to"):
            if not isinstance(timing.get(end), str) or not TIMING_RE.match(timing[end]):
                raise bad_request(f'{path}/timing/{end} must match pattern "{TIMING_RE.pattern}"')
        days = item["days"]
        if not isinstance(days, dict) or not days:
            raise bad_request(f"{path}/days must NOT have fewer than 1 properties")
        if set(days) - {str(d) for d in range(7)}:
            raise bad_request(f"{path}/days must NOT have additional properties")
        if not isinstance(item["timezone"], str) or item["timezone"] in TIMEZONES_NOT_IN_ENUM:
            raise bad_request(f"{path}/timezone must be equal to one of the allowed values")
