from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ravensearch.notifications.schemas import NotificationList, NotificationRead
from ravensearch.notifications.service import notification_service
from ravensearch.web.deps import OffsetQuery, SessionDep, TokenDep

router = APIRouter(prefix="/notifications", tags=["notifications"])

_ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "Missing or invalid API token"}}


@router.get("", response_model=NotificationList, responses=_ERRORS)
async def list_notifications(
    session: SessionDep,
    _token: TokenDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Any:
    """Newest first, with the number of unread notifications."""
    items = await notification_service.list(session, unread_only=unread, limit=limit, offset=offset)
    return {"items": items, "unread": await notification_service.unread_count(session)}


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    responses={**_ERRORS, 404: {"description": "Unknown notification"}},
)
async def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, _token: TokenDep
) -> Any:
    return await notification_service.mark_read(session, notification_id)
