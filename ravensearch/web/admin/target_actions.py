"""What the Targets tab's buttons do: collect, import, enrich and dispatch, each a call into
the domain (jobs/launch, dispatch/flows, targets/service), plus the contexts of their results."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, field_validator
from starlette.datastructures import FormData, UploadFile

from ravensearch.db.models import REJECT_REASON_TEXT
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput, RavensearchError
from ravensearch.jobs import launch
from ravensearch.jobs.launch import Enqueue, receive_import
from ravensearch.kit.trades import normalize_trade
from ravensearch.runtime import Runtime
from ravensearch.targets.addresses import normalize_state
from ravensearch.targets.csv_import import CsvImportError
from ravensearch.targets.schemas import ImportReport, TargetFilters
from ravensearch.targets.service import target_service
from ravensearch.web.admin.forms import validate_form
from ravensearch.web.admin.job_cards import JobView, SkipGroup, load_job, skip_groups
from ravensearch.web.admin.target_pages import CollectForm, parse_filters

MAX_SELECTION = 100_000
MAX_ROW_ERRORS_SHOWN = 100


class SelectionError(InvalidInput):
    status_code = 422
    error = "invalid_selection"


class CollectRequestForm(BaseModel):
    source: str = "all"
    trade: str = ""
    state: str = ""
    skip_not_open: bool = False  # an unticked checkbox is not posted at all

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value not in launch.SOURCES:
            raise ValueError("Choose Google, Yelp or both.")
        return value

    @field_validator("trade")
    @classmethod
    def _trade(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Choose a trade.")
        try:
            return normalize_trade(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("state")
    @classmethod
    def _state(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Choose a state.")
        try:
            return normalize_state(value)
        except ValueError as exc:
            message = str(exc)
            raise ValueError(message[:1].upper() + message[1:] + ".") from None


async def start_collect(
    runtime: Runtime, enqueue: Enqueue, data: dict[str, str]
) -> tuple[CollectForm, JobView | None]:
    """Start a collect job; the form as it should show next, and the job's card (None with
    the form's inline errors)."""
    form, errors = validate_form(CollectRequestForm, data)
    if form is None:
        shown = CollectForm(
            data.get("source", "all"),
            data.get("trade", ""),
            data.get("state", ""),
            skip_not_open=bool(data.get("skip_not_open")),
            errors=errors,
        )
        return shown, None
    job = await launch.launch_collect(
        runtime.sessionmaker,
        enqueue,
        source=form.source,
        trade=form.trade,
        state=form.state,
        skip_not_open=form.skip_not_open,
    )
    async with unit_of_work(runtime.sessionmaker) as session:
        view = await load_job(session, job.id)
    return CollectForm(form.source, form.trade, form.state, form.skip_not_open), view


@dataclass(frozen=True)
class Selection:
    """Rows ticked in the table, or every target matching the table's filters."""

    target_ids: list[uuid.UUID]
    all_matching: bool
    filters: TargetFilters
    campaign_id: str


def read_selection(form: FormData) -> Selection:
    ids: list[uuid.UUID] = []
    for value in form.getlist("target_id"):
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # a tampered value selects nothing
    text = {key: value for key, value in form.items() if isinstance(value, str)}
    filters, _form = parse_filters(text)
    return Selection(
        target_ids=list(dict.fromkeys(ids)),
        all_matching=text.get("all_matching") == "1",
        filters=filters,
        campaign_id=text.get("campaign_id", "").strip(),
    )


async def resolve_ids(runtime: Runtime, selection: Selection, *, verb: str) -> list[uuid.UUID]:
    """The ids the selection stands for; raises SelectionError when there are none."""
    ids = selection.target_ids
    if selection.all_matching:
        async with unit_of_work(runtime.sessionmaker) as session:
            ids = list(
                await target_service.matching_ids(
                    session, filters=selection.filters, limit=MAX_SELECTION + 1
                )
            )
        if len(ids) > MAX_SELECTION:
            raise SelectionError(
                f"More than {MAX_SELECTION:,} technicians match: narrow the filter first."
            )
    if not ids:
        raise SelectionError(
            f"Select the technicians to {verb} (tick rows, or “Select all matching”)."
        )
    return ids


