"""Outreach → Campaigns for channel sendgrid: the form, the page (sequence, counters,
outbox, Re-send, preview), the list's channel, and Settings → SendGrid."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup
from pydantic import SecretStr
from sqlalchemy import select

from ravensearch.campaigns.templates import FIELDS
from ravensearch.db.models import AuditEntry, Campaign, CampaignStep, Dispatch, EmailSend, SendState
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign
from tests.sequences.helpers import add_targets, create_sendgrid_campaign, dispatch

LIST = "/outreach/campaigns"
GOOD_FORM = {
    "channel": "sendgrid",
    "name": "Plumbers — Texas (SendGrid)",
    "trade_filter": "plumbing",
    "from_email": "Jobs@Raven.example.com",
    "from_name": "Raven Jobs",
    "reply_to": "replies@raven.example.com",
    "window_start_hour": "8",
    "window_end_hour": "18",
    "weekdays_only": "on",
    "daily_cap": "200",
    "status": "active",
    "step_1_subject": "Work in {{ city }}?",
    "step_1_body": "Hi {{ first_name }}, {{ business_name }} looks great.",
    "step_1_delay_days": "",
    "step_2_subject": "",
    "step_2_body": "",
    "step_3_subject": "Following up",
    "step_3_body": "Any thoughts, {{ first_name }}?",
    "step_3_delay_days": "3",
}


def soup_of(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


class TestForm:
    async def test_the_channel_choice_and_the_template_fields(self, admin: AdminClient) -> None:
        instantly = soup_of((await admin.page(f"{LIST}/new")).text)
        assert instantly.select_one("#new-campaign-form") is not None
        chosen = instantly.select_one('#channel-choice a[aria-current="page"]')
        assert chosen.text.startswith("Instantly")
        page = await admin.page(f"{LIST}/new?channel=sendgrid")
        soup = soup_of(page.text)
        assert soup.select_one("#new-campaign-form") is None
        form = soup.select_one("#new-sequence-form")
        assert form.select_one('input[name="channel"]')["value"] == "sendgrid"
        assert len(form.select(".step-slot")) == 3
        names = [dt.text for dt in soup.select("#template-fields dt")]
        assert names == [f"{{{{ {name} }}}}" for name in FIELDS]

    async def test_creates_the_campaign_with_its_steps_and_opens_it(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        await admin.page(f"{LIST}/new?channel=sendgrid")
        response = await admin.submit(LIST, GOOD_FORM, htmx=True)
        assert response.status_code == 200, response.text
        async with runtime.sessionmaker() as session:
            [campaign] = (await session.scalars(select(Campaign))).all()
            steps = (await session.scalars(select(CampaignStep).order_by("position"))).all()
        assert response.headers["hx-redirect"] == f"{LIST}/{campaign.id}"
        assert (campaign.channel, campaign.from_email, campaign.daily_cap) == (
            "sendgrid", "jobs@raven.example.com", 200,
        )  # fmt: skip
        assert (campaign.window_start_hour, campaign.window_end_hour) == (8, 18)
        # The empty slot 2 is left out: slot 3 becomes step 2.
        assert [(s.position, s.subject_template, s.delay_days) for s in steps] == [
            (1, "Work in {{ city }}?", 0),
            (2, "Following up", 3),
        ]

    async def test_problems_are_shown_next_to_their_fields(self, admin: AdminClient) -> None:
        await admin.page(f"{LIST}/new?channel=sendgrid")
        bad = {**GOOD_FORM, "from_email": "not-an-address", "daily_cap": "0"}
        bad |= {"step_3_body": "Hi {{ nickname }}", "step_3_delay_days": "-1"}
        response = await admin.submit(LIST, bad, htmx=True)
        assert response.status_code == 422
        assert response.template.name == "outreach/_sequence_form.html"
        soup = soup_of(response.text)
        assert (
            "'not-an-address' is not a valid email address"
            in soup.select_one("#from-email-error").text
        )
        assert soup.select_one("#daily-cap-error").text == "Daily cap must be at least 1."
        body_error = soup.select_one("#step-3-body-error").text
        assert "unknown template variable(s) nickname" in body_error
        assert body_error.startswith("Step 3 body:")
        assert (
            soup.select_one("#step-3-delay-days-error").text == "Step 3 delay must be at least 0."
        )
        # What was typed comes back as it was.
        assert soup.select_one("#step-3-body").text == "Hi {{ nickname }}"
        assert soup.select_one("#from-email")["value"] == "not-an-address"

    async def test_no_step_and_a_window_backwards(self, admin: AdminClient) -> None:
        await admin.page(f"{LIST}/new?channel=sendgrid")
        empty_steps = {k: v for k, v in GOOD_FORM.items() if not k.startswith("step_")}
        response = await admin.submit(
            LIST, {**empty_steps, "window_start_hour": "18", "window_end_hour": "8"}, htmx=True
        )
        assert response.status_code == 422
        soup = soup_of(response.text)
        assert soup.select_one("#steps-error").text == (
            "Write at least one step (a subject and a body)."
        )
        response = await admin.submit(
            LIST, {**GOOD_FORM, "window_start_hour": "18", "window_end_hour": "8"}, htmx=True
        )
        form_error = soup_of(response.text).select_one("#sequence-form-error").text
        assert "must be before windowEndHour" in form_error

    async def test_add_step_gives_one_more_slot_and_keeps_what_was_typed(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        await admin.page(f"{LIST}/new?channel=sendgrid")
        response = await admin.submit(
            LIST, {**GOOD_FORM, "step_slots": "3", "add_step": "1"}, htmx=True
        )
        assert response.status_code == 200
        soup = soup_of(response.text)
        assert len(soup.select(".step-slot")) == 4
        assert soup.select_one("#step-3-subject")["value"] == "Following up"
        async with runtime.sessionmaker() as session:
            assert (await session.scalars(select(Campaign))).all() == []

    async def test_viewer_cannot_create(self, viewer: AdminClient) -> None:
        await viewer.page(f"{LIST}/new?channel=sendgrid")
        response = await viewer.submit(LIST, GOOD_FORM, htmx=True)
        assert response.status_code == 403


async def seed_outbox(runtime: Runtime) -> tuple[Campaign, dict[str, EmailSend]]:
    """A SendGrid campaign with three technicians: one email sent, one uncertain, one failed."""
    campaign = await create_sendgrid_campaign(runtime.sessionmaker, dailyCap=50)
    async with unit_of_work(runtime.sessionmaker) as session:
        target_ids = await add_targets(session, 3)
    await dispatch(runtime.sessionmaker, campaign, target_ids)
    sends: dict[str, EmailSend] = {}
    async with unit_of_work(runtime.sessionmaker) as session:
        dispatches = (await session.scalars(select(Dispatch).order_by(Dispatch.email))).all()
        for d, state in zip(dispatches, ("sent", "uncertain", "failed"), strict=True):
            send = EmailSend(
                dispatch_id=d.id, campaign_id=campaign.id, step=1, state=SendState(state),
                to_email=d.email, subject=f"Work in Austin ({state})",
                rfc_message_id=f"<{uuid.uuid4().hex}@raven.test>",
            )  # fmt: skip
            session.add(send)
            sends[state] = send
        row = await session.get(Campaign, campaign.id)
        assert row is not None
        row.emails_sent, row.emails_delivered, row.emails_dropped, row.spam_reports = 1, 1, 2, 3
    return campaign, sends


class TestDetail:
    async def test_sequence_counters_and_no_instantly_parts(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        response = await admin.page(f"{LIST}/{campaign.id}")
        soup = soup_of(response.text)
        card = soup.select_one("#sequence-card")
        assert "jobs@raven.example.com" in card.text
        assert "09:00–17:00 technician's local time, weekdays only" in card.text
        assert card.select_one('[data-fact="cap"]').text == "50 emails a day"
        assert len(card.select(".sequence-steps li")) == 2
        stat = {
            key: soup.select_one(f'#campaign-stats [data-stat="{key}"] .stat-value').text
            for key in ("sent", "delivered", "dropped", "spam_reports")
        }
        assert stat == {"sent": "1", "delivered": "1", "dropped": "2", "spam_reports": "3"}
        funnel = [li.select_one(".funnel-label").text for li in soup.select(".funnel li")]
        assert funnel[:4] == ["Dispatched", "Sent", "Delivered", "Opened"]
        assert "Spam reports" in funnel
        assert "Ravensearch vs Instantly" not in response.text
        assert soup.select_one("#drift") is None
        for instantly_only in ("Sync now", "Skip them from now on", "Add them too"):
            assert soup.find("button", string=instantly_only) is None
        # The stats poll carries the SendGrid counters too.
        stats = await admin.page(f"{LIST}/{campaign.id}/stats", htmx=True)
        assert soup_of(stats.text).select_one('[data-counter="spam_reports"]').text == "3"

    async def test_an_instantly_campaign_keeps_its_drift_card_and_actions(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
        soup = soup_of((await admin.page(f"{LIST}/{campaign.id}")).text)
        assert soup.find("button", string="Sync now") is not None
        assert soup.select_one("#outbox") is None
        assert soup.select_one('[data-stat="delivered"]') is None

    async def test_outbox_counts_and_filter(self, admin: AdminClient, runtime: Runtime) -> None:
        campaign, _ = await seed_outbox(runtime)
        soup = soup_of((await admin.page(f"{LIST}/{campaign.id}")).text)
        counts = {
            a["data-send-state"]: a.select_one("[data-count]").text
            for a in soup.select("#outbox [data-send-state]")
        }
        assert counts == {
            "queued": "0", "sending": "0", "sent": "1", "failed": "1", "uncertain": "1",
            "cancelled": "0",
        }  # fmt: skip
        rows = soup.select("#outbox-table tbody tr")
        assert sorted(r["data-state"] for r in rows) == ["failed", "sent", "uncertain"]
        with_button = {r["data-state"] for r in rows if r.find("button", string="Re-send")}
        assert with_button == {"failed", "uncertain"}
        only = await admin.page(f"{LIST}/{campaign.id}/outbox?state=uncertain", htmx=True)
        assert only.template.name == "outreach/_outbox.html"
        assert [r["data-state"] for r in soup_of(only.text).select("#outbox-table tbody tr")] == [
            "uncertain"
        ]

    async def test_resend_queues_the_email_and_is_audited(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, sends = await seed_outbox(runtime)
        await admin.page(f"{LIST}/{campaign.id}")
        url = f"{LIST}/{campaign.id}/sends/{sends['uncertain'].id}/resend"
        response = await admin.submit(url, htmx=True)
        assert response.status_code == 200
        assert response.template.name == "outreach/_outbox.html"
        assert "queued to be sent again" in response.text
        async with runtime.sessionmaker() as session:
            send = await session.get(EmailSend, sends["uncertain"].id)
            assert send is not None
            assert send.state == SendState.queued
            [entry] = (await session.scalars(select(AuditEntry))).all()
        assert entry.action == "email_send.resent"
        # A sent email is not re-sent: the service's 409 comes back as a toast.
        sent = f"{LIST}/{campaign.id}/sends/{sends['sent'].id}/resend"
        refused = await admin.submit(sent, htmx=True)
        assert refused.status_code == 409
        assert "Only uncertain or failed emails can be re-sent" in refused.text

    async def test_viewer_sees_no_resend_and_cannot_post_it(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        campaign, sends = await seed_outbox(runtime)
        soup = soup_of((await viewer.page(f"{LIST}/{campaign.id}")).text)
        assert len(soup.select("#outbox-table tbody tr")) == 3
        assert soup.find("button", string="Re-send") is None
        url = f"{LIST}/{campaign.id}/sends/{sends['uncertain'].id}/resend"
        assert (await viewer.submit(url, htmx=True)).status_code == 403
        async with runtime.sessionmaker() as session:
            send = await session.get(EmailSend, sends["uncertain"].id)
            assert send is not None
            assert send.state == SendState.uncertain

    async def test_preview_of_a_dispatched_technician(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        runtime.settings = runtime.settings.model_copy(
            update={"SENDER_POSTAL_ADDRESS": "Raven Inc., 1 Main St, Austin, TX"}
        )
        campaign, _ = await seed_outbox(runtime)
        soup = soup_of((await admin.page(f"{LIST}/{campaign.id}")).text)
        options = soup.select("#preview-target option[value]")
        choices = [o["value"] for o in options if o["value"]]
        assert len(choices) == 3
        response = await admin.page(
            f"{LIST}/{campaign.id}/preview?target_id={choices[0]}", htmx=True
        )
        soup = soup_of(response.text)
        steps = soup.select(".preview-step")
        assert [s["data-step"] for s in steps] == ["1", "2"]
        assert steps[0].select_one(".preview-subject").text == "Work in Austin, Pat?"
        body = steps[0].select_one(".preview-body").text
        assert body.startswith("Hi Pat,\nAcme Plumbing")
        assert "Raven Inc., 1 Main St, Austin, TX" in body
        assert soup.select_one("#preview-target option[selected]")["value"] == choices[0]

    async def test_preview_problems_are_inline(self, admin: AdminClient, runtime: Runtime) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/preview"
        bad = soup_of((await admin.page(f"{url}?typed_id=nope", htmx=True)).text)
        assert "is a UUID" in bad.select_one("#preview-error").text
        unknown = soup_of((await admin.page(f"{url}?typed_id={uuid.uuid4()}", htmx=True)).text)
        assert "No technician has id" in unknown.select_one("#preview-error").text


class TestList:
    async def test_channel_column(self, admin: AdminClient, runtime: Runtime) -> None:
        sendgrid = await create_sendgrid_campaign(runtime.sessionmaker)
        async with unit_of_work(runtime.sessionmaker) as session:
            instantly = await create_campaign(session)
        soup = soup_of((await admin.page(LIST)).text)
        badges = {
            tr["data-campaign-id"]: tr.select_one("[data-channel]").text
            for tr in soup.select("#campaigns-table tbody tr")
        }
        assert badges == {str(sendgrid.id): "SendGrid", str(instantly.id): "Instantly"}


class TestSettings:
    async def test_urls_and_whether_set_never_the_secrets(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        secrets = {
            "SENDGRID_API_KEY": "SG.very-secret-api-key",
            "SENDGRID_WEBHOOK_PUBLIC_KEY": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsecretish",
            "SENDGRID_INBOUND_SECRET": "inbound-secret-in-the-url",
        }
        runtime.settings = runtime.settings.model_copy(
            update={
                **{k: SecretStr(v) for k, v in secrets.items()},
                "PUBLIC_URL": "https://raven.example.com/",
                "SENDER_POSTAL_ADDRESS": "Raven Inc., 1 Main St, Austin, TX",
            }
        )
        response = await admin.page("/settings")
        for secret in secrets.values():
            assert secret not in response.text
        soup = soup_of(response.text)
        section = soup.select_one("#sendgrid-settings")
        assert soup.select_one("#sendgrid-event-url")["value"] == (
            "https://raven.example.com/api/webhooks/sendgrid"
        )
        assert soup.select_one("#sendgrid-inbound-url")["value"] == (
            "https://raven.example.com/api/webhooks/sendgrid/inbound/<SENDGRID_INBOUND_SECRET>"
        )
        assert section.select_one('[data-fact="api-key"]').text.startswith("Set")
        assert section.select_one('[data-fact="public-key"]').text.startswith("Set")
        assert section.select_one('[data-fact="inbound-secret"]').text.startswith("Set")
        assert "Raven Inc., 1 Main St" in section.select_one('[data-fact="postal-address"]').text
        assert section.select_one("#sendgrid-mock") is None

    async def test_nothing_set_is_said_plainly(self, admin: AdminClient) -> None:
        soup = soup_of((await admin.page("/settings")).text)
        section = soup.select_one("#sendgrid-settings")
        assert "SendGrid campaigns wait" in section.select_one('[data-fact="api-key"]').text
        assert "signed events are refused" in section.select_one('[data-fact="public-key"]').text
        assert "nothing is sent until it is" in section.select_one("#no-postal-address").text

    async def test_the_demo_says_a_fake_sendgrid_answers(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        runtime.settings = runtime.settings.model_copy(update={"MOCK": True})
        soup = soup_of((await admin.page("/settings")).text)
        assert "simulated SendGrid" in soup.select_one("#sendgrid-mock").text
        api_key = soup.select_one('#sendgrid-settings [data-fact="api-key"]').text
        assert api_key == "Not set: the demo's fake SendGrid answers"
