"""Outreach → Recruiting pipeline: technicians who replied, by stage (a board, or a table),
and moving one by hand (refused needs a reason). Instantly's interest events move them too
(`pipeline/service.py`)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from ravensearch.db.session import unit_of_work
from ravensearch.pipeline.service import (
    STAGE_LABELS,
    PipelineError,
    RefusalReasonRequired,
    pipeline_service,
)
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.pipeline_pages import MoveErrors, move_form_page, pipeline_page
from ravensearch.web.admin.responses import HXRedirectResponse, is_htmx
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/outreach/pipeline")

PAGE = "outreach/pipeline.html"
FRAGMENT = "outreach/_pipeline.html"
# The page's own query parameters, sent back by each move form (as `back_<name>`, apart from
# the move's own fields) so the page re-renders as it was.
_KEPT = ("view", "stage", "q", "page")


@router.get("", name="pipeline:index")
async def pipeline_index(
    request: Request,
    _user: CurrentUser,
    session: SessionDep,
    page: PageQuery = 1,
) -> Response:
    context = await pipeline_page(session, request.query_params, page=page)
    return await render(request, PAGE, context, fragment=FRAGMENT)


@router.get("/{target_id}/move", name="pipeline:move-form")
async def move_form(
    request: Request, target_id: uuid.UUID, _user: AdminUser, session: SessionDep
) -> Response:
    """A board card's move form (cards carry only a button: 140 forms cost the board
    more than the rest of it)."""
    context = await move_form_page(session, target_id)
    return await render(request, "outreach/_move_form_slot.html", context)


@router.post("/{target_id}/move", name="pipeline:move")
async def move_technician(
    request: Request, target_id: uuid.UUID, user: AdminUser, runtime: RuntimeDep
) -> Response:
    form = await read_form(request)
    kept = {key: form[f"back_{key}"] for key in _KEPT if form.get(f"back_{key}")}
    page = int(kept["page"]) if kept.get("page", "").isdigit() else 1
    try:
        async with unit_of_work(runtime.sessionmaker) as session:
            move = await pipeline_service.move(
                session,
                target_id,
                form.get("stage", ""),
                reason=form.get("reason"),
                note=form.get("note"),
                user=user,
            )
    except PipelineError as exc:
        field = "reason" if isinstance(exc, RefusalReasonRequired) else "stage"
        errors = MoveErrors(
            target_id, {field: exc.message}, form.get("stage", ""), form.get("reason", "")
        )
        async with unit_of_work(runtime.sessionmaker) as session:
            context = await pipeline_page(session, kept, page=page, move_errors=errors)
        return await render(request, PAGE, context, fragment=FRAGMENT, status_code=422)
    if move is None:
        add_toast(request, "Nothing changed: they are already there.", "info")
    else:
        add_toast(request, f"Moved to {STAGE_LABELS.get(move.to_stage, move.to_stage)}.")
    if not is_htmx(request):
        url = str(request.app.url_path_for("pipeline:index"))
        return HXRedirectResponse(request, f"{url}?{urlencode(kept)}" if kept else url)
    async with unit_of_work(runtime.sessionmaker) as session:
        context = await pipeline_page(session, kept, page=page)
    return await render(request, PAGE, context, fragment=FRAGMENT)
