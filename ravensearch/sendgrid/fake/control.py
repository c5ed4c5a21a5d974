"""Control routes under `/_fake/` for the standalone fake (demos, benchmarks from another
process): inspect the accepted mail, inject faults, reset. Never part of SendGrid's API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ravensearch.sendgrid.fake.state import FakeSendGridState, Fault

router = APIRouter(prefix="/_fake", tags=["fake control"])


class FaultBody(BaseModel):
    kind: Literal["status", "rate_limit", "accept_then_hang"] = "status"
    status_code: int = Field(500, ge=400, le=599)
    reset_in: float = Field(0.0, ge=0)
    hang_seconds: float = Field(0.0, ge=0)
    count: int | None = Field(1, ge=1)


def _state(request: Request) -> FakeSendGridState:
    state: FakeSendGridState = request.app.state.fake
    return state


@router.get("/messages")
async def list_messages(request: Request) -> dict[str, Any]:
    return {"items": [asdict(message) for message in list(_state(request).messages)]}


@router.post("/faults")
async def add_fault(body: FaultBody, request: Request) -> dict[str, Any]:
    fault = Fault(
        body.kind,
        status_code=429 if body.kind == "rate_limit" else body.status_code,
        reset_in=body.reset_in,
        hang_seconds=body.hang_seconds,
        remaining=body.count,
    )
    _state(request).add_fault(fault)
    return {"faults": len(_state(request).faults)}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    _state(request).reset()
    return {"messages": 0}
