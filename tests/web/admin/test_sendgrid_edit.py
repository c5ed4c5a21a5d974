"""Editing a SendGrid campaign from its page: the prefilled form, what is saved (and
audited), what is refused and why, and who may do it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ravensearch.db.models import AuditEntry, Campaign, CampaignStep
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign
from tests.sequences.helpers import STEPS
from tests.web.admin.test_sendgrid_campaigns import LIST, seed_outbox, soup_of

# What the browser posts for the seeded campaign: step 1 (sent) has no inputs.
EDIT_FORM = {
    "step_slots": "2",
    "from_email": "jobs@raven.example.com",
    "from_name": "Raven Jobs",
    "reply_to": "replies@raven.example.com",
    "window_start_hour": "9",
    "window_end_hour": "17",
    "weekdays_only": "on",
    "daily_cap": "50",
    "status": "active",
    "step_2_subject": "Following up",
    "step_2_body": "Any thoughts, {{ first_name }}?",
    "step_2_delay_days": "2",
}


async def stored(runtime: Runtime, campaign_id: object) -> tuple[Campaign, Sequence[CampaignStep]]:
    async with runtime.sessionmaker() as session:
        campaign = await session.get(Campaign, campaign_id)
        assert campaign is not None
        steps = (
            await session.scalars(
                select(CampaignStep)
                .where(CampaignStep.campaign_id == campaign.id)
                .order_by(CampaignStep.position)
            )
        ).all()
    return campaign, steps


async def audit_entries(runtime: Runtime) -> Sequence[AuditEntry]:
    async with runtime.sessionmaker() as session:
        return (await session.scalars(select(AuditEntry))).all()


class TestEditPage:
    async def test_prefilled_with_the_sent_step_read_only(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        detail = soup_of((await admin.page(f"{LIST}/{campaign.id}")).text)
        assert detail.select_one("#edit-campaign")["href"] == f"{LIST}/{campaign.id}/edit"
        response = await admin.page(f"{LIST}/{campaign.id}/edit")
        assert response.status_code == 200
        assert response.template.name == "outreach/campaign_edit.html"
        soup = soup_of(response.text)
        form = soup.select_one("#edit-sequence-form")
        assert form["action"] == f"{LIST}/{campaign.id}/edit"
        values = {name: form.select_one(f'[name="{name}"]').get("value") for name in (
            "from_email", "from_name", "reply_to", "window_start_hour", "window_end_hour",
            "daily_cap", "step_slots",
        )}  # fmt: skip
        assert values == {
            "from_email": "jobs@raven.example.com", "from_name": "Raven Jobs",
            "reply_to": "replies@raven.example.com", "window_start_hour": "9",
            "window_end_hour": "17", "daily_cap": "50", "step_slots": "2",
        }  # fmt: skip
        assert form.select_one("#weekdays-only").has_attr("checked")
        assert form.select_one("#sequence-status option[selected]")["value"] == "active"
        # Step 1 went to two technicians (one sent, one uncertain): shown, not editable.
        locked = form.select_one('.step-slot[data-step="1"]')
        assert locked.has_attr("data-locked")
        assert "already sent to 2 technicians" in locked.select_one("#step-1-locked").text
        assert locked.select_one('[data-part="subject"]').text == STEPS[0]["subject"]
        assert locked.select("input, textarea") == []
        assert form.select_one("#step-2-subject")["value"] == "Following up"
        assert form.select_one("#step-2-body").text == "Any thoughts, {{ first_name }}?"
        assert soup.select_one("#template-fields") is not None

    async def test_an_instantly_campaign_has_no_sequence_to_edit(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
        response = await admin.page(f"{LIST}/{campaign.id}/edit")
        assert response.status_code == 409
        assert "change its sequence there" in response.text


class TestSave:
    async def test_changes_are_saved_audited_and_toasted(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/edit"
        await admin.page(url)
        changed = {**EDIT_FORM, "daily_cap": "200", "from_name": "", "window_end_hour": "18"}
        changed |= {"status": "paused", "step_2_subject": "Still there?", "step_slots": "3"}
        changed |= {"step_3_subject": "Last one", "step_3_body": "Bye", "step_3_delay_days": "4"}
        del changed["weekdays_only"]
        response = await admin.submit(url, changed, htmx=True)
        assert response.status_code == 200, response.text
        assert response.headers["hx-redirect"] == f"{LIST}/{campaign.id}"
        saved, steps = await stored(runtime, campaign.id)
        assert (saved.daily_cap, saved.from_name, saved.window_end_hour) == (200, None, 18)
        assert (saved.status, saved.weekdays_only) == ("paused", False)
        assert [(s.subject_template, s.delay_days) for s in steps] == [
            (STEPS[0]["subject"], 0), ("Still there?", 2), ("Last one", 4),
        ]  # fmt: skip
        [entry] = await audit_entries(runtime)
        assert (entry.action, entry.subject) == ("campaign.updated", f"campaign:{campaign.id}")
        assert entry.user_email is not None
        assert entry.detail is not None
        assert "daily_cap 50 → 200" in entry.detail
        assert "steps 2 → 3 (from step 2)" in entry.detail
        assert entry.detail.endswith(f"by {entry.user_email}")
        page = await admin.page(f"{LIST}/{campaign.id}")
        assert [t.message for t in page.context["toasts"]] == [
            f"Saved “{saved.name}”. The changes apply to the emails sent next."
        ]
        card = soup_of(page.text).select_one("#sequence-card")
        assert card.select_one('[data-fact="cap"]').text == "200 emails a day"

    async def test_bad_input_is_shown_by_its_fields_and_nothing_changes(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/edit"
        await admin.page(url)
        bad = {**EDIT_FORM, "from_email": "not-an-address", "daily_cap": "0"}
        bad |= {"step_2_body": "Hi {{ nickname }}", "step_2_delay_days": "-1"}
        response = await admin.submit(url, bad, htmx=True)
        assert response.status_code == 422
        assert response.template.name == "outreach/_sequence_edit_form.html"
        soup = soup_of(response.text)
        assert "'not-an-address' is not a valid email address" in (
            soup.select_one("#from-email-error").text
        )
        assert soup.select_one("#daily-cap-error").text == "Daily cap must be at least 1."
        assert "unknown template variable(s) nickname" in soup.select_one("#step-2-body-error").text
        assert soup.select_one("#step-2-delay-days-error").text == (
            "Step 2 delay must be at least 0."
        )
        assert soup.select_one("#step-2-body").text == "Hi {{ nickname }}"  # as typed
        assert soup.select_one('.step-slot[data-step="1"]').has_attr("data-locked")
        no_sender = await admin.submit(url, {**EDIT_FORM, "from_email": ""}, htmx=True)
        assert no_sender.status_code == 422
        assert soup_of(no_sender.text).select_one("#from-email-error").text == (
            "From email is required: every step is sent from it."
        )
        backwards = {**EDIT_FORM, "window_start_hour": "18", "window_end_hour": "8"}
        form_error = soup_of((await admin.submit(url, backwards, htmx=True)).text)
        assert "must be before windowEndHour" in form_error.select_one("#sequence-form-error").text
        saved, steps = await stored(runtime, campaign.id)
        assert (saved.from_email, saved.daily_cap, saved.window_start_hour) == (
            "jobs@raven.example.com", 50, 9,
        )  # fmt: skip
        assert [s.body_template for s in steps] == [s["body"] for s in STEPS]
        assert await audit_entries(runtime) == []

    async def test_a_sent_step_is_not_changed(self, admin: AdminClient, runtime: Runtime) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/edit"
        await admin.page(url)
        # As if step 1 went out while the form was open with it editable.
        typed = {**EDIT_FORM, "step_1_subject": "New subject", "step_1_body": "New body"}
        typed |= {"daily_cap": "999"}
        response = await admin.submit(url, typed, htmx=True)
        assert response.status_code == 409
        soup = soup_of(response.text)
        assert "Step 1 has already been sent to 2 technician(s)" in (
            soup.select_one("#sequence-form-error").text
        )
        assert (
            soup.select_one('.step-slot[data-step="1"] [data-part="subject"]').text
            == (STEPS[0]["subject"])
        )
        saved, steps = await stored(runtime, campaign.id)
        assert saved.daily_cap == 50  # the refused update changed nothing at all
        assert steps[0].subject_template == STEPS[0]["subject"]
        assert await audit_entries(runtime) == []

    async def test_add_step_gives_one_more_slot_and_saves_nothing(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/edit"
        await admin.page(url)
        response = await admin.submit(url, {**EDIT_FORM, "add_step": "1"}, htmx=True)
        assert response.status_code == 200
        soup = soup_of(response.text)
        assert [s["data-step"] for s in soup.select(".step-slot")] == ["1", "2", "3"]
        assert soup.select_one('.step-slot[data-step="1"]').has_attr("data-locked")
        assert soup.select_one("#step-3-subject")["value"] == ""
        assert soup.select_one('input[name="step_slots"]')["value"] == "3"
        _, steps = await stored(runtime, campaign.id)
        assert len(steps) == 2


class TestWho:
    async def test_viewer_sees_no_edit_button_and_gets_403(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        detail = soup_of((await viewer.page(f"{LIST}/{campaign.id}")).text)
        assert detail.select_one("#sequence-card") is not None
        assert detail.select_one("#edit-campaign") is None
        url = f"{LIST}/{campaign.id}/edit"
        assert (await viewer.page(url)).status_code == 403
        posted = await viewer.submit(url, {**EDIT_FORM, "daily_cap": "999"}, htmx=True)
        assert posted.status_code == 403
        assert (await stored(runtime, campaign.id))[0].daily_cap == 50

    async def test_sign_in_and_the_csrf_token_are_required(
        self, anon: AdminClient, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_outbox(runtime)
        url = f"{LIST}/{campaign.id}/edit"
        signed_out = await anon.page(url)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/login")
        await admin.page(url)
        forged = await admin.submit(url, {**EDIT_FORM, "daily_cap": "999"}, csrf=False)
        assert forged.status_code == 403
        assert "did not come from this site" in forged.context["page"].message
        assert (await stored(runtime, campaign.id))[0].daily_cap == 50
