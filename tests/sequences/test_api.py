"""The SendGrid campaign API: create (and its 400s), detail, PATCH rules, preview, the
outbox and re-send, dispatch scheduling, and the one-click unsubscribe endpoint."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from ravensearch.db.models import (
    AuditEntry,
    Dispatch,
    DispatchStatus,
    EmailSend,
    SendState,
    Suppression,
)
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.sequences.sender import send_due
from ravensearch.sequences.unsubscribe import make_token
from tests.sequences.helpers import (
    POSTAL,
    STEPS,
    WEDNESDAY_9_TEXAS,
    RecordingSender,
    add_targets,
)

pytestmark = pytest.mark.usefixtures("db_url")


@pytest.fixture
def sg_runtime(runtime: Runtime) -> Runtime:
    runtime.settings.SENDER_POSTAL_ADDRESS = POSTAL
    runtime.settings.PUBLIC_URL = "https://raven.example.com"
    runtime.settings.SECRET_KEY = SecretStr("api-test-secret")
    runtime.mail_sender = RecordingSender()
    return runtime


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "sendgrid",
        "name": "Plumbers — Texas",
        "tradeFilter": "plumbing",
        "fromEmail": "Jobs@Raven.example.com",
        "fromName": "Raven Jobs",
        "replyTo": "replies@raven.example.com",
        "windowStartHour": 8,
        "windowEndHour": 18,
        "weekdaysOnly": True,
        "dailyCap": 500,
        "steps": STEPS,
    }
    body.update(kw)
    return body


async def _create(client: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    response = await client.post("/api/campaigns", json=_body(**kw))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _dispatch(client: httpx.AsyncClient, runtime: Runtime, campaign_id: str) -> str:
    async with unit_of_work(runtime.sessionmaker) as session:
        [target_id] = await add_targets(session, 1)
    response = await client.post(
        "/api/instantly/dispatch-leads",
        json={"campaignId": campaign_id, "targetIds": [str(target_id)]},
    )
    assert response.status_code == 200, response.text
    return str(target_id)


class TestCreate:
    async def test_a_sendgrid_campaign_with_its_sequence(
        self, client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        created = await _create(client)
        shown = (await client.get(f"/api/campaigns/{created['id']}")).json()
        assert shown == created
        assert shown["channel"] == "sendgrid"
        assert shown["instantly_campaign_id"] is None
        assert shown["from_email"] == "jobs@raven.example.com"
        assert (shown["window_start_hour"], shown["window_end_hour"]) == (8, 18)
        assert shown["daily_cap"] == 500
        assert shown["status"] == "active"
        assert [(s["position"], s["delay_days"]) for s in shown["steps"]] == [(1, 0), (2, 2)]
        assert shown["steps"][0]["subject_template"] == STEPS[0]["subject"]

    @pytest.mark.parametrize(
        ("change", "words"),
        [
            ({"fromEmail": "not-an-email"}, "fromEmail: 'not-an-email' is not a valid email"),
            ({"replyTo": "a@"}, "replyTo: 'a@' is not a valid email"),
            ({"windowStartHour": 17, "windowEndHour": 9}, "windowStartHour (17) must be before"),
            ({"windowEndHour": 25}, "windowEndHour must be at most 24"),
            ({"steps": [{"subject": "Hi {{ nickname }}", "body": "x"}]},
             "steps[0].subject: unknown template variable(s) nickname"),
            ({"steps": [{"subject": "Hi", "body": "line one\n{% if city %}no end"}]},
             "steps[0].body: template error on line 2"),
            ({"steps": [{"subject": "Hi", "body": "{{ city.__class__ }}"}]},
             "steps[0].body: the template cannot be rendered"),
            ({"steps": [{"subject": "Hi", "body": '{{ "x" * 999999999 }}'}]},
             "steps[0].body: the template cannot be rendered: a repeated value longer"),
            ({"steps": [{"subject": "{{ 1 / 0 }}", "body": "x"}]},
             "steps[0].subject: the template cannot be rendered: division by zero"),
            ({"steps": []}, "steps needs at least 1 item"),
            ({"steps": [STEPS[0]] * 11}, "steps takes at most 10 items"),
            ({"fromEmail": None}, "fromEmail required for channel sendgrid"),
            ({"instantlyCampaignId": str(uuid.uuid4())}, "instantlyCampaignId: only for"),
        ],
    )  # fmt: skip
    async def test_bad_input_is_a_400_naming_the_field(
        self, client: httpx.AsyncClient, change: dict[str, Any], words: str
    ) -> None:
        body = {k: v for k, v in _body(**change).items() if v is not None}
        response = await client.post("/api/campaigns", json=body)
        assert response.status_code == 400, response.text
        assert words in response.json()["detail"]

    async def test_instantly_fields_stay_instantly(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/campaigns", json={"instantlyCampaignId": str(uuid.uuid4()), "dailyCap": 5}
        )
        assert response.status_code == 400
        assert "dailyCap: only for channel sendgrid" in response.json()["detail"]


class TestPatch:
    async def test_unsent_steps_and_sender_change_sent_steps_do_not(
        self, client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        campaign = await _create(client)
        await _dispatch(client, sg_runtime, campaign["id"])
        assert sg_runtime.mail_sender is not None
        await send_due(
            sg_runtime.sessionmaker, sg_runtime.mail_sender, sg_runtime.settings,
            now=WEDNESDAY_9_TEXAS,
        )  # fmt: skip
        url = f"/api/campaigns/{campaign['id']}"
        changed_first = [{**STEPS[0], "subject": "New subject"}, STEPS[1]]
        refused = await client.patch(url, json={"steps": changed_first})
        assert refused.status_code == 409
        assert "Step 1 has already been sent to 1 technician(s)" in refused.json()["detail"]
        new_second = [STEPS[0], {"subject": "Still there?", "body": "Hi", "delayDays": 3}]
        ok = await client.patch(url, json={"steps": new_second, "fromName": "Raven Team",
                                           "dailyCap": None})  # fmt: skip
        assert ok.status_code == 200, ok.text
        assert ok.json()["steps"][1]["subject_template"] == "Still there?"
        assert ok.json()["from_name"] == "Raven Team"
        assert ok.json()["daily_cap"] is None
        window = await client.patch(url, json={"windowStartHour": 20})
        assert window.status_code == 400
        assert "windowStartHour (20) must be before windowEndHour (18)" in window.text

    async def test_a_change_is_audited_with_what_and_by_whom(
        self, client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        campaign = await _create(client)
        url = f"/api/campaigns/{campaign['id']}"
        ok = await client.patch(url, json={"dailyCap": 40, "weekdaysOnly": False})
        assert ok.status_code == 200, ok.text
        refused = await client.patch(url, json={"windowStartHour": 20})
        assert refused.status_code == 400
        async with sg_runtime.sessionmaker() as session:
            [entry] = (await session.scalars(select(AuditEntry))).all()
        assert (entry.action, entry.subject) == ("campaign.updated", f"campaign:{campaign['id']}")
        assert entry.detail == ("weekdays_only True → False; daily_cap 500 → 40 by API token tests")

    async def test_sendgrid_fields_on_an_instantly_campaign_are_refused(
        self, client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        from tests.fixtures.factories import create_campaign

        async with unit_of_work(sg_runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
        response = await client.patch(f"/api/campaigns/{campaign.id}", json={"dailyCap": 10})
        assert response.status_code == 409
        assert "only a SendGrid campaign has these" in response.json()["detail"]


async def test_dispatch_schedules_the_sequence_and_preview_shows_it(
    client: httpx.AsyncClient, sg_runtime: Runtime
) -> None:
    campaign = await _create(client)
    target_id = await _dispatch(client, sg_runtime, campaign["id"])
    async with sg_runtime.sessionmaker() as session:
        [row] = (await session.scalars(select(Dispatch))).all()
    assert (row.channel, row.next_step, row.status) == ("sendgrid", 1, DispatchStatus.pending)
    assert row.next_step_due_at is not None
    assert row.pushed_at is not None
    preview = await client.get(
        f"/api/campaigns/{campaign['id']}/preview", params={"targetId": target_id}
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["warnings"] == []
    first, second = shown["steps"]
    assert first["subject"] == "Work in Austin, Pat?"
    assert first["body"].startswith("Hi Pat,\nAcme Plumbing")
    token = make_token("api-test-secret", row.id)
    assert POSTAL in first["body"]
    assert f"https://raven.example.com/unsubscribe/{token}" in first["body"]
    assert first["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert second["delay_days"] == 2


class TestOutbox:
    async def test_list_and_resend_an_uncertain_email(
        self, client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        from ravensearch.sendgrid.errors import SendGridUncertain

        campaign = await _create(client)
        await _dispatch(client, sg_runtime, campaign["id"])
        sender = sg_runtime.mail_sender
        assert isinstance(sender, RecordingSender)
        sender.raise_next = [SendGridUncertain("connection lost mid-answer")]
        await send_due(sg_runtime.sessionmaker, sender, sg_runtime.settings, now=WEDNESDAY_9_TEXAS)
        url = f"/api/campaigns/{campaign['id']}/sends"
        listed = (await client.get(url, params={"state": "uncertain"})).json()
        assert listed["total"] == 1
        [item] = listed["items"]
        assert item["error"] == "connection lost mid-answer"
        assert (await client.get(url, params={"state": "sent"})).json()["total"] == 0
        assert (await client.get(url, params={"state": "nope"})).status_code == 400
        resent = await client.post(f"{url}/{item['id']}/resend")
        assert resent.status_code == 200
        assert resent.json()["state"] == "queued"
        again = await client.post(f"{url}/{item['id']}/resend")
        assert again.status_code == 409
        missing = await client.post(f"{url}/{uuid.uuid4()}/resend")
        assert missing.status_code == 404


class TestUnsubscribe:
    async def test_one_click_post_unsubscribes_suppresses_and_stops(
        self, client: httpx.AsyncClient, anon_client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        campaign = await _create(client)
        await _dispatch(client, sg_runtime, campaign["id"])
        async with sg_runtime.sessionmaker() as session:
            [row] = (await session.scalars(select(Dispatch))).all()
        token = make_token("api-test-secret", row.id)
        page = await anon_client.get(f"/unsubscribe/{token}")
        assert page.status_code == 200
        assert 'method="post"' in page.text
        async with sg_runtime.sessionmaker() as session:
            assert (await session.get(Dispatch, row.id)).unsubscribed_at is None  # type: ignore[union-attr]
        for _ in range(2):  # a second click changes nothing
            done = await anon_client.post(
                f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
            )
            assert done.status_code == 200
            assert "Unsubscribed" in done.text
        async with sg_runtime.sessionmaker() as session:
            stored = await session.get(Dispatch, row.id)
            suppressed = (await session.scalars(select(Suppression.value))).all()
        assert stored is not None
        assert stored.status == DispatchStatus.unsubscribed
        assert stored.next_step is None
        assert list(suppressed) == [row.email]
        assert sg_runtime.mail_sender is not None
        report = await send_due(
            sg_runtime.sessionmaker, sg_runtime.mail_sender, sg_runtime.settings,
            now=WEDNESDAY_9_TEXAS,
        )  # fmt: skip
        assert report.sent == 0

    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_a_forged_token_is_a_readable_400(
        self, anon_client: httpx.AsyncClient, sg_runtime: Runtime, method: str
    ) -> None:
        forged = make_token("another-secret", uuid.uuid4())
        response = await anon_client.request(method, f"/unsubscribe/{forged}")
        assert response.status_code == 400
        assert "not valid" in response.text
        assert "<html" in response.text

    async def test_a_token_for_a_deleted_dispatch_is_a_404(
        self, anon_client: httpx.AsyncClient, sg_runtime: Runtime
    ) -> None:
        token = make_token("api-test-secret", uuid.uuid4())
        response = await anon_client.post(f"/unsubscribe/{token}")
        assert response.status_code == 404


async def test_sends_never_list_other_states_than_asked(
    client: httpx.AsyncClient, sg_runtime: Runtime
) -> None:
    campaign = await _create(client)
    await _dispatch(client, sg_runtime, campaign["id"])
    assert sg_runtime.mail_sender is not None
    await send_due(
        sg_runtime.sessionmaker, sg_runtime.mail_sender, sg_runtime.settings,
        now=WEDNESDAY_9_TEXAS,
    )  # fmt: skip
    async with sg_runtime.sessionmaker() as session:
        states = (await session.scalars(select(EmailSend.state))).all()
    assert list(states) == [SendState.sent]
    listed = (await client.get(f"/api/campaigns/{campaign['id']}/sends")).json()
    assert [i["state"] for i in listed["items"]] == ["sent"]
