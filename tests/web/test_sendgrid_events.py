"""`POST /api/webhooks/sendgrid`: signed batches stored before the 2xx, applied by the same
applier to the same dispatches, counters and suppressions as Instantly's events."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from ravensearch.config import Settings
from ravensearch.db.models import (
    Campaign,
    Dispatch,
    EmailSend,
    EventState,
    Notification,
    Suppression,
    WebhookEvent,
)
from ravensearch.db.session import unit_of_work
from ravensearch.events.service import events_service
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.kit.clock import as_utc
from ravensearch.runtime import Runtime
from ravensearch.sendgrid.signature import TIMESTAMP_HEADER, generate_key_pair
from ravensearch.suppressions.flows import push_waiting
from ravensearch.suppressions.service import suppression_service
from tests.events.helpers import event, load, seed_lead
from tests.fixtures.factories import create_dispatch, create_target
from tests.sendgrid.helpers import (
    T0,
    SendGridLead,
    batch_body,
    seed_sendgrid_lead,
    sg_event,
    signed_headers,
)

URL = "/api/webhooks/sendgrid"
PRIVATE, PUBLIC = generate_key_pair()
OTHER_PRIVATE, _ = generate_key_pair()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"SENDGRID_WEBHOOK_PUBLIC_KEY": SecretStr(PUBLIC)})


@pytest.fixture
async def lead(runtime: Runtime) -> SendGridLead:
    return await seed_sendgrid_lead(runtime.sessionmaker)


async def post(http: httpx.AsyncClient, events: list[dict[str, Any]], **kw: Any) -> httpx.Response:
    body = batch_body(events)
    return await http.post(URL, content=body, headers=signed_headers(PRIVATE, body, **kw))


async def stored_events(runtime: Runtime) -> list[WebhookEvent]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(WebhookEvent).order_by(WebhookEvent.occurred_at)))


async def counters(runtime: Runtime, campaign_id: Any) -> dict[str, int]:
    campaign = await load(runtime.sessionmaker, Campaign, campaign_id)
    names = ["emails_delivered", "emails_opened", "emails_clicked", "emails_bounced"]
    names += ["emails_dropped", "spam_reports", "unsubscribed", "replies_received"]
    return {name: getattr(campaign, name) for name in names if getattr(campaign, name)}


async def sends(runtime: Runtime, lead: SendGridLead) -> list[str]:
    async with runtime.sessionmaker() as session:
        stmt = select(EmailSend.state).where(EmailSend.dispatch_id == lead.dispatch_id)
        return list(await session.scalars(stmt.order_by(EmailSend.step)))


async def is_suppressed(runtime: Runtime, email: str) -> bool:
    async with runtime.sessionmaker() as session:
        return await suppression_service.is_suppressed(session, email)


class TestSignature:
    async def test_a_signed_batch_is_stored_then_applied(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        events = [sg_event(lead, "processed"), sg_event(lead, "delivered", T0 + 5)]
        events.append(sg_event(lead, "open", T0 + 60))
        response = await post(anon_client, events)
        assert response.status_code == 200
        assert response.json() == {"ok": True, "stored": 3, "duplicates": 0}
        rows = await stored_events(runtime)
        assert [(r.source, r.event_type, r.state) for r in rows] == [
            ("sendgrid", "processed", "pending"),
            ("sendgrid", "delivered", "pending"),
            ("sendgrid", "open", "pending"),
        ]
        assert rows[0].lead_email == lead.email
        assert as_utc(rows[1].occurred_at).timestamp() == T0 + 5

        assert await runtime.events.drain() == 2
        assert [r.state for r in await stored_events(runtime)] == ["ignored", "applied", "applied"]
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.status, dispatch.delivered_at is not None) == ("opened", True)
        assert await counters(runtime, lead.campaign_id) == {
            "emails_delivered": 1,
            "emails_opened": 1,
        }
        [applied, _] = [r for r in await stored_events(runtime) if r.state == "applied"]
        assert (applied.campaign_id, applied.dispatch_id) == (lead.campaign_id, lead.dispatch_id)

    @pytest.mark.parametrize(
        ("headers", "detail"),
        [
            ({}, "missing"),
            ({TIMESTAMP_HEADER: "now"}, "missing"),
            ("forged", "does not match"),
            ("tampered", "does not match"),
            ("stale", "away from now"),
            ("future", "away from now"),
        ],
    )
    async def test_a_bad_signature_is_refused_and_nothing_stored(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: SendGridLead,
        headers: Any,
        detail: str,
    ) -> None:
        body = batch_body([sg_event(lead, "bounce")])
        now = int(time.time())
        if headers == "forged":
            headers = signed_headers(OTHER_PRIVATE, body)
        elif headers == "tampered":
            headers = signed_headers(PRIVATE, body)
            body = body.replace(b"bounce", b"open")
        elif headers in ("stale", "future"):
            headers = signed_headers(
                PRIVATE, body, timestamp=now + (-3600 if headers == "stale" else 3600)
            )
        response = await anon_client.post(URL, content=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        assert detail in response.json()["detail"]
        assert await stored_events(runtime) == []
        assert not await is_suppressed(runtime, lead.email)

    async def test_no_public_key_refuses_everything_and_says_which_setting(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        runtime.settings = runtime.settings.model_copy(
            update={"SENDGRID_WEBHOOK_PUBLIC_KEY": SecretStr("")}
        )
        response = await post(anon_client, [sg_event(lead, "delivered")])
        assert response.status_code == 503
        assert response.json()["error"] == "sendgrid_not_configured"
        assert "SENDGRID_WEBHOOK_PUBLIC_KEY" in response.json()["detail"]
        assert await stored_events(runtime) == []

    async def test_an_unusable_public_key_is_named(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        runtime.settings = runtime.settings.model_copy(
            update={"SENDGRID_WEBHOOK_PUBLIC_KEY": SecretStr("not-base64!")}
        )
        response = await post(anon_client, [sg_event(lead, "delivered")])
        assert response.status_code == 503
        assert "SENDGRID_WEBHOOK_PUBLIC_KEY is not usable" in response.json()["detail"]

    @pytest.mark.parametrize(
        ("body", "detail"),
        [
            (b'{"event": "open"}', "must be a JSON array"),
            (b'[{"event": "open"}, "x"]', "Event 1 is not a JSON object"),
            (b"[{", "not valid JSON"),
        ],
    )
    async def test_a_signed_but_malformed_body_is_a_400_naming_the_problem(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, body: bytes, detail: str
    ) -> None:
        response = await anon_client.post(URL, content=body, headers=signed_headers(PRIVATE, body))
        assert response.status_code == 400
        assert detail in response.json()["detail"]
        assert await stored_events(runtime) == []

    async def test_an_oversized_body_is_a_413(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        body = b"[" + b" " * runtime.settings.WEBHOOK_MAX_BYTES + b"]"
        response = await anon_client.post(URL, content=body, headers=signed_headers(PRIVATE, body))
        assert response.status_code == 413

    async def test_other_methods_get_405(self, anon_client: httpx.AsyncClient) -> None:
        assert (await anon_client.get(URL)).status_code == 405


class TestRedelivery:
    async def test_a_redelivered_batch_stores_and_counts_nothing_new(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        events = [
            sg_event(lead, "delivered"),
            sg_event(lead, "click", T0 + 9, url="https://x.example"),
        ]
        assert (await post(anon_client, events)).json()["stored"] == 2
        await runtime.events.drain()
        again = await post(anon_client, events)
        assert again.json() == {"ok": True, "stored": 0, "duplicates": 2}
        assert await runtime.events.drain() == 0
        assert len(await stored_events(runtime)) == 2
        assert await counters(runtime, lead.campaign_id) == {
            "emails_delivered": 1,
            "emails_clicked": 1,
        }

    async def test_events_out_of_order_end_in_the_same_rows(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        # The open arrives (and is applied) before the delivery that preceded it, and a late
        # open after the bounce does not bring the status back.
        await post(anon_client, [sg_event(lead, "open", T0 + 60)])
        await runtime.events.drain()
        await post(anon_client, [sg_event(lead, "bounce", T0 + 120, reason="550 gone")])
        await runtime.events.drain()
        await post(
            anon_client, [sg_event(lead, "delivered", T0 + 5), sg_event(lead, "open", T0 + 30)]
        )
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.status == "bounced"
        assert as_utc(dispatch.opened_at).timestamp() == T0 + 30
        assert dispatch.delivered_at is not None
        assert dispatch.bounce_reason == "550 gone"


# event, extra fields, dispatch column set, status, counters, sequence stopped, suppressed
MAPPING = [
    ("delivered", {}, "delivered_at", "sent", {"emails_delivered": 1}, False, False),
    ("open", {}, "opened_at", "opened", {"emails_opened": 1}, False, False),
    ("click", {"url": "https://a.example"}, "clicked_at", "clicked", {"emails_clicked": 1}, False, False),
    ("bounce", {"reason": "550 5.1.1 unknown user"}, "bounced_at", "bounced", {"emails_bounced": 1}, True, True),
    ("dropped", {"reason": "Bounced Address"}, "dropped_at", "sent", {"emails_dropped": 1}, True, True),
    ("dropped", {"reason": "Invalid"}, "dropped_at", "sent", {"emails_dropped": 1}, True, True),
    ("dropped", {"reason": "Spam Reporting Address"}, "dropped_at", "sent", {"emails_dropped": 1}, True, True),
    ("dropped", {"reason": "Unsubscribed Address"}, "dropped_at", "sent", {"emails_dropped": 1}, True, True),
    ("dropped", {"reason": "Invalid SMTPAPI header"}, "dropped_at", "sent", {"emails_dropped": 1}, True, False),
    ("spamreport", {}, "spam_reported_at", "unsubscribed", {"spam_reports": 1, "unsubscribed": 1}, True, True),
    ("unsubscribe", {}, "unsubscribed_at", "unsubscribed", {"unsubscribed": 1}, True, True),
    ("group_unsubscribe", {"asm_group_id": 7}, "unsubscribed_at", "unsubscribed", {"unsubscribed": 1}, True, True),
]  # fmt: skip


class TestMapping:
    @pytest.mark.parametrize(
        ("name", "extra", "column", "status", "counts", "stopped", "suppressed"), MAPPING
    )
    async def test_each_event_type(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: SendGridLead,
        name: str,
        extra: dict[str, Any],
        column: str,
        status: str,
        counts: dict[str, int],
        stopped: bool,
        suppressed: bool,
    ) -> None:
        assert (await post(anon_client, [sg_event(lead, name, **extra)])).status_code == 200
        assert await runtime.events.drain() == 1
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert getattr(dispatch, column) is not None
        assert dispatch.status == status
        assert await counters(runtime, lead.campaign_id) == counts
        assert (dispatch.next_step is None, dispatch.next_step_due_at is None) == (stopped, stopped)
        assert await sends(runtime, lead) == ["sent", "cancelled" if stopped else "queued"]
        assert await is_suppressed(runtime, lead.email) is suppressed

    @pytest.mark.parametrize("name", ["processed", "deferred", "group_resubscribe", "brand_new"])
    async def test_types_with_nothing_to_apply_are_kept_and_ignored(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead, name: str
    ) -> None:
        await post(anon_client, [sg_event(lead, name)])
        assert await runtime.events.drain() == 0
        [row] = await stored_events(runtime)
        assert (row.event_type, row.state) == (name, EventState.ignored)
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.status, dispatch.next_step) == ("sent", 2)

    @pytest.mark.parametrize(
        ("reason", "source"),
        [
            ("Bounced Address", "bounce"),
            ("Spam Reporting Address", "spam_report"),
            ("Unsubscribed Address", "unsubscribe"),
        ],
    )
    async def test_a_drop_suppresses_with_what_sendgrid_listed_the_address_for(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: SendGridLead,
        reason: str,
        source: str,
    ) -> None:
        await post(anon_client, [sg_event(lead, "dropped", reason=reason)])
        await runtime.events.drain()
        async with runtime.sessionmaker() as session:
            suppression = await session.scalar(select(Suppression))
        assert suppression is not None
        assert (suppression.source, suppression.reason) == (
            source,
            f"Dropped (SendGrid webhook): {reason}",
        )

    async def test_a_blocked_bounce_is_temporary_then_a_real_bounce_still_counts(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        # SendGrid reports a temporary refusal as a `bounce` of type `blocked`.
        refusal = "421 4.7.1 Try again later"
        await post(anon_client, [sg_event(lead, "bounce", type="blocked", reason=refusal)])
        assert await runtime.events.drain() == 1
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.status, dispatch.bounced_at, dispatch.next_step) == ("sent", None, 2)
        assert dispatch.bounce_reason is not None
        assert dispatch.bounce_reason.startswith("Blocked for now")
        assert dispatch.bounce_reason.endswith(refusal)
        assert await counters(runtime, lead.campaign_id) == {}
        assert await sends(runtime, lead) == ["sent", "queued"]
        assert not await is_suppressed(runtime, lead.email)
        async with runtime.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Notification)) == 0

        await post(
            anon_client, [sg_event(lead, "bounce", T0 + 60, reason="550 5.1.1 No such user")]
        )
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.status, dispatch.bounce_reason) == ("bounced", "550 5.1.1 No such user")
        assert await counters(runtime, lead.campaign_id) == {"emails_bounced": 1}
        assert await is_suppressed(runtime, lead.email)

    async def test_bounce_and_spam_report_notify_like_instantlys(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        await post(anon_client, [sg_event(lead, "bounce", reason="550 mailbox full")])
        await post(anon_client, [sg_event(lead, "spamreport", T0 + 10)])
        await runtime.events.drain()
        async with runtime.sessionmaker() as session:
            notes = list(await session.scalars(select(Notification).order_by(Notification.kind)))
        assert [(n.kind, n.title, n.body) for n in notes] == [
            ("bounce", "Bounced: Spark Electric", "550 mailbox full"),
            ("unsubscribe", "Spam report: Spark Electric", None),
        ]
        assert {n.target_id for n in notes} == {lead.technician_id}


class TestUnmatched:
    async def test_an_unknown_dispatch_is_unmatched_with_a_reason(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        missing = "0199e9d9-cc23-785a-a736-aaa9cabece0f"
        await post(anon_client, [sg_event(lead, "open", dispatch_id=missing)])
        await post(anon_client, [sg_event(lead, "open", dispatch_id="42")])
        await runtime.events.drain()
        rows = await stored_events(runtime)
        assert {r.state for r in rows} == {EventState.unmatched}
        assert sorted(r.error or "" for r in rows) == [
            "custom_args dispatch_id '42' is not a UUID",
            f"dispatch {missing} is not (or no longer) here",
        ]

    async def test_an_event_ahead_of_its_dispatch_applies_once_requeued(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        early = uuid.uuid4()
        await post(anon_client, [sg_event(lead, "delivered", dispatch_id=str(early))])
        await runtime.events.drain()
        [row] = await stored_events(runtime)
        assert (row.state, row.campaign_id) == (EventState.unmatched, lead.campaign_id)
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await session.get(Campaign, lead.campaign_id)
            target = await create_target(session)
            await create_dispatch(session, campaign=campaign, target=target, id=early)
            requeued = await events_service.requeue_unmatched(session, campaign_id=campaign.id)
        assert requeued == 1
        assert await runtime.events.drain() == 1
        dispatch = await load(runtime.sessionmaker, Dispatch, early)
        assert dispatch.delivered_at is not None

    async def test_mail_not_sent_by_ravensearch_is_foreign_but_a_bounce_still_suppresses(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        await post(anon_client, [sg_event(None, "bounce"), sg_event(None, "open")])
        await runtime.events.drain()
        assert {r.state for r in await stored_events(runtime)} == {EventState.foreign}
        assert await is_suppressed(runtime, "someone@example.com")


class TestBothChannels:
    async def test_a_sendgrid_bounce_suppresses_the_technician_for_instantly_too(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        lead: SendGridLead,
        fake_state: FakeInstantlyState,
    ) -> None:
        instantly_lead = await seed_lead(runtime.sessionmaker, email=lead.email)
        await post(anon_client, [sg_event(lead, "bounce", reason="550 unknown user")])
        await runtime.events.drain()
        async with runtime.sessionmaker() as session:
            # What dispatch asks before pushing an Instantly batch.
            assert await suppression_service.suppressed_among(session, [instantly_lead.email])
            suppression = await session.scalar(select(Suppression))
        assert suppression is not None
        assert suppression.reason == "Bounced (SendGrid webhook)"
        # The minutely sweep puts it on Instantly's block list as well.
        assert (await push_waiting(runtime.sessionmaker, runtime.instantly)).pushed == 1
        assert [e.bl_value for e in fake_state.blocklist.values()] == [lead.email]

    async def test_an_instantly_bounce_suppresses_the_address_a_sendgrid_send_checks(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        instantly_lead = await seed_lead(runtime.sessionmaker, email=lead.email)
        payload = event(instantly_lead, "email_bounced", "2026-11-27T10:00:00.000Z")
        response = await anon_client.post(
            "/api/webhooks/instantly",
            json=payload,
            headers={"X-Webhook-Secret": runtime.webhook_secret},
        )
        assert response.status_code == 200
        await runtime.events.drain()
        assert await is_suppressed(runtime, lead.email)
        async with runtime.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(Suppression))
        assert count == 1
