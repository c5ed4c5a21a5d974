"""Control routes under `/_fake/`: reset, seed, inject faults, inspect, drain the simulator.

They need no API key and are never part of Instantly's API.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ravensearch.instantly.fake import simulator
from ravensearch.instantly.fake.demo import seed_demo_campaigns
from ravensearch.instantly.fake.responses import StateDep, not_found, require_uuid
from ravensearch.instantly.fake.state import FakeLead, Fault

router = APIRouter(prefix="/_fake", tags=["fake control"])


class ResetBody(BaseModel):
    demo: bool = False
    config: bool = False


class FaultBody(BaseModel):
    kind: Literal["status", "slow", "commit_then_timeout"] = "status"
    method: str = "*"
    path: str = "/"
    status_code: int = Field(500, ge=400, le=599)
    retry_after: float | None = Field(None, ge=0)
    delay_seconds: float = Field(0.0, ge=0)
    count: int | None = Field(1, ge=1)


class CampaignSeed(BaseModel):
    name: str
    id: str | None = None
    status: int = 1


@router.post("/reset")
async def reset(state: StateDep, body: ResetBody | None = None) -> dict[str, Any]:
    body = body or ResetBody()
    state.reset(config=body.config)
    if body.demo:
        seed_demo_campaigns(state)
    return state.snapshot()


@router.post("/faults")
async def add_fault(body: FaultBody, state: StateDep) -> dict[str, Any]:
    fault = state.add_fault(
        Fault(
            body.kind,
            body.method,
            body.path,
            body.status_code,
            retry_after=body.retry_after,
            delay_seconds=body.delay_seconds,
            remaining=body.count,
        )
    )
    return {"kind": fault.kind, "method": fault.method, "path_prefix": fault.path_prefix}


@router.delete("/faults")
async def clear_faults(state: StateDep) -> dict[str, Any]:
    with state.lock:
        state.faults.clear()
    return {"faults": 0}


@router.get("/state")
async def get_state(state: StateDep) -> dict[str, Any]:
    return state.snapshot()


@router.post("/campaigns")
async def seed_campaign(body: CampaignSeed, state: StateDep) -> dict[str, Any]:
    campaign_id = require_uuid(body.id, "body/id") if body.id else None
    return state.add_campaign(body.name, id=campaign_id, status=body.status).to_json()


@router.get("/leads")
async def list_leads(state: StateDep, campaign_id: str | None = None) -> dict[str, Any]:
    if campaign_id is not None and campaign_id not in state.campaigns:
        raise not_found()
    leads = state.leads_by_campaign(campaign_id) if campaign_id else list(state.leads.values())
    return {"items": [lead.to_json() for lead in sorted(leads, key=_by_id)]}


@router.get("/requests")
async def request_log(state: StateDep) -> dict[str, Any]:
    return {"items": [list(entry) for entry in state.request_log]}


@router.post("/simulator/drain")
async def drain_simulator(state: StateDep) -> dict[str, Any]:
    """Wait for every pending simulated lifecycle (useful with a small `step_seconds`)."""
    await simulator.drain(state)
    return {"webhooks": len(state.webhook_log)}


def _by_id(lead: FakeLead) -> str:
    return lead.id
