from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from ravensearch.kit.schemas import CamelModel, ReadModel


class CollectRequest(CamelModel):
    source: Literal["google", "yelp", "all"] = Field(description="Where to look.")
    trade: str = Field(description="A trade, e.g. hvac, plumbing, electrical, roofing.")
    state: str = Field(description="A US state code, e.g. TX.")
    skip_not_open: bool = Field(
        default=False,
        description="Skip businesses temporarily closed or not open yet; by default they"
        " are kept, flagged in `businessStatus`.",
    )


class EnrichRequest(CamelModel):
    target_ids: list[uuid.UUID] | None = Field(
        default=None, description="Targets to enrich; omit for every pending target."
    )
    limit: int | None = Field(default=None, ge=1, le=1_000_000)


class DispatchJobRequest(CamelModel):
    campaign_id: uuid.UUID
    target_ids: list[uuid.UUID] | None = Field(
        default=None, description="Targets to dispatch; omit for every ready target."
    )
    skip_if_in_other_campaign: bool | None = Field(
        default=None,
        description="Skip technicians in another Instantly campaign; omit for the campaign's.",
    )


class JobAccepted(ReadModel):
    jobId: uuid.UUID
    state: str


class JobProgress(ReadModel):
    done: int
    total: int | None


class JobRead(ReadModel):
    id: uuid.UUID
    kind: str
    state: str
    params: dict[str, Any]
    progress: JobProgress
    counts: dict[str, Any]
    errors: list[str]
    message: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class JobList(ReadModel):
    items: list[JobRead]
