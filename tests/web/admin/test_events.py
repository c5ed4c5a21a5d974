"""Settings → Webhook events: counts by state, failed events paged, retry one or all (admins
only, audited)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from ravensearch.db.models import AuditEntry, EventState, WebhookEvent
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from tests.events.helpers import store_events
from tests.fixtures.admin import AdminClient

URL = "/settings/events"


async def event_states(runtime: Runtime) -> dict[uuid.UUID, str]:
    async with runtime.sessionmaker() as session:
        return dict((await session.execute(select(WebhookEvent.id, WebhookEvent.state))).all())


async def audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at))
        return [(a.action, a.subject, a.user_email) for a in rows]


class TestPage:
    async def test_counts_and_failed_rows(self, viewer: AdminClient, runtime: Runtime) -> None:
        await store_events(runtime.sessionmaker, EventState.applied, 2)
        [failed] = await store_events(
            runtime.sessionmaker,
            EventState.failed,
            error="ValueError: not an email",
            attempts=3,
            event_type="email_bounced",
            instantly_campaign_id="0199e9d9-cc23-785a-a736-aaa9cabece0f",
            lead_email="pat@acme.example",
        )
        response = await viewer.page(URL)
        assert response.template.name == "settings/events.html"
        page = response.context["page"]
        assert {c.state: c.count for c in page.counts} == {
            "pending": 0,
            "applied": 2,
            "unmatched": 0,
            "foreign": 0,
            "ignored": 0,
            "failed": 1,
        }
        [row] = page.failed
        assert (row.id, row.event_type, row.lead_email, row.attempts) == (
            failed,
            "email_bounced",
            "pat@acme.example",
            3,
        )
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one('[data-stat="applied"] .stat-value').text == "2"
        cells = [td.text.strip() for td in soup.select(f'tr[data-event="{failed}"] td')]
        assert cells[1:6] == [
            "email_bounced",
            "0199e9d9-cc23-785a-a736-aaa9cabece0f",
            "pat@acme.example",
            "ValueError: not an email",
            "3",
        ]
        buttons = [soup.find("button", string=label) for label in ("Retry", "Retry all failed")]
        assert all(b is not None and b.has_attr("disabled") for b in buttons)

    async def test_paged_fragment(self, admin: AdminClient, runtime: Runtime) -> None:
        now = utcnow()
        for minutes in range(51):
            await store_events(
                runtime.sessionmaker,
                EventState.failed,
                received_at=now - timedelta(minutes=minutes),
            )
        first = await admin.page(URL)
        assert len(first.context["page"].failed) == 50
        second = await admin.page(f"{URL}?page=2", htmx=True)
        assert second.template.name == "settings/_failed_events.html"
        [oldest] = second.context["page"].failed
        assert oldest.id not in {e.id for e in first.context["page"].failed}

    async def test_linked_from_settings(self, viewer: AdminClient) -> None:
        soup = BeautifulSoup((await viewer.page("/settings")).text, "html.parser")
        assert soup.select_one("#webhook-events-link")["href"] == URL


class TestRetry:
    async def test_viewer_gets_403_and_nothing_changes(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        [failed] = await store_events(runtime.sessionmaker, EventState.failed, error="boom")
        await viewer.page(URL)
        one = await viewer.submit(f"{URL}/{failed}/retry", htmx=True)
        every = await viewer.submit(f"{URL}/retry-failed")
        assert (one.status_code, every.status_code) == (403, 403)
        assert await event_states(runtime) == {failed: "failed"}
        assert await audit(runtime) == []

    async def test_admin_retries_one_audited(self, admin: AdminClient, runtime: Runtime) -> None:
        first, second = await store_events(runtime.sessionmaker, EventState.failed, 2)
        await admin.page(URL)
        response = await admin.submit(f"{URL}/{first}/retry", htmx=True)
        assert response.headers["hx-redirect"] == URL
        assert await event_states(runtime) == {first: "pending", second: "failed"}
        [(action, subject, email)] = await audit(runtime)
        assert (action, subject) == ("webhook_event.retried", str(first))
        assert (email or "").startswith("admin-")
        page = await admin.page(URL)
        assert [e.id for e in page.context["page"].failed] == [second]
        assert "sent back to be applied" in page.text  # the toast, through the redirect

    async def test_retrying_an_event_no_longer_failed_is_a_409(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        [applied] = await store_events(runtime.sessionmaker, EventState.applied)
        await admin.page(URL)
        response = await admin.submit(f"{URL}/{applied}/retry", htmx=True)
        assert response.status_code == 409
        assert await event_states(runtime) == {applied: "applied"}
        assert await audit(runtime) == []

    async def test_retry_all_then_the_applier_takes_them(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        failed = await store_events(runtime.sessionmaker, EventState.failed, 3, raw_body="[]")
        [unmatched] = await store_events(runtime.sessionmaker, EventState.unmatched)
        await admin.page(URL)
        response = await admin.submit(f"{URL}/retry-failed")  # a plain form, no HTMX
        assert (response.status_code, response.headers["location"]) == (303, URL)
        assert await event_states(runtime) == {
            **dict.fromkeys(failed, "pending"),
            unmatched: "unmatched",
        }
        assert [(a, s) for a, s, _ in await audit(runtime)] == [
            ("webhook_events.retried_all", "failed")
        ]
        await runtime.events.drain()
        # Taken again: a body that is not a JSON object can never apply, so they end ignored.
        assert await event_states(runtime) == {
            **dict.fromkeys(failed, "ignored"),
            unmatched: "unmatched",
        }
