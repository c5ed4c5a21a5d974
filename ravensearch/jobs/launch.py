"""Create a job row, commit it, then enqueue it (a job is never queued before it exists)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.campaigns.service import campaign_service
from ravensearch.db.models import Job, JobKind
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import DispatchOutcome, dispatch_targets
from ravensearch.errors import InvalidInput
from ravensearch.instantly.client import InstantlyClient
from ravensearch.jobs.service import job_service
from ravensearch.kit.trades import normalize_trade
from ravensearch.targets.addresses import normalize_state
from ravensearch.targets.csv_import import MAX_UPLOAD_BYTES, check_csv_header, check_size
from ravensearch.targets.flows import is_small, measure
from ravensearch.targets.schemas import ImportReport
from ravensearch.targets.service import target_service
from ravensearch.uploads.repository import UploadRepository

Enqueue = Callable[[uuid.UUID], None]
SOURCES = ("google", "yelp", "all")
# A selection up to this size is dispatched while the person waits (a few bulk calls);
# "all matching a filter" and anything larger run as a job with a progress card.
SYNC_DISPATCH_LIMIT = 1000


@dataclass(frozen=True)
class DispatchStarted:
    """Either the outcome of a dispatch done now, or the job that will do it."""

    outcome: DispatchOutcome | None = None
    job: Job | None = None


async def _launch(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    *,
    kind: JobKind,
    params: dict[str, Any],
) -> Job:
    async with unit_of_work(sessionmaker) as session:
        job = await job_service.create(session, kind=kind, params=params)
    enqueue(job.id)
    return job


def collect_params(
    *, source: str, trade: str, state: str, skip_not_open: bool = False
) -> dict[str, Any]:
    """Check and normalise what a collection asks for (raises InvalidInput with the fix)."""
    if source not in SOURCES:
        raise InvalidInput(f"Unknown source '{source}': use one of {', '.join(SOURCES)}.")
    try:
        state_code = normalize_state(state)
    except ValueError as exc:
        raise InvalidInput(str(exc).capitalize() + ".") from None
    return {
        "source": source,
        "trade": normalize_trade(trade),
        "state": state_code,
        "skip_not_open": skip_not_open,
    }


async def launch_collect(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    *,
    source: str,
    trade: str,
    state: str,
    skip_not_open: bool = False,
) -> Job:
    params = collect_params(source=source, trade=trade, state=state, skip_not_open=skip_not_open)
    return await _launch(sessionmaker, enqueue, kind=JobKind.collect, params=params)


async def launch_enrich(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    *,
    target_ids: Sequence[uuid.UUID] | None,
    limit: int | None,
) -> Job:
    params: dict[str, Any] = {
        "target_ids": [str(t) for t in target_ids] if target_ids else None,
        "limit": limit,
    }
    return await _launch(sessionmaker, enqueue, kind=JobKind.enrich, params=params)


async def launch_dispatch(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    *,
    campaign_id: uuid.UUID,
    target_ids: Sequence[uuid.UUID] | None,
    skip_if_in_other_campaign: bool | None = None,
) -> Job:
    async with unit_of_work(sessionmaker) as session:
        await campaign_service.get(session, campaign_id)  # 404 now, not a failed job later
    params: dict[str, Any] = {
        "campaign_id": str(campaign_id),
        "target_ids": [str(t) for t in target_ids] if target_ids else None,
        "skip_if_in_other_campaign": skip_if_in_other_campaign,
    }
    return await _launch(sessionmaker, enqueue, kind=JobKind.dispatch, params=params)


async def dispatch_now_or_launch(
    sessionmaker: async_sessionmaker[AsyncSession],
    instantly: InstantlyClient,
    enqueue: Enqueue,
    *,
    campaign_id: uuid.UUID,
    target_ids: Sequence[uuid.UUID],
    whole_filter: bool = False,
) -> DispatchStarted:
    """Dispatch a small selection at once; a large one (or a whole filter) as a job."""
    if whole_filter or len(target_ids) > SYNC_DISPATCH_LIMIT:
        job = await launch_dispatch(
            sessionmaker, enqueue, campaign_id=campaign_id, target_ids=target_ids
        )
        return DispatchStarted(job=job)
    outcome = await dispatch_targets(
        sessionmaker, instantly, campaign_id=campaign_id, target_ids=target_ids
    )
    return DispatchStarted(outcome=outcome)


async def launch_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    *,
    stream: BinaryIO,
    filename: str,
    rows_estimate: int,
) -> Job:
    """Store the file and its job in one transaction: once this returns, a restart resumes
    the import rather than losing it."""
    async with unit_of_work(sessionmaker) as session:
        upload = await UploadRepository(session).store(
            stream, filename=filename, rows_estimate=rows_estimate
        )
        params = {"upload_id": str(upload.id), "filename": filename[:300]}
        job = await job_service.create(session, kind=JobKind.import_csv, params=params)
    enqueue(job.id)
    return job


async def receive_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueue: Enqueue,
    stream: BinaryIO,
    *,
    filename: str,
) -> ImportReport | Job:
    """Import a small file now (its report), or store a large one and start its job.

    Raises CsvImportError (4xx) for a file too large, or unusable as a whole: a large
    file's header is checked before the job starts, not reported by it later.
    """
    size, rows = await asyncio.to_thread(measure, stream)
    if is_small(size, rows):
        content = await asyncio.to_thread(stream.read)
        async with unit_of_work(sessionmaker) as session:
            return await target_service.import_csv(session, content=content)
    check_size(size, MAX_UPLOAD_BYTES)
    await asyncio.to_thread(check_csv_header, stream)
    return await launch_import(
        sessionmaker, enqueue, stream=stream, filename=filename, rows_estimate=rows
    )
