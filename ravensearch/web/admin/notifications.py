"""Outreach → Notifications: replies, bounces and account errors; the header's unread badge."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.db.models import Notification, NotificationKind
from ravensearch.notifications.service import notification_service
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.paging import Pager
from ravensearch.web.admin.responses import HXRedirectResponse, is_htmx
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, SessionDep

router = admin_router(prefix="/outreach/notifications")

# Where a reply without its own thread link can still be read.
UNIBOX_URL = "https://app.instantly.ai/app/unibox"
KIND_LABELS = {
    NotificationKind.reply: "Reply",
    NotificationKind.bounce: "Bounce",
    NotificationKind.unsubscribe: "Unsubscribe",
    NotificationKind.account_error: "Account error",
    NotificationKind.campaign_completed: "Campaign completed",
    NotificationKind.interest: "Interest",
}


@dataclass(frozen=True)
class NotificationItem:
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    body: str | None
    link: str | None
    campaign_id: uuid.UUID | None
    campaign_name: str | None
    created_at: datetime
    is_read: bool

    @classmethod
    def of(cls, notification: Notification, campaign_name: str | None) -> NotificationItem:
        link = notification.link
        if link is None and notification.kind == NotificationKind.reply:
            link = UNIBOX_URL
        return cls(
            id=notification.id,
            kind=notification.kind,
            kind_label=KIND_LABELS.get(notification.kind, notification.kind.replace("_", " ")),  # type: ignore[call-overload]
            title=notification.title,
            body=notification.body,
            link=link,
            campaign_id=notification.campaign_id,
            campaign_name=campaign_name,
            created_at=notification.created_at,
            is_read=notification.read_at is not None,
        )


@dataclass(frozen=True)
class NotificationsPage:
    items: list[NotificationItem]
    pager: Pager
    show: str  # "all" or "unread"
    unread: int


@dataclass(frozen=True)
class NotificationFragment:
    """One item after "Mark read", with the new count for the badge (out of band)."""

    item: NotificationItem
    unread: int


@dataclass(frozen=True)
class Badge:
    unread: int


async def _items(session: AsyncSession, rows: Sequence[Notification]) -> list[NotificationItem]:
    names = await CampaignRepository(session).names_by_id(
        {r.campaign_id for r in rows if r.campaign_id}
    )
    return [
        NotificationItem.of(r, names.get(r.campaign_id) if r.campaign_id else None) for r in rows
    ]


@router.get("", name="notifications:list")
async def list_notifications(
    request: Request,
    _user: CurrentUser,
    session: SessionDep,
    show: Literal["all", "unread"] = "all",
    page: PageQuery = 1,
) -> Response:
    unread_only = show == "unread"
    pager = Pager.of(page, await notification_service.count(session, unread_only=unread_only))
    rows = await notification_service.list(
        session, unread_only=unread_only, limit=pager.per_page, offset=pager.offset
    )
    unread = await notification_service.unread_count(session)
    context = NotificationsPage(await _items(session, rows), pager, show, unread)
    return await render(
        request, "outreach/notifications.html", context, fragment="outreach/_notifications.html"
    )


@router.get("/badge", name="notifications:badge")
async def badge(request: Request, _user: CurrentUser, session: SessionDep) -> Response:
    return await render(
        request, "_badge.html", Badge(await notification_service.unread_count(session))
    )


@router.post("/read-all", name="notifications:read-all")
async def mark_all_read(request: Request, _user: AdminUser, session: SessionDep) -> Response:
    count = await notification_service.mark_all_read(session)
    add_toast(request, f"Marked {count} notification{'' if count == 1 else 's'} read.")
    return HXRedirectResponse(request, str(request.app.url_path_for("notifications:list")))


@router.post("/{notification_id}/read", name="notifications:read")
async def mark_read(
    request: Request, notification_id: uuid.UUID, _user: AdminUser, session: SessionDep
) -> Response:
    notification = await notification_service.mark_read(session, notification_id)
    if not is_htmx(request):
        return HXRedirectResponse(request, str(request.app.url_path_for("notifications:list")))
    item = (await _items(session, [notification]))[0]
    fragment = NotificationFragment(item, await notification_service.unread_count(session))
    return await render(request, "outreach/_notification.html", fragment)
