"""Settings → Webhook events: how many stored events are in each state, and the failed ones,
which admins can send back to the applier (one, or all); each retry is in the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from ravensearch.audit.service import audit_service
from ravensearch.db.models import EventState, User
from ravensearch.db.session import unit_of_work
from ravensearch.errors import Conflict
from ravensearch.events.records import FailedEvent
from ravensearch.events.service import events_service
from ravensearch.runtime import Runtime
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.paging import Pager
from ravensearch.web.admin.responses import HXRedirectResponse
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/settings/events")

RETRIED_ACTION = "webhook_event.retried"
RETRIED_ALL_ACTION = "webhook_events.retried_all"


@dataclass(frozen=True)
class StateCount:
    state: str
    count: int


@dataclass(frozen=True)
class EventsPage:
    counts: list[StateCount]  # every state, zeros included
    failed: list[FailedEvent]
    pager: Pager


@router.get("", name="events:index")
async def events_page(
    request: Request,
    _user: CurrentUser,
    session: SessionDep,
    page: PageQuery = 1,
) -> Response:
    by_state = await events_service.count_by_state(session)
    pager = Pager.of(page, by_state.get(EventState.failed, 0))
    failed = await events_service.list_failed(session, limit=pager.per_page, offset=pager.offset)
    counts = [StateCount(state.value, by_state.get(state, 0)) for state in EventState]
    context = EventsPage(counts, failed, pager)
    return await render(
        request, "settings/events.html", context, fragment="settings/_failed_events.html"
    )


@router.post("/retry-failed", name="events:retry-all")
async def retry_all(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    count = await _requeue(runtime, user, None)
    add_toast(request, f"{count} failed event{'' if count == 1 else 's'} sent back to be applied.")
    return HXRedirectResponse(request, str(request.app.url_path_for("events:index")))


@router.post("/{event_id}/retry", name="events:retry")
async def retry(
    request: Request, event_id: uuid.UUID, user: AdminUser, runtime: RuntimeDep
) -> Response:
    if not await _requeue(runtime, user, event_id):
        raise Conflict("This event is not failed any more (retried already?). Reload the page.")
    add_toast(request, "The event was sent back to be applied.")
    return HXRedirectResponse(request, str(request.app.url_path_for("events:index")))


async def _requeue(runtime: Runtime, user: User, event_id: uuid.UUID | None) -> int:
    """Requeue one failed event (or all), audited, committed before the applier is woken."""
    async with unit_of_work(runtime.sessionmaker) as session:
        count = await events_service.requeue_failed(
            session, event_ids=None if event_id is None else [event_id]
        )
        if count:
            action, subject = (
                (RETRIED_ALL_ACTION, "failed")
                if event_id is None
                else (RETRIED_ACTION, str(event_id))
            )
            await audit_service.record(
                session, action=action, subject=subject, user=user, detail=f"{count} event(s)"
            )
    if count:
        runtime.events.wake()
    return count
