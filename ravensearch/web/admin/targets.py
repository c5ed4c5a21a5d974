"""Outreach → Targets: the technicians table (filters, search, pages), Collect Technicians,
CSV import and export, Enrich, and Dispatch to Campaign with its result summary.

Job cards (collect, enrich, large dispatches) poll `targets:job` every second while the job
runs; when it ends the card tells the table to reload (`CHANGED_EVENT`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse

from ravensearch.errors import RavensearchError
from ravensearch.jobs.launch import Enqueue
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.targets.csv_export import export_csv
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.job_cards import load_job
from ravensearch.web.admin.responses import HXRedirectResponse, is_htmx
from ravensearch.web.admin.target_actions import (
    ActionResult,
    Selection,
    action_error,
    dispatch_selection,
    enrich_selection,
    import_upload,
    read_selection,
    start_collect,
)
from ravensearch.web.admin.target_pages import CollectSection, parse_filters, targets_page
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/outreach/targets")

PAGE = "outreach/targets.html"
TABLE = "outreach/_targets_table.html"
# Sent when targets changed (a job ended, an import or a dispatch): the table reloads on it.
CHANGED_EVENT = "targets-changed"
_CHANGED = {"HX-Trigger": CHANGED_EVENT}


def get_enqueue(request: Request) -> Enqueue:
    enqueue: Enqueue = request.app.state.enqueue
    return enqueue


EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]


def _list_url(request: Request) -> str:
    return str(request.app.url_path_for("targets:list"))


@router.get("", name="targets:list")
async def list_targets(
    request: Request, _user: CurrentUser, session: SessionDep, page: PageQuery = 1
) -> Response:
    query = request.query_params
    context = await targets_page(session, query, page=page, full=not is_htmx(request))
    return await render(request, PAGE, context, fragment=TABLE)


@router.get("/export.csv", name="targets:export")
async def export_targets(request: Request, _user: CurrentUser, runtime: RuntimeDep) -> Response:
    """The current filter's targets as CSV, streamed page by page (any size)."""
    filters, _form = parse_filters(request.query_params)
    name = f"ravensearch-targets-{utcnow():%Y-%m-%d}.csv"
    return StreamingResponse(
        export_csv(runtime.sessionmaker, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/collect", name="targets:collect")
async def collect(
    request: Request, _user: AdminUser, runtime: RuntimeDep, enqueue: EnqueueDep
) -> Response:
    form, job = await start_collect(runtime, enqueue, await read_form(request))
    if job is not None:
        add_toast(request, "Collecting technicians: the card below follows its progress.")
        if not is_htmx(request):
            return HXRedirectResponse(request, _list_url(request))
    section = CollectSection(form=form, job=job)
    if is_htmx(request):
        status = 200 if job else 422
        return await render(request, "outreach/_collect_form.html", section, status_code=status)
    async with runtime.sessionmaker() as session:
        context = await targets_page(session, {}, page=1, full=True)
    return await render(request, PAGE, replace(context, collect=section), status_code=422)


@router.get("/jobs/{job_id}", name="targets:job")
async def job_card(
    request: Request, job_id: uuid.UUID, _user: CurrentUser, session: SessionDep
) -> Response:
    """A job's card; `?active=1` (a card that was polling) hears when the job ended."""
    view = await load_job(session, job_id)
    ended = request.query_params.get("active") == "1" and not view.is_active
    return await render(request, "outreach/_job.html", view, headers=_CHANGED if ended else None)


async def _action(request: Request, result: ActionResult, status: int) -> Response:
    headers = _CHANGED if result.summary is not None else None
    return await render(
        request,
        "outreach/targets_action.html",
        result,
        fragment="outreach/_action_result.html",
        status_code=status,
        headers=headers,
    )


async def _act_on_selection(
    request: Request,
    act: Callable[[Runtime, Enqueue, Selection], Awaitable[ActionResult]],
    runtime: Runtime,
    enqueue: Enqueue,
) -> Response:
    """Run `act` on the selection the form names; its result (or error) replaces the panel."""
    selection = read_selection(await request.form())
    try:
        result = await act(runtime, enqueue, selection)
    except RavensearchError as exc:
        return await _action(request, action_error(exc), exc.status_code)
    return await _action(request, result, 200)


@router.post("/dispatch", name="targets:dispatch")
async def dispatch(
    request: Request, _user: AdminUser, runtime: RuntimeDep, enqueue: EnqueueDep
) -> Response:
    """Dispatch to Campaign: the ticked rows (at once), or all matching the filter (a job)."""
    return await _act_on_selection(request, dispatch_selection, runtime, enqueue)


@router.post("/enrich", name="targets:enrich")
async def enrich(
    request: Request, _user: AdminUser, runtime: RuntimeDep, enqueue: EnqueueDep
) -> Response:
    return await _act_on_selection(request, enrich_selection, runtime, enqueue)


@router.post("/import", name="targets:import")
async def import_targets(
    request: Request, _user: AdminUser, runtime: RuntimeDep, enqueue: EnqueueDep
) -> Response:
    result = await import_upload(runtime, enqueue, await request.form())
    changed = result.report is not None and (result.report.imported + result.report.updated) > 0
    return await render(
        request,
        "outreach/targets_import.html",
        result,
        fragment="outreach/_import_result.html",
        status_code=result.status_code,
        headers=_CHANGED if changed else None,
    )
