"""Background jobs: start collection, enrichment and large dispatches; follow their progress."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ravensearch.db.models import Job
from ravensearch.jobs import launch
from ravensearch.jobs.launch import Enqueue
from ravensearch.jobs.schemas import (
    CollectRequest,
    DispatchJobRequest,
    EnrichRequest,
    JobAccepted,
    JobList,
    JobProgress,
    JobRead,
)
from ravensearch.jobs.service import job_service
from ravensearch.web.deps import RuntimeDep, SessionDep, TokenDep

router = APIRouter(tags=["jobs"])


def get_enqueue(request: Request) -> Enqueue:
    enqueue: Enqueue = request.app.state.enqueue
    return enqueue


EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]


def _read(job: Job) -> JobRead:
    return JobRead.model_validate(
        {**job.__dict__, "progress": JobProgress(done=job.progress_done, total=job.progress_total)}
    )


def _accepted(job: Job) -> JobAccepted:
    return JobAccepted(jobId=job.id, state=job.state)


@router.post("/targets/collect", status_code=202, response_model=JobAccepted)
async def collect(
    body: CollectRequest, runtime: RuntimeDep, enqueue: EnqueueDep, _token: TokenDep
) -> Any:
    """Collect technicians of a trade in a US state from Google, Yelp or both (a job)."""
    job = await launch.launch_collect(
        runtime.sessionmaker,
        enqueue,
        source=body.source,
        trade=body.trade,
        state=body.state,
        skip_not_open=body.skip_not_open,
    )
    return _accepted(job)


@router.post("/targets/enrich", status_code=202, response_model=JobAccepted)
async def enrich(
    body: EnrichRequest, runtime: RuntimeDep, enqueue: EnqueueDep, _token: TokenDep
) -> Any:
    """Find and check emails on the targets' websites (a job)."""
    job = await launch.launch_enrich(
        runtime.sessionmaker, enqueue, target_ids=body.target_ids, limit=body.limit
    )
    return _accepted(job)


@router.post("/dispatch-jobs", status_code=202, response_model=JobAccepted)
async def dispatch_job(
    body: DispatchJobRequest, runtime: RuntimeDep, enqueue: EnqueueDep, _token: TokenDep
) -> Any:
    """Dispatch a large selection (or every ready target) in the background."""
    job = await launch.launch_dispatch(
        runtime.sessionmaker,
        enqueue,
        campaign_id=body.campaign_id,
        target_ids=body.target_ids,
        skip_if_in_other_campaign=body.skip_if_in_other_campaign,
    )
    return _accepted(job)


@router.get("/jobs", response_model=JobList)
async def list_jobs(session: SessionDep, _token: TokenDep) -> Any:
    return {"items": [_read(job) for job in await job_service.list_recent(session)]}


@router.get("/jobs/{job_id}", response_model=JobRead, responses={404: {"description": "Unknown"}})
async def get_job(job_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> Any:
    """A job's state, progress (done/total), counts and errors."""
    return _read(await job_service.get(session, job_id))