@dataclass(frozen=True)
class DispatchSummary:
    campaign_id: uuid.UUID
    campaign_name: str
    selected: int
    recorded: int
    pushed: int
    pending: int
    skipped: tuple[SkipGroup, ...]
    error: str | None
    rejected: tuple[SkipGroup, ...] = ()
    channel: str = "instantly"

    @property
    def skipped_total(self) -> int:
        return sum(group.count for group in self.skipped)


@dataclass(frozen=True)
class ActionResult:
    """What the selection bar shows after Dispatch or Enrich."""

    summary: DispatchSummary | None = None
    job: JobView | None = None
    error: str | None = None


def _campaign_id(value: str) -> uuid.UUID:
    if not value:
        raise SelectionError("Choose the campaign to dispatch to.")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise SelectionError("Choose the campaign to dispatch to.") from None


async def dispatch_selection(
    runtime: Runtime, enqueue: Enqueue, selection: Selection
) -> ActionResult:
    """Dispatch the selection: at once while small, else as a job (jobs/launch.py decides).

    Raises SelectionError (nothing selected, no campaign) or CampaignNotFound.
    """
    campaign_id = _campaign_id(selection.campaign_id)
    ids = await resolve_ids(runtime, selection, verb="dispatch")
    started = await launch.dispatch_now_or_launch(
        runtime.sessionmaker, runtime.instantly, enqueue,
        campaign_id=campaign_id, target_ids=ids, whole_filter=selection.all_matching,
    )  # fmt: skip
    if started.job is not None:
        async with unit_of_work(runtime.sessionmaker) as session:
            return ActionResult(job=await load_job(session, started.job.id))
    assert started.outcome is not None
    outcome = started.outcome
    reasons = Counter(str(reason) for _target, reason in outcome.recorded.skipped)
    summary = DispatchSummary(
        campaign_id=campaign_id,
        campaign_name=outcome.campaign_name,
        selected=len(ids),
        recorded=outcome.recorded.recorded,
        pushed=outcome.push.pushed,
        pending=outcome.push.pending,
        skipped=skip_groups(reasons),
        error=outcome.push.error,
        channel=outcome.channel,
        rejected=tuple(
            SkipGroup(reason, REJECT_REASON_TEXT[reason], count)
            for reason, count in Counter(str(r) for _t, r in outcome.push.rejected).items()
        ),
    )
    return ActionResult(summary=summary)


async def enrich_selection(
    runtime: Runtime, enqueue: Enqueue, selection: Selection
) -> ActionResult:
    ids = await resolve_ids(runtime, selection, verb="enrich")
    job = await launch.launch_enrich(runtime.sessionmaker, enqueue, target_ids=ids, limit=None)
    async with unit_of_work(runtime.sessionmaker) as session:
        return ActionResult(job=await load_job(session, job.id))


@dataclass(frozen=True)
class ImportResult:
    filename: str = ""
    report: ImportReport | None = None
    job: JobView | None = None
    error: str | None = None
    status_code: int = 200
    shown_errors: list[Any] = field(default_factory=list)

    @property
    def hidden_errors(self) -> int:
        return len(self.report.errors) - len(self.shown_errors) if self.report else 0


async def import_upload(runtime: Runtime, enqueue: Enqueue, form: FormData) -> ImportResult:
    """Import the uploaded CSV (a large one as a job, shown as its card); bad rows are
    listed by line, a bad file is one message."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return ImportResult(error="Choose a CSV file to import.", status_code=422)
    try:
        result = await receive_import(
            runtime.sessionmaker, enqueue, upload.file, filename=upload.filename
        )
    except CsvImportError as exc:
        return ImportResult(upload.filename, error=exc.message, status_code=exc.status_code)
    if not isinstance(result, ImportReport):
        async with unit_of_work(runtime.sessionmaker) as session:
            return ImportResult(upload.filename, job=await load_job(session, result.id))
    shown = list(result.errors[:MAX_ROW_ERRORS_SHOWN])
    return ImportResult(upload.filename, result, shown_errors=shown)


def action_error(exc: RavensearchError) -> ActionResult:
    return ActionResult(error=exc.message)
