from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.db.engine import create_engine
from ravensearch.db.models import (
    Campaign,
    Dispatch,
    EventState,
    Notification,
    Suppression,
    WebhookEvent,
)
from ravensearch.db.session import unit_of_work
from ravensearch.events.applier import ApplierThread
from ravensearch.events.service import events_service
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.kit.clock import as_utc
from ravensearch.runtime import Runtime
from ravensearch.suppressions.flows import push_waiting
from ravensearch.suppressions.service import suppression_service
from ravensearch.web import webhooks
from ravensearch.web.app import create_app
from ravensearch.web.background import start_background
from tests.events.helpers import Lead, Sessionmaker, event, load, seed_lead, states
from tests.fixtures.factories import (
    create_campaign,
    create_dispatch,
    create_target,
    instantly_event,
)
from tests.fixtures.web import WEBHOOK_SECRET

URL = "/api/webhooks/instantly"
AUTH = {"X-Webhook-Secret": WEBHOOK_SECRET}
T = "2026-11-27T10:00:00.000Z"


async def post(http: httpx.AsyncClient, payload: Any, **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", AUTH)
    return await http.post(URL, content=json.dumps(payload).encode(), headers=headers, **kw)


async def count_events(sessionmaker: Sessionmaker) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


async def counters(sessionmaker: Sessionmaker, campaign_id: Any) -> dict[str, int]:
    campaign = await load(sessionmaker, Campaign, campaign_id)
    names = ["emails_sent", "emails_opened", "emails_clicked", "replies_received"]
    names += ["emails_bounced", "unsubscribed", "total_targets"]
    return {name: getattr(campaign, name) for name in names}


async def notifications(sessionmaker: Sessionmaker) -> list[Notification]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Notification))).all())


@pytest.fixture
async def lead(runtime: Runtime) -> Lead:
    return await seed_lead(runtime.sessionmaker)


