"""Lead routes of the fake: bulk add and list (instantly_v2.md §4.2, §4.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request

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
from ravensearch.instantly.fake.state import DEFAULT_BLOCKLIST_ID, FakeInstantlyState, FakeLead

router = APIRouter()

MAX_LEADS_PER_ADD = 1000
ADD_FIELDS = {
    "campaign_id", "list_id", "leads", "blocklist_id", "assigned_to", "verify_leads_on_import",
    "skip_if_in_workspace", "skip_if_in_campaign", "skip_if_in_list",
}  # fmt: skip
LEAD_FIELDS = {
    "email", "personalization", "website", "last_name", "first_name", "company_name",
    "job_title", "phone", "lt_interest_status", "pl_value_lead", "assigned_to",
    "custom_variables",
}  # fmt: skip
STORED_FIELDS = (
    "first_name", "last_name", "company_name", "job_title", "phone", "website", "personalization",
)  # fmt: skip
LIST_FIELDS = {
    "search", "filter", "campaign", "list_id", "in_campaign", "in_list", "ids", "excluded_ids",
    "contacts", "queries", "limit", "starting_after", "organization_user_ids", "smart_view_id",
    "is_website_visitor", "distinct_contacts", "enrichment_status", "esg_code",
}  # fmt: skip
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@router.post("/leads/add")
async def add_leads(request: Request, state: StateDep) -> dict[str, Any]:
    """200 (not 201) with the §4.2 counts; simulated activity starts for active campaigns."""
    body = await read_json_object(request)
    _validate_add(body)
    result, created = ingest_leads(state, body)
    campaign = state.campaigns.get(body.get("campaign_id") or "")
    if campaign is not None and campaign.status == 1:
        simulator.schedule_activity(state, campaign.id, created)
    return result


@router.post("/leads/list")
async def list_leads(request: Request, state: StateDep) -> dict[str, Any]:
    body = await read_json_object(request)
    check_properties(body, "body", allowed=LIST_FIELDS)
    limit = parse_limit(body.get("limit"), "body/limit")
    leads = list(state.leads.values())
    if body.get("campaign") is not None:
        campaign_id = require_uuid(body["campaign"], "body/campaign")
        leads = [lead for lead in leads if lead.campaign_id == campaign_id]
    if body.get("list_id") is not None:
        leads = [lead for lead in leads if lead.list_id == body["list_id"]]
    if body.get("contacts"):
        contacts = {str(c).lower() for c in body["contacts"]}
        leads = [lead for lead in leads if lead.email in contacts]
    if body.get("search"):
        needle = str(body["search"]).lower()
        leads = [lead for lead in leads if needle in _searchable(lead)]
    return cursor_page(
        leads,
        key=lambda lead: lead.id,
        render=FakeLead.to_json,
        limit=limit,
        starting_after=body.get("starting_after"),
        cursor_on_last_page=state.cursor_on_last_page,
    )


def _searchable(lead: FakeLead) -> str:
    return " ".join(v for v in (lead.email, lead.first_name, lead.last_name) if v).lower()


def _validate_add(body: dict[str, Any]) -> None:
    check_properties(body, "body", allowed=ADD_FIELDS, required=("leads",))
    if ("campaign_id" in body) == ("list_id" in body):
        raise bad_request("body must match exactly one schema in oneOf")
    for name in ("campaign_id", "list_id"):
        if name in body:
            require_uuid(body[name], f"body/{name}")
    leads = body["leads"]
    if not isinstance(leads, list):
        raise bad_request("body/leads must be array")
    if not leads:
        raise bad_request("body/leads must NOT have fewer than 1 items")
    if len(leads) > MAX_LEADS_PER_ADD:
        raise bad_request(f"body/leads must NOT have more than {MAX_LEADS_PER_ADD} items")
    for index, lead in enumerate(leads):
        where = f"body/leads/{index}"
        if not isinstance(lead, dict):
            raise bad_request(f"{where} must be object")
        check_properties(lead, where, allowed=LEAD_FIELDS)
        variables = lead.get("custom_variables", {})
        if not isinstance(variables, dict):
            raise bad_request(f"{where}/custom_variables must be object")
        for key, value in variables.items():
            if value is not None and not isinstance(value, str | int | float | bool):
                raise bad_request(
                    f"{where}/custom_variables/{key} must be string,number,boolean,null"
                )


@dataclass
class _Counts:
    leads_uploaded: int = 0
    in_blocklist: int = 0
    duplicated_leads: int = 0
    skipped_count: int = 0
    invalid_email_count: int = 0
    incomplete_count: int = 0
    duplicate_email_count: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)


def ingest_leads(
    state: FakeInstantlyState, body: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Apply a validated /leads/add body; returns the response and the created lead ids."""
    campaign_id: str | None = body.get("campaign_id")
    list_id: str | None = body.get("list_id")
    if campaign_id and campaign_id.lower() not in state.campaigns:
        raise not_found()
    if list_id and list_id.lower() not in state.lead_lists:
        raise not_found()
    campaign_id = campaign_id.lower() if campaign_id else None
    list_id = list_id.lower() if list_id else None
    counts = _Counts()
    seen: set[str] = set()
    created_ids: list[str] = []
    with state.lock:
        remaining = max(0, state.plan_lead_limit - len(state.leads))
        for index, raw in enumerate(body["leads"]):
            email = _normalise_email(raw.get("email"))
            if not _accept(state, body, counts, seen, raw, email, campaign_id, list_id):
                continue
            if remaining <= 0:
                # Over the plan: in none of the counts; `remaining_in_plan` says 0 (§4.2).
                continue
            values = {name: raw.get(name) for name in STORED_FIELDS}
            lead = state.add_lead(
                email,
                campaign_id=campaign_id,
                list_id=list_id,
                custom_variables=dict(raw.get("custom_variables") or {}),
                **values,
            )
            remaining -= 1
            created_ids.append(lead.id)
            counts.leads_uploaded += 1
            counts.created.append({"index": index, "id": lead.id, "email": email})
    result = {
        "status": "success",
        "total_sent": len(body["leads"]),
        "leads_uploaded": counts.leads_uploaded,
        "in_blocklist": counts.in_blocklist,
        "blocklist_used": body.get("blocklist_id") or DEFAULT_BLOCKLIST_ID,
        "duplicated_leads": counts.duplicated_leads,
        "skipped_count": counts.skipped_count,
        "invalid_email_count": counts.invalid_email_count,
        "incomplete_count": counts.incomplete_count,
        "duplicate_email_count": counts.duplicate_email_count,
        "remaining_in_plan": remaining if campaign_id else None,
        "created_leads": counts.created,
    }
    return result, created_ids


