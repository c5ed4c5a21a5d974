"""Outreach → Notifications and the header's unread badge."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup

from ravensearch.db.models import Notification, NotificationKind
from ravensearch.db.session import unit_of_work
from ravensearch.notifications.service import notification_service
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign

LIST = "/outreach/notifications"


async def seed(runtime: Runtime) -> list[uuid.UUID]:
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign = await create_campaign(session, name="HVAC — Texas")
        reply = await notification_service.create(
            session,
            kind=NotificationKind.reply,
            title="Reply from Cool Air LLC",
            body="Yes, I'm interested.",
            link="https://app.instantly.ai/app/unibox?thread=1",
            campaign_id=campaign.id,
        )
        bounce = await notification_service.create(
            session,
            kind=NotificationKind.bounce,
            title="Bounced: a@b.example",
            link="javascript:alert(1)",
        )
    return [reply.id, bounce.id]


class TestList:
    async def test_items_with_campaign_snippet_and_unibox_link(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        reply_id, _bounce_id = await seed(runtime)
        response = await admin.page(LIST)
        assert response.template.name == "outreach/notifications.html"
        page = response.context["page"]
        assert page.unread == 2
        assert response.context["unread"] == 2
        items = {item.id: item for item in page.items}
        reply = items[reply_id]
        assert (reply.kind_label, reply.campaign_name, reply.body) == (
            "Reply",
            "HVAC — Texas",
            "Yes, I'm interested.",
        )
        soup = BeautifulSoup(response.text, "html.parser")
        unibox = soup.find("a", string=lambda s: bool(s and "Open in Unibox" in s))
        assert unibox["href"] == "https://app.instantly.ai/app/unibox?thread=1"
        assert "javascript:" not in response.text  # a payload's link never becomes a script
        assert soup.select_one("#notification-badge .bell-count").text == "2"

    async def test_the_badge_says_99_plus_beyond_99(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            session.add_all(Notification(kind="reply", title=f"Reply {n}") for n in range(120))
        response = await admin.page(f"{LIST}/badge", htmx=True)
        count = BeautifulSoup(response.text, "html.parser").select_one(".bell-count")
        assert (count.text, count["data-count"]) == ("99+", "120")

    async def test_unread_filter(self, admin: AdminClient, runtime: Runtime) -> None:
        reply_id, _ = await seed(runtime)
        await admin.submit(f"{LIST}/{reply_id}/read", htmx=True)
        unread = await admin.page(f"{LIST}?show=unread")
        assert [item.title for item in unread.context["page"].items] == ["Bounced: a@b.example"]
        fragment = await admin.page(f"{LIST}?show=unread", htmx=True)
        assert fragment.template.name == "outreach/_notifications.html"


class TestMarkRead:
    async def test_one_updates_the_item_and_the_badge(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        reply_id, _ = await seed(runtime)
        response = await admin.submit(f"{LIST}/{reply_id}/read", htmx=True)
        assert response.template.name == "outreach/_notification.html"
        assert response.context["page"].item.is_read
        soup = BeautifulSoup(response.text, "html.parser")
        badge = soup.select_one('#notification-badge[hx-swap-oob="true"]')
        assert badge is not None
        assert badge.select_one(".bell-count").text == "1"
        assert soup.find("button", string="Mark read") is None

    async def test_all(self, admin: AdminClient, runtime: Runtime) -> None:
        await seed(runtime)
        response = await admin.submit(f"{LIST}/read-all", htmx=True)
        assert response.headers["hx-redirect"] == LIST
        page = await admin.page(LIST)
        assert page.context["page"].unread == 0
        assert [t.message for t in page.context["toasts"]] == ["Marked 2 notifications read."]

    async def test_unknown_is_a_404_toast(self, admin: AdminClient) -> None:
        response = await admin.submit(f"{LIST}/{uuid.uuid4()}/read", htmx=True)
        assert response.status_code == 404
        assert "does not exist" in response.text

    async def test_viewer_sees_but_cannot_mark(self, viewer: AdminClient, runtime: Runtime) -> None:
        reply_id, _ = await seed(runtime)
        page = await viewer.page(LIST)
        button = BeautifulSoup(page.text, "html.parser").find("button", string="Mark read")
        assert button is not None
        assert button.has_attr("disabled")
        assert (await viewer.submit(f"{LIST}/{reply_id}/read", htmx=True)).status_code == 403


async def test_badge_fragment_polls_the_count(admin: AdminClient, runtime: Runtime) -> None:
    empty = await admin.page(f"{LIST}/badge", htmx=True)
    assert empty.template.name == "_badge.html"
    assert empty.context["page"].unread == 0
    await seed(runtime)
    badge = BeautifulSoup((await admin.page(f"{LIST}/badge", htmx=True)).text, "html.parser")
    link = badge.select_one("#notification-badge")
    assert link["aria-label"] == "Notifications: 2 unread"
    assert link["hx-trigger"].startswith("every 2s")
