"""Run one job row to completion: the async body behind the Huey task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from ravensearch.db.models import JobKind, JobState
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import dispatch_targets
from ravensearch.errors import RavensearchError, UpstreamError
from ravensearch.jobs.service import MAX_ERRORS_KEPT, JobTracker, job_service
from ravensearch.runtime import Runtime

log = logging.getLogger(__name__)


@asynccontextmanager
async def _ticking(tracker: JobTracker) -> AsyncIterator[None]:
    """Flush progress twice a second while the job runs (callbacks only touch memory)."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(tracker.interval)
            with contextlib.suppress(Exception):
                await tracker.flush(force=True)

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _plain(report: object) -> dict[str, Any]:
    if is_dataclass(report) and not isinstance(report, type):
        return {k: v for k, v in asdict(report).items() if isinstance(v, int | float | str)}
    return {}


def _waiting(provider: str | None, until: datetime | None, why: str | None = "quota") -> str:
    if provider is None or until is None:
        return ""
    if why == "outage":
        return (
            f"waiting for {provider.capitalize()} to answer again (server errors)"
            f" until {until:%H:%M:%S} UTC"
        )
    return f"waiting for {provider.capitalize()} quota until {until:%H:%M:%S} UTC"


async def execute_job(runtime: Runtime, job_id: uuid.UUID) -> JobState:
    """Run the job unless it already finished; returns its final state. Safe to repeat."""
    async with unit_of_work(runtime.sessionmaker) as session:
        job = await job_service.get(session, job_id)
        if job.state in (JobState.succeeded, JobState.failed):
            return JobState(job.state)
        kind, params = job.kind, dict(job.params)
    tracker = JobTracker(runtime.sessionmaker, job_id)
    await tracker.start()
    try:
        async with _ticking(tracker):
            report = await _run(runtime, kind, params, tracker)
    except RavensearchError as exc:
        tracker.error(exc.message)
        await tracker.finish(state=JobState.failed, message=exc.message)
        return JobState.failed
    except Exception as exc:
        log.exception("jobs.failed job_id=%s kind=%s", job_id, kind)
        tracker.error(f"{type(exc).__name__}: {exc}")
        await tracker.finish(state=JobState.failed, message="The job failed; see errors.")
        return JobState.failed
    tracker.counts.update(_plain(report))
    # A run that stopped early on its own (a spent daily quota) says why.
    stopped = getattr(report, "stopped", None)
    await tracker.finish(state=JobState.succeeded, message=stopped or None)
    return JobState.succeeded


async def _run(runtime: Runtime, kind: str, params: dict[str, Any], tracker: JobTracker) -> object:
    # Imported per kind: a worker only loads the provider and crawler code its jobs need.
    if kind == JobKind.collect:
        from ravensearch.sources.flows import collect

        if runtime.sources is None:
            raise RavensearchError("Collection is not configured in this process.")
        collected = await collect(
            runtime.sessionmaker,
            runtime.sources,
            source=params["source"],
            trade=params["trade"],
            state=params["state"],
            skip_not_open=bool(params.get("skip_not_open")),
            on_progress=lambda p: tracker.progress(
                p.tiles_done,
                p.tiles_total,
                new_targets=p.new_targets,
                merged=p.merged,
                waiting=_waiting(p.waiting_for, p.waiting_until, p.waiting_why),
            ),
        )
        for error in collected.tile_errors:
            tracker.error(error)
        return collected
    if kind == JobKind.enrich:
        from ravensearch.enrichment.flows import enrich_targets

        if runtime.enricher is None:
            raise RavensearchError("Enrichment is not configured in this process.")
        ids = [uuid.UUID(i) for i in params.get("target_ids") or []] or None
        return await enrich_targets(
            runtime.sessionmaker,
            runtime.enricher,
            target_ids=ids,
            limit=params.get("limit"),
            on_progress=lambda done, total: tracker.progress(done, total),
        )
    if kind == JobKind.dispatch:
        target_ids = params.get("target_ids")
        outcome = await dispatch_targets(
            runtime.sessionmaker,
            runtime.instantly,
            campaign_id=uuid.UUID(params["campaign_id"]),
            target_ids=[uuid.UUID(i) for i in target_ids] if target_ids else None,
            skip_if_in_other_campaign=params.get("skip_if_in_other_campaign"),
            on_progress=lambda n: tracker.progress(tracker.done + n),
        )
        # Why targets were left out or refused, for the result summary (the job page).
        skipped = Counter(str(reason) for _target, reason in outcome.recorded.skipped)
        rejected = Counter(str(reason) for _target, reason in outcome.push.rejected)
        tracker.progress(
            tracker.done,
            recorded=outcome.recorded.recorded,
            skipped=dict(skipped),
            rejected=dict(rejected),
        )
        if outcome.push.error:
            # The rows stay pending and the sweep pushes them once Instantly answers again.
            raise UpstreamError(
                f"{outcome.push.error} {outcome.push.pending} dispatch(es) pending."
            )
        return outcome.push
    if kind == JobKind.import_csv:
        from ravensearch.targets.flows import import_upload

        report = await import_upload(
            runtime.sessionmaker,
            uuid.UUID(params["upload_id"]),
            on_progress=lambda done, total, so_far: tracker.progress(
                done,
                total,
                imported=so_far.imported,
                updated=so_far.updated,
                skipped=so_far.skipped,
                encoding=so_far.encoding,
            ),
        )
        for row in report.errors[:MAX_ERRORS_KEPT]:
            tracker.error(f"Line {row.line}: {row.reason}")
        return None
    raise RavensearchError(f"Unknown job kind '{kind}'.")