class TestEventTypes:
    @pytest.mark.parametrize(
        ("event_type", "field", "status", "counter"),
        [
            ("email_sent", "sent_at", "sent", "emails_sent"),
            ("email.sent", "sent_at", "sent", "emails_sent"),
            ("email_opened", "opened_at", "opened", "emails_opened"),
            ("email.opened", "opened_at", "opened", "emails_opened"),
            ("link_clicked", "clicked_at", "clicked", "emails_clicked"),
            ("email_link_clicked", "clicked_at", "clicked", "emails_clicked"),
            ("email.clicked", "clicked_at", "clicked", "emails_clicked"),
            ("reply_received", "replied_at", "replied", "replies_received"),
            ("email.replied", "replied_at", "replied", "replies_received"),
            ("auto_reply_received", "auto_replied_at", "pending", None),
            ("email_bounced", "bounced_at", "bounced", "emails_bounced"),
            ("email.bounced", "bounced_at", "bounced", "emails_bounced"),
            ("lead_unsubscribed", "unsubscribed_at", "unsubscribed", "unsubscribed"),
        ],
    )
    async def test_lead_events(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: Lead,
        event_type: str,
        field: str,
        status: str,
        counter: str | None,
    ) -> None:
        response = await post(anon_client, event(lead, event_type, T))
        assert response.status_code == 200
        assert response.json() == {"ok": True, "duplicate": False}
        assert await runtime.events.drain() == 1

        assert await states(runtime.sessionmaker) == ["applied"]
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert getattr(dispatch, field) is not None
        assert dispatch.status == status
        counts = await counters(runtime.sessionmaker, lead.campaign_id)
        assert {name for name, value in counts.items() if value} == (
            {"total_targets", counter} if counter else {"total_targets"}
        )

    @pytest.mark.parametrize(
        ("event_type", "interest"),
        [
            ("lead_interested", "interested"),
            ("lead_not_interested", "not_interested"),
            ("lead_neutral", "neutral"),
            ("lead_meeting_booked", "meeting_booked"),
            ("lead_meeting_completed", "meeting_completed"),
            ("lead_closed", "closed"),
            ("lead_out_of_office", "out_of_office"),
            ("lead_wrong_person", "wrong_person"),
            ("lead_no_show", "no_show"),
        ],
    )
    async def test_interest_events(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: Lead,
        event_type: str,
        interest: str,
    ) -> None:
        assert (await post(anon_client, event(lead, event_type, T))).status_code == 200
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.interest_status == interest
        assert dispatch.interest_at is not None
        assert dispatch.status == "pending"

    async def test_campaign_completed(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        payload = instantly_event(
            "campaign_completed", campaign_id=lead.instantly_campaign_id, email=None
        )
        assert (await post(anon_client, payload)).status_code == 200
        await runtime.events.drain()
        campaign = await load(runtime.sessionmaker, Campaign, lead.campaign_id)
        assert campaign.status == "completed"
        [note] = await notifications(runtime.sessionmaker)
        assert note.kind == "campaign_completed"
        assert note.campaign_id == lead.campaign_id

    async def test_account_error_needs_no_campaign(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        payload = {
            "event_type": "account_error",
            "timestamp": T,
            "email_account": "sender@outreach.example.com",
            "error_message": "SMTP authentication failed",
        }
        assert (await post(anon_client, payload)).status_code == 200
        assert await runtime.events.drain() == 1
        [note] = await notifications(runtime.sessionmaker)
        assert note.kind == "account_error"
        assert "sender@outreach.example.com" in note.title
        assert note.body == "SMTP authentication failed"

    async def test_unknown_type_stored_and_ignored(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        response = await post(anon_client, event(lead, "Hot prospect", T))
        assert response.status_code == 200
        assert response.json()["duplicate"] is False
        await runtime.events.drain()
        assert await states(runtime.sessionmaker) == [EventState.ignored]


class TestWake:
    async def test_stored_event_wakes_the_applier(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        applier = runtime.events
        applier.poll_seconds = 60  # only a wake can make it apply within the test
        task = asyncio.create_task(applier.run())
        try:
            await asyncio.sleep(0.05)  # its first drain found nothing; it now waits
            await post(anon_client, event(lead, "email_opened", T))
            async with asyncio.timeout(5):
                while await states(runtime.sessionmaker) != ["applied"]:
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def test_applier_on_its_own_thread_is_woken_and_stops(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        applier = runtime.events
        applier.poll_seconds = 60
        url = runtime.engine.url.render_as_string(hide_password=False)
        thread = ApplierThread(url, applier)
        await asyncio.to_thread(thread.start)
        try:
            assert thread.is_alive()
            await asyncio.sleep(0.05)
            await post(anon_client, event(lead, "email_opened", T))
            async with asyncio.timeout(5):
                while await states(runtime.sessionmaker) != ["applied"]:
                    await asyncio.sleep(0.02)
        finally:
            await asyncio.to_thread(thread.stop)
        assert not thread.is_alive()
        assert (await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)).status == "opened"

    async def test_events_left_to_workers_when_not_in_process(
        self, runtime: Runtime, lead: Lead
    ) -> None:
        settings = runtime.settings.model_copy(update={"EVENTS_IN_PROCESS": False})
        web_only = dataclasses.replace(runtime, settings=settings)
        app = create_app(runtime=web_only, background=False)
        stop = start_background(app, web_only)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                assert (await post(http, event(lead, "email_opened", T))).status_code == 200
            await asyncio.sleep(1.5)  # past the applier's poll interval
            assert await states(runtime.sessionmaker) == ["pending"]
        finally:
            await stop()


class TestIdempotency:
    async def test_same_delivery_three_times(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        payload = event(lead, "reply_received", T, reply_text_snippet="Yes, interested")
        answers = [(await post(anon_client, payload)).json() for _ in range(3)]
        assert [a["duplicate"] for a in answers] == [False, True, True]
        assert await count_events(runtime.sessionmaker) == 1
        await runtime.events.drain()
        before = await counters(runtime.sessionmaker, lead.campaign_id)
        assert before["replies_received"] == 1

        assert (await post(anon_client, payload)).json()["duplicate"] is True
        assert await runtime.events.drain() == 0
        assert await counters(runtime.sessionmaker, lead.campaign_id) == before
        assert len(await notifications(runtime.sessionmaker)) == 1

    async def test_reverse_order_ends_in_the_same_state(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        forward = await seed_lead(runtime.sessionmaker)
        backward = await seed_lead(runtime.sessionmaker)
        sequence = [
            ("email_sent", "2026-11-27T10:00:00Z"),
            ("email_opened", "2026-11-27T10:05:00Z"),
            ("link_clicked", "2026-11-27T10:06:00Z"),
            ("reply_received", "2026-11-27T11:00:00Z"),
        ]
        for lead, order in ((forward, sequence), (backward, sequence[::-1])):
            for event_type, timestamp in order:
                await post(anon_client, event(lead, event_type, timestamp, reply_text="Sure"))
                await runtime.events.drain()  # one at a time: really applied in this order

        fields = ["status", "sent_at", "opened_at", "clicked_at", "replied_at", "reply_text"]
        rows = [
            await load(runtime.sessionmaker, Dispatch, d.dispatch_id) for d in (forward, backward)
        ]
        snapshots = [{f: getattr(row, f) for f in fields} for row in rows]
        assert snapshots[0] == snapshots[1]
        assert snapshots[0]["status"] == "replied"
        assert await counters(runtime.sessionmaker, forward.campaign_id) == await counters(
            runtime.sessionmaker, backward.campaign_id
        )
        assert (await counters(runtime.sessionmaker, forward.campaign_id))["emails_clicked"] == 1


class TestEffects:
    async def test_reply_notifies_with_snippet_and_unibox_link(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        unibox = "https://app.instantly.ai/app/unibox?thread_search=abc"
        payload = event(
            lead,
            "reply_received",
            T,
            reply_text="Hi,\n\nYes I am interested. " + "More words. " * 60,
            reply_text_snippet="Hi, Yes I am interested.",
            reply_subject="Re: Join our network",
            unibox_url=unibox,
        )
        await post(anon_client, payload)
        await runtime.events.drain()

        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.reply_text.startswith("Hi,\n\nYes I am interested.")
        assert dispatch.reply_subject == "Re: Join our network"
        assert dispatch.unibox_url == unibox
        [note] = await notifications(runtime.sessionmaker)
        assert note.kind == "reply"
        assert note.title == "Reply from Cool Air LLC"
        assert note.body == "Hi, Yes I am interested."
        assert note.link == unibox
        assert note.campaign_id == lead.campaign_id
        assert note.target_id == dispatch.technician_id
        assert note.event_id is not None

    async def test_long_reply_snippet_is_cut(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        await post(anon_client, event(lead, "reply_received", T, reply_text="word " * 200))
        await runtime.events.drain()
        [note] = await notifications(runtime.sessionmaker)
        assert note.body is not None
        assert len(note.body) == 280
        assert note.body.endswith("…")

    async def test_auto_reply_recorded_not_counted(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        payload = event(lead, "auto_reply_received", T, reply_text="I am out until Monday.")
        await post(anon_client, payload)
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.auto_replied_at is not None
        assert dispatch.auto_reply_text == "I am out until Monday."
        assert dispatch.replied_at is None
        assert dispatch.reply_text is None
        assert (await counters(runtime.sessionmaker, lead.campaign_id))["replies_received"] == 0
        assert await notifications(runtime.sessionmaker) == []

    async def test_bounce_suppresses_notifies_and_reaches_instantlys_block_list(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: Lead,
        fake_state: FakeInstantlyState,
    ) -> None:
        # Fields Instantly does not document (§5.1) are not taken as the reason.
        payload = event(lead, "email_bounced", T, bounce_reason="550 made up", reason="made up")
        await post(anon_client, payload)
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.bounced_at is not None
        assert dispatch.bounce_reason is None
        [note] = await notifications(runtime.sessionmaker)
        assert (note.kind, note.body) == ("bounce", None)
        assert fake_state.blocklist == {}
        # After the commit, the minutely sweep pushes it.
        assert (await push_waiting(runtime.sessionmaker, runtime.instantly)).pushed == 1
        assert [e.bl_value for e in fake_state.blocklist.values()] == [lead.email.lower()]
        async with runtime.sessionmaker() as session:
            # What dispatch asks before pushing a new batch.
            hits = await suppression_service.suppressed_among(
                session, [lead.email.upper(), "fresh@new.example.com"]
            )
            suppression = await session.scalar(select(Suppression))
        assert hits == {lead.email.upper()}
        assert suppression is not None
        assert (suppression.source, suppression.reason) == ("bounce", "Bounced (Instantly webhook)")
        assert suppression.instantly_synced_at is not None

    async def test_unsubscribe_suppresses_and_notifies(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: Lead
    ) -> None:
        await post(anon_client, event(lead, "lead_unsubscribed", T))
        await runtime.events.drain()
        [note] = await notifications(runtime.sessionmaker)
        assert note.kind == "unsubscribe"
        async with runtime.sessionmaker() as session:
            suppression = await session.scalar(select(Suppression))
        assert suppression is not None
        assert (suppression.value, suppression.source) == (lead.email, "unsubscribe")


class TestForeign:
    async def test_linking_the_campaign_applies_its_foreign_events(
        self,
        anon_client: httpx.AsyncClient,
        client: httpx.AsyncClient,
        runtime: Runtime,
        fake_state: FakeInstantlyState,
    ) -> None:
        remote = fake_state.add_campaign("Made by hand in Instantly", status=1)
        done = {"event_type": "campaign_completed", "timestamp": T, "campaign_id": remote.id}
        assert (await post(anon_client, done)).status_code == 200
        await runtime.events.drain()
        assert await states(runtime.sessionmaker) == ["foreign"]
        linked = await client.post("/api/campaigns", json={"instantlyCampaignId": remote.id})
        assert linked.status_code == 201
        assert await runtime.events.drain() == 1
        assert await states(runtime.sessionmaker) == ["applied"]


class TestUnmatched:
    async def test_applied_once_campaign_and_dispatch_exist(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        remote_id = "9b2e7c1a-0000-4c4c-8d8d-123456789abc"
        payload = {
            "event_type": "email_opened",
            "timestamp": T,
            "campaign_id": remote_id,
            "lead_email": "Late@Lead.example.com",
        }
        assert (await post(anon_client, payload)).status_code == 200
        assert await runtime.events.drain() == 0
        # Its campaign is not linked here: kept as foreign, not unmatched.
        assert await states(runtime.sessionmaker) == ["foreign"]

        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session, instantly_campaign_id=remote_id)
            target = await create_target(session, email="late@lead.example.com")
            dispatch = await create_dispatch(session, campaign=campaign, target=target)
            assert (
                await events_service.requeue_unmatched(session, instantly_campaign_id=remote_id)
                == 1
            )
        assert await runtime.events.drain() == 1
        assert await states(runtime.sessionmaker) == ["applied"]
        row = await load(runtime.sessionmaker, Dispatch, dispatch.id)
        assert row.status == "opened"
        assert (await counters(runtime.sessionmaker, campaign.id))["emails_opened"] == 1


class TestAuthentication:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"X-Webhook-Secret": "wrong"},
            {"X-Webhook-Secret": ""},
            {"Authorization": "Bearer wrong"},
            {"Authorization": f"Basic {WEBHOOK_SECRET}"},
            {"X-Webhook-Secret": "sécret".encode()},
        ],
    )
    async def test_rejected(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, Any]
    ) -> None:
        payload = {"event_type": "email_opened", "timestamp": T}
        response = await anon_client.post(URL, json=payload, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        assert response.json()["detail"]
        assert await count_events(runtime.sessionmaker) == 0

    async def test_bearer_accepted(self, anon_client: httpx.AsyncClient, runtime: Runtime) -> None:
        headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
        response = await post(anon_client, {"event_type": "email_opened"}, headers=headers)
        assert response.status_code == 200
        assert await count_events(runtime.sessionmaker) == 1

    async def test_empty_server_secret_refuses_everything(
        self, runtime: Runtime, sessionmaker: Sessionmaker
    ) -> None:
        closed = dataclasses.replace(runtime, webhook_secret="")
        async with app_client(closed) as http:
            for headers in ({"X-Webhook-Secret": ""}, {"Authorization": "Bearer "}, {}):
                response = await post(http, {"event_type": "email_opened"}, headers=headers)
                assert response.status_code == 401
        assert await count_events(sessionmaker) == 0


class TestBadBodies:
    @pytest.mark.parametrize(
        ("content", "detail"),
        [
            (b"{not json", "not valid JSON"),
            (b"[]", "JSON object"),
            (b"42", "JSON object"),
            (b'{"campaign_id": "x"}', "event_type"),
            (b"", "not valid JSON"),
        ],
    )
    async def test_400(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, content: bytes, detail: str
    ) -> None:
        response = await anon_client.post(URL, content=content, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_body"
        assert detail in response.json()["detail"]
        assert await count_events(runtime.sessionmaker) == 0

    async def test_over_limit_by_content_length(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        big = {"event_type": "email_sent", "email_html": "x" * 1_000_001}
        response = await post(anon_client, big)
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        assert await count_events(runtime.sessionmaker) == 0

    async def test_over_limit_while_streaming(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"event_type": "email_sent", "email_html": "'
            for _ in range(20):
                yield b"x" * 100_000
            yield b'"}'

        response = await anon_client.post(URL, content=chunks(), headers=AUTH)
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert await count_events(runtime.sessionmaker) == 0

    async def test_just_under_limit_is_stored(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        payload = {"event_type": "email_sent", "email_html": "x" * 999_000}
        assert (await post(anon_client, payload)).status_code == 200


class TestCalendarEdges:
    """Times at the ends of the calendar are stored (2xx only once stored), never a 500."""

    @pytest.mark.parametrize(
        ("timestamp", "occurred_at"),
        [
            ("0001-01-01T00:00:00+14:00", None),  # year 0 in UTC: the time is unknown
            ("9999-12-31T23:59:59-14:00", None),  # year 10000 in UTC
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"),
            ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
        ],
    )
    async def test_stored_and_applied(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: Lead,
        timestamp: str,
        occurred_at: str | None,
    ) -> None:
        payload = event(lead, "email_opened", timestamp)
        response = await post(anon_client, payload)
        assert response.status_code == 200
        assert response.json() == {"ok": True, "duplicate": False}
        assert (await post(anon_client, payload)).json()["duplicate"] is True
        async with runtime.sessionmaker() as session:
            stored = await session.scalar(select(WebhookEvent))
        assert stored is not None
        assert timestamp in stored.raw_body
        at = stored.occurred_at
        assert (as_utc(at).isoformat() if at else None) == occurred_at
        await runtime.events.drain()
        assert await states(runtime.sessionmaker) == ["applied"]
        assert (await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)).opened_at


def app_client(runtime: Runtime) -> httpx.AsyncClient:
    app = create_app(runtime=runtime, background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


# aiosqlite's connection thread may report a failed connect after the test's loop closed
# ("Event loop is closed"): a race in the library's failure path, not in ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
class TestDatabaseDown:
    async def test_unreachable_database_is_503(
        self, runtime: Runtime, engine: AsyncEngine, tmp_path: Path
    ) -> None:
        if engine.dialect.name == "postgresql":
            down = create_engine("postgresql://postgres@127.0.0.1:1/ravensearch")
        else:
            down = create_engine(f"sqlite:///{tmp_path}/no/such/dir/ravensearch.db")
        broken = dataclasses.replace(runtime, engine=down)
        try:
            async with app_client(broken) as http:
                response = await post(http, {"event_type": "email_opened", "timestamp": T})
        finally:
            await down.dispose()
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"] == "database_unavailable"
        assert response.json()["detail"]
        assert await count_events(runtime.sessionmaker) == 0

    async def test_locked_database_is_503(
        self, runtime: Runtime, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = engine.url.render_as_string(hide_password=False)
        endpoint_engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            # SQLite cannot be interrupted mid-wait: its busy timeout bounds the wait.
            @sa_event.listens_for(endpoint_engine.sync_engine, "connect")
            def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.cursor().execute("PRAGMA busy_timeout=200")

        else:
            monkeypatch.setattr(webhooks, "DB_TIMEOUT_SECONDS", 0.3)
        locker = create_engine(url)
        try:
            async with app_client(dataclasses.replace(runtime, engine=endpoint_engine)) as http:
                async with locker.connect() as conn:
                    await conn.begin()  # SQLite: BEGIN IMMEDIATE takes the write lock
                    if engine.dialect.name == "postgresql":
                        await conn.execute(text("LOCK TABLE webhook_events IN EXCLUSIVE MODE"))
                    locked = await post(http, {"event_type": "email_opened", "timestamp": T})
                    await conn.rollback()
                retried = await post(http, {"event_type": "email_opened", "timestamp": T})
        finally:
            await locker.dispose()
            await endpoint_engine.dispose()
        assert locked.status_code == 503
        assert retried.status_code == 200
        # The 503'd write may still land once the lock goes (group commit keeps going after
        # the answer); either way the event ends up stored exactly once.
        assert await count_events(runtime.sessionmaker) == 1


class TestFastPath:
    """`RavensearchApp` answers the webhook POST before FastAPI's layers; the rest is unchanged."""

    async def test_sender_gone_before_its_body_gets_no_answer(self, runtime: Runtime) -> None:
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": URL, "headers": [
            (b"x-webhook-secret", WEBHOOK_SECRET.encode())
        ]}  # fmt: skip
        await webhooks.answer_webhook(runtime, scope, receive, send)
        assert sent == []
        assert await count_events(runtime.sessionmaker) == 0

    async def test_body_in_several_messages_is_stored(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"event_type": "email_'
            yield b'opened", "timestamp": "' + T.encode() + b'"}'

        response = await anon_client.post(URL, content=chunks(), headers=AUTH)
        assert response.status_code == 200
        assert response.json() == {"ok": True, "duplicate": False}
        assert await count_events(runtime.sessionmaker) == 1

    async def test_secret_in_the_url_is_not_logged_on_an_unexpected_error(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        def boom(_body: bytes) -> None:
            raise RuntimeError("unexpected")

        monkeypatch.setattr(webhooks, "parse_delivery", boom)
        async with app_client(runtime) as http:
            response = await http.post(f"{URL}/{WEBHOOK_SECRET}", content=b"{}")
        assert response.status_code == 500
        assert "web.unhandled_error" in caplog.text
        assert WEBHOOK_SECRET not in caplog.text

    async def test_other_methods_reach_the_router(self, anon_client: httpx.AsyncClient) -> None:
        response = await anon_client.get(URL)
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"

    async def test_unexpected_error_is_a_trace_free_500(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def boom(_body: bytes) -> None:
            raise RuntimeError("secret internals")

        monkeypatch.setattr(webhooks, "parse_delivery", boom)
        app = create_app(runtime=runtime, background=False)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await post(http, {"event_type": "email_opened", "timestamp": T})
        assert response.status_code == 500
        assert response.json()["error"] == "internal_error"
        assert "secret internals" not in response.text