def _accept(
    state: FakeInstantlyState,
    body: dict[str, Any],
    counts: _Counts,
    seen: set[str],
    raw: dict[str, Any],
    email: str | None,
    campaign_id: str | None,
    list_id: str | None,
) -> bool:
    """Decide one lead, counting why it is left out (§4.2's response fields)."""
    if email is None or not EMAIL_RE.match(email):
        if campaign_id or email is not None:
            counts.invalid_email_count += 1
            return False
        if not (raw.get("first_name") or raw.get("last_name")):
            counts.incomplete_count += 1
            return False
        return True  # a list lead may have names but no email
    if email in seen:
        counts.duplicate_email_count += 1
        return False
    seen.add(email)
    if state.is_blocked(email):
        counts.in_blocklist += 1
        return False
    existing = state.leads_with_email(email)
    if any((campaign_id and lead.campaign_id == campaign_id) or (list_id and lead.list_id == list_id)
           for lead in existing):  # fmt: skip
        counts.duplicated_leads += 1
        return False
    if (
        (body.get("skip_if_in_workspace") and existing)
        or (body.get("skip_if_in_campaign") and any(lead.campaign_id for lead in existing))
        or (body.get("skip_if_in_list") and any(lead.list_id for lead in existing))
    ):
        counts.skipped_count += 1
        return False
    return True


def _normalise_email(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()
