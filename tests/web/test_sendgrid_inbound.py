"""`POST /api/webhooks/sendgrid/inbound/<secret>`: replies through Inbound Parse, stored
before the 2xx, matched to their dispatch and applied like Instantly's replies."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from ravensearch.config import Settings
from ravensearch.db.models import (
    Dispatch,
    EventState,
    Notification,
    Suppression,
    Target,
    WebhookEvent,
)
from ravensearch.events.sendgrid_deliveries import MAX_REPLY_TEXT
from ravensearch.logging import redact
from ravensearch.runtime import Runtime
from ravensearch.web import sendgrid_webhooks
from tests.events.helpers import load
from tests.fixtures.access_log import access_line_as_served
from tests.sendgrid.helpers import SendGridLead, inbound_form, seed_sendgrid_lead

SECRET = "inbound-secret-4f9a2c"
URL = "/api/webhooks/sendgrid/inbound"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"SENDGRID_INBOUND_SECRET": SecretStr(SECRET)})


@pytest.fixture
async def lead(runtime: Runtime) -> SendGridLead:
    return await seed_sendgrid_lead(runtime.sessionmaker)


def reply_headers(message_id: str = "reply-1@mail.example.net", **extra: str) -> str:
    lines = [f"Message-ID: <{message_id}>", "Subject: Re: Work in Austin"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return "\r\n".join(lines) + "\r\n"


async def post_reply(
    http: httpx.AsyncClient, *, secret: str = SECRET, **form: Any
) -> httpx.Response:
    form.setdefault("subject", "Re: Work in Austin")
    form.setdefault("text", "Yes, I am interested. Call me at 512-555-0100.")
    body, content_type = inbound_form(**form)
    return await http.post(f"{URL}/{secret}", content=body, headers={"Content-Type": content_type})


async def stored(runtime: Runtime) -> list[WebhookEvent]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(WebhookEvent)))


async def notes(runtime: Runtime) -> list[Notification]:
    async with runtime.sessionmaker() as session:
        return list(await session.scalars(select(Notification)))


class TestMatching:
    async def test_a_reply_by_in_reply_to_is_applied_like_instantlys(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        other = await seed_sendgrid_lead(runtime.sessionmaker, email=None)
        headers = reply_headers(In_Reply_To=f"<{lead.step1_message_id}>")
        # The sender's address is another dispatch's: the thread wins.
        response = await post_reply(anon_client, headers=headers, sender=f"Pat <{other.email}>")
        assert response.status_code == 200
        assert response.json() == {"ok": True, "duplicate": False}
        [row] = await stored(runtime)
        assert (row.source, row.event_type, row.state) == ("sendgrid_inbound", "reply", "pending")

        assert await runtime.events.drain() == 1
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.status == "replied"
        assert dispatch.replied_at is not None
        assert dispatch.reply_text == "Yes, I am interested. Call me at 512-555-0100."
        assert dispatch.reply_subject == "Re: Work in Austin"
        assert (dispatch.next_step, dispatch.next_step_due_at) == (None, None)
        [note] = await notes(runtime)
        assert (note.kind, note.title) == ("reply", "Reply from Spark Electric")
        assert note.body == "Yes, I am interested. Call me at 512-555-0100."
        assert note.target_id == lead.technician_id
        target = await load(runtime.sessionmaker, Target, lead.technician_id)
        assert target.pipeline_stage == "replied"
        untouched = await load(runtime.sessionmaker, Dispatch, other.dispatch_id)
        assert untouched.replied_at is None

    async def test_a_reply_by_references(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        headers = reply_headers(
            In_Reply_To="<unknown@elsewhere.example>",
            References=f"<root@elsewhere.example> <{lead.step2_message_id}>",
        )
        await post_reply(anon_client, headers=headers, sender="someone@else.example")
        await runtime.events.drain()
        [row] = await stored(runtime)
        assert (row.state, row.dispatch_id) == (EventState.applied, lead.dispatch_id)

    async def test_a_reply_without_threading_headers_matches_the_latest_dispatch_to_its_sender(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        newer = await seed_sendgrid_lead(runtime.sessionmaker, email=lead.email.upper())
        await post_reply(anon_client, headers=reply_headers(), sender=f"Pat <{lead.email}>")
        await runtime.events.drain()
        [row] = await stored(runtime)
        assert (row.state, row.dispatch_id) == (EventState.applied, newer.dispatch_id)

    async def test_an_unmatched_reply_is_kept_with_a_reason(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        await post_reply(anon_client, headers=reply_headers(), sender="stranger@nowhere.example")
        await runtime.events.drain()
        [row] = await stored(runtime)
        assert row.state == EventState.unmatched
        assert "no SendGrid dispatch went to stranger@nowhere.example" in (row.error or "")
        assert await notes(runtime) == []

    @pytest.mark.parametrize("subject", ["unsubscribe", "UNSUBSCRIBE", "Re: unsubscribe"])
    async def test_the_list_unsubscribe_mailto_unsubscribes_and_is_not_a_reply(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead, subject: str
    ) -> None:
        # What a mail client's "Unsubscribe" sends for `<mailto:…?subject=unsubscribe>`.
        await post_reply(anon_client, headers=reply_headers(), sender=lead.email,
                         subject=subject, text="")  # fmt: skip
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.status, dispatch.replied_at) == ("unsubscribed", None)
        assert (dispatch.next_step, dispatch.next_step_due_at) == (None, None)
        async with runtime.sessionmaker() as session:
            suppressed = await session.scalar(
                select(Suppression).where(Suppression.value == lead.email.lower())
            )
        assert suppressed is not None
        assert [n.kind for n in await notes(runtime)] == ["unsubscribe"]  # not "reply"

    async def test_a_reply_that_only_mentions_unsubscribing_is_a_reply(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        await post_reply(anon_client, headers=reply_headers(), sender=lead.email,
                         subject="Re: how do I unsubscribe? also, what pay?")  # fmt: skip
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.status == "replied"

    async def test_an_auto_reply_is_auto_replied_and_the_sequence_goes_on(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        headers = reply_headers(
            In_Reply_To=f"<{lead.step1_message_id}>", Auto_Submitted="auto-replied"
        )
        await post_reply(anon_client, headers=headers, sender=lead.email, text="Out until Monday")
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert (dispatch.replied_at, dispatch.status) == (None, "sent")
        assert dispatch.auto_replied_at is not None
        assert dispatch.auto_reply_text == "Out until Monday"
        assert dispatch.next_step == 2
        assert await notes(runtime) == []

    async def test_an_html_only_reply_keeps_its_text(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        html = "<style>p{}</style><p>Sure &amp; thanks</p>"
        await post_reply(anon_client, sender=lead.email, text=None, html=html)
        await runtime.events.drain()
        dispatch = await load(runtime.sessionmaker, Dispatch, lead.dispatch_id)
        assert dispatch.reply_text == "Sure & thanks"

    async def test_a_reply_posted_twice_is_stored_once(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        for duplicate in (False, True):
            response = await post_reply(anon_client, headers=reply_headers(), sender=lead.email)
            assert response.json() == {"ok": True, "duplicate": duplicate}
        await runtime.events.drain()
        assert len(await stored(runtime)) == 1
        assert len(await notes(runtime)) == 1

    async def test_the_stored_reply_is_bounded(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, lead: SendGridLead
    ) -> None:
        response = await post_reply(
            anon_client,
            sender=lead.email,
            text="x" * (MAX_REPLY_TEXT + 10),
            attachment=b"\xff" * 5000,
        )
        assert response.status_code == 200
        [row] = await stored(runtime)
        assert len(row.raw_body) < MAX_REPLY_TEXT + 2000
        assert "attachment" not in row.raw_body


class TestRefused:
    @pytest.mark.parametrize("path", [f"{URL}/wrong-secret", URL, f"{URL}/"])
    async def test_a_wrong_or_missing_secret_is_a_401_and_nothing_stored(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, path: str
    ) -> None:
        body, content_type = inbound_form(sender="a@b.example", text="hi")
        response = await anon_client.post(
            path, content=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == 401
        assert "/api/webhooks/sendgrid/inbound/<secret>" in response.json()["detail"]
        assert await stored(runtime) == []

    async def test_no_secret_configured_refuses_and_says_which_setting(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        runtime.settings = runtime.settings.model_copy(
            update={"SENDGRID_INBOUND_SECRET": SecretStr("")}
        )
        response = await post_reply(anon_client, secret="anything", sender="a@b.example")
        assert response.status_code == 503
        assert "SENDGRID_INBOUND_SECRET" in response.json()["detail"]
        assert await stored(runtime) == []

    @pytest.mark.parametrize(
        ("body", "content_type", "detail"),
        [
            (b"from=a@b.c", "application/x-www-form-urlencoded", "multipart/form-data"),
            (b"--zz\r\nnot a part", "multipart/form-data; boundary=other", "no form fields"),
            (b"--zz--\r\n", "multipart/form-data; boundary=zz", "no form fields"),
        ],
    )
    async def test_a_malformed_form_is_a_400(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        body: bytes,
        content_type: str,
        detail: str,
    ) -> None:
        response = await anon_client.post(
            f"{URL}/{SECRET}", content=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == 400
        assert detail in response.json()["detail"]
        assert await stored(runtime) == []

    async def test_a_huge_form_is_a_413(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sendgrid_webhooks, "INBOUND_MAX_BYTES", 100_000)
        response = await post_reply(anon_client, sender="a@b.example", attachment=b"x" * 100_001)
        assert response.status_code == 413
        assert await stored(runtime) == []


class TestSecretNeverLogged:
    def test_access_lines_are_redacted(self, capsys: pytest.CaptureFixture[str]) -> None:
        line = access_line_as_served(f"{URL}/{SECRET}", capsys)
        assert f"{URL}/[redacted]" in line
        assert SECRET not in line
        assert SECRET not in redact(f"web.unhandled_error path={URL}/{SECRET}")

    async def test_a_failing_request_logs_no_secret(
        self,
        anon_client: httpx.AsyncClient,
        runtime: Runtime,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        def broken(*_: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(sendgrid_webhooks, "parse_inbound", broken)
        caplog.set_level(logging.WARNING)
        response = await post_reply(anon_client, sender="a@b.example")
        assert response.status_code == 500
        assert "web.unhandled_error" in caplog.text
        assert SECRET not in caplog.text
