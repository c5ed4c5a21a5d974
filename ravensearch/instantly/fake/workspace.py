"""Workspace-level routes of the fake: current workspace, block list, lead lists (§1.2, §4.4, §7)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request

from ravensearch.instantly.fake.responses import (
    StateDep,
    bad_request,
    check_properties,
    cursor_page,
    parse_limit,
    read_json_object,
)
from ravensearch.instantly.fake.state import WORKSPACE_ID, FakeBlocklistEntry, iso_now, new_id

router = APIRouter()

MAX_BULK_VALUES = 1000
BL_VALUE_RE = re.compile(r"^([^@\s]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)
OWNER_ID = "0199e9d0-57a1-7b6e-8c2d-3f4a5b6c7d8f"
WORKSPACE_CREATED = "2025-06-02T14:03:11.512Z"


@router.get("/workspaces/current")
async def current_workspace(state: StateDep) -> dict[str, Any]:
    return {
        "id": WORKSPACE_ID,
        "name": state.workspace_name,
        "owner": OWNER_ID,
        "plan_id": "pid_hg_v1",
        "add_unsub_to_block": True,
        "timestamp_created": WORKSPACE_CREATED,
        "timestamp_updated": WORKSPACE_CREATED,
    }


@router.post("/block-lists-entries")
async def create_blocklist_entry(request: Request, state: StateDep) -> dict[str, Any]:
    body = await read_json_object(request)
    check_properties(body, "body", allowed={"bl_value"}, required=("bl_value",))
    value = body["bl_value"]
    if not isinstance(value, str):
        raise bad_request("body/bl_value must be string")
    if not is_blockable(value):
        raise bad_request("bl_value must be a valid email address or domain")
    return state.add_blocklist_entry(value).to_json()


@router.post("/block-lists-entries/bulk-create")
async def bulk_create_blocklist_entries(request: Request, state: StateDep) -> dict[str, Any]:
    """Valid values are added (or found: adding twice is harmless); the rest are counted."""
    body = await read_json_object(request)
    # Only `required`: unlike most, this body schema does not forbid other properties.
    if "bl_values" not in body:
        raise bad_request("body must have required property 'bl_values'")
    values = body["bl_values"]
    if not isinstance(values, list):
        raise bad_request("body/bl_values must be array")
    if not values:
        raise bad_request("body/bl_values must NOT have fewer than 1 items")
    if len(values) > MAX_BULK_VALUES:
        raise bad_request(f"body/bl_values must NOT have more than {MAX_BULK_VALUES} items")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise bad_request(f"body/bl_values/{index} must be string")
    valid = [value for value in values if is_blockable(value)]
    entries = state.add_blocklist_entries(valid)
    unique = list({entry.id: entry for entry in entries}.values())
    return {
        "items": [entry.to_json() for entry in unique],
        "valid_count": len(valid),
        "invalid_count": len(values) - len(valid),
    }


def is_blockable(value: str) -> bool:
    return bool(BL_VALUE_RE.match(value.strip()))


@router.get("/block-lists-entries")
async def list_blocklist_entries(
    state: StateDep,
    limit: str | None = None,
    starting_after: str | None = None,
    domains_only: str | None = None,
    search: str | None = None,
) -> dict[str, Any]:
    entries = list(state.blocklist.values())
    if domains_only not in (None, "true", "false"):
        raise bad_request("querystring/domains_only must be boolean")
    if domains_only == "true":
        entries = [e for e in entries if e.is_domain]
    if search:
        entries = [e for e in entries if search.lower() in e.bl_value]
    return cursor_page(
        entries,
        key=lambda e: e.id,
        render=FakeBlocklistEntry.to_json,
        limit=parse_limit(limit),
        starting_after=starting_after,
        cursor_on_last_page=state.cursor_on_last_page,
    )


@router.post("/lead-lists")
async def create_lead_list(request: Request, state: StateDep) -> dict[str, Any]:
    body = await read_json_object(request)
    check_properties(
        body, "body", allowed={"name", "has_enrichment_task", "owned_by"}, required=("name",)
    )
    lead_list = {
        "id": new_id(),
        "organization_id": WORKSPACE_ID,
        "name": body["name"],
        "has_enrichment_task": bool(body.get("has_enrichment_task")),
        "owned_by": body.get("owned_by"),
        "timestamp_created": iso_now(),
    }
    state.lead_lists[lead_list["id"]] = lead_list
    return lead_list
