"""Outreach → Campaigns: list, the new-campaign form with its live lookup, detail, sync."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup
from sqlalchemy import select

from ravensearch.campaigns.service import NOT_FOUND_MESSAGE
from ravensearch.db.models import Campaign, DispatchStatus
from ravensearch.db.session import unit_of_work
from ravensearch.events.counters import refresh_counters
from ravensearch.instantly.fake import FakeInstantlyState, seed_demo_campaigns
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign, create_dispatch, create_target

LIST = "/outreach/campaigns"


async def seed_campaign(runtime: Runtime, **kw: object) -> Campaign:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await create_campaign(session, **kw)


class TestList:
    async def test_page_and_live_fragment(self, admin: AdminClient, runtime: Runtime) -> None:
        campaign = await seed_campaign(
            runtime, name="HVAC — Texas", total_targets=40, emails_sent=30, emails_opened=10
        )
        page = await admin.page(LIST)
        assert page.template.name == "outreach/campaigns.html"
        [row] = page.context["page"].rows
        assert (row.id, row.targets, row.sent, row.opened) == (campaign.id, 40, 30, 10)
        soup = BeautifulSoup(page.text, "html.parser")
        assert soup.find("a", string="+ New Campaign")["href"] == "/outreach/campaigns/new"
        assert soup.select_one('[data-stat="opened"]').text.strip().startswith("10")
        # Open rate per email sent; sends per lead.
        assert soup.select_one('[data-stat="opened"] .rate').text == "33%"
        assert soup.select_one('[data-stat="sent"] .rate').text == "0.8 per lead"
        table = soup.select_one("#campaigns-table")
        assert table["hx-trigger"].startswith("every 2s")
        fragment = await admin.page(LIST, htmx=True)
        assert fragment.template.name == "outreach/_campaigns_table.html"
        assert "<html" not in fragment.text
        assert "HVAC — Texas" in fragment.text

    async def test_viewer_has_no_new_campaign_button(self, viewer: AdminClient) -> None:
        page = await viewer.page(LIST)
        assert "+ New Campaign" not in page.text
        assert page.context["page"].rows == []


class TestDemoCampaigns:
    async def test_mock_mode_lists_the_demo_campaigns_to_pick_from(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        seed_demo_campaigns(fake_state)
        runtime.fake_state = fake_state  # what makes a runtime mock mode
        page = await admin.page(f"{LIST}/new")
        soup = BeautifulSoup(page.text, "html.parser")
        links = soup.select("#demo-campaigns a[data-demo-id]")
        assert [a.text for a in links] == [
            "HVAC Technicians — Texas",
            "Plumbers — Florida",
            "Electricians — Arizona",
        ]
        assert "48 leads" in soup.select_one("#demo-campaigns li").text
        assert "app.instantly.ai" not in soup.select_one("aside").text

        picked = await admin.page(links[0]["href"])
        soup = BeautifulSoup(picked.text, "html.parser")
        assert soup.select_one("#instantly-campaign-id")["value"] == HVAC_TEXAS_ID
        assert soup.select_one("#campaign-name")["value"] == "HVAC Technicians — Texas"
        assert soup.select_one("#lookup-found") is not None
        assert len(soup.select("#campaign-name")) == 1

    async def test_outside_mock_mode_the_help_says_where_the_id_is(
        self, admin: AdminClient
    ) -> None:
        page = await admin.page(f"{LIST}/new")
        assert "#demo-campaigns" not in page.text
        assert "app.instantly.ai/app/campaign/" in page.text


class TestValidate:
    async def lookup(self, admin: AdminClient, value: str):  # type: ignore[no-untyped-def]
        await admin.page(f"{LIST}/new")
        response = await admin.submit(
            f"{LIST}/new/validate", {"instantly_campaign_id": value}, htmx=True
        )
        assert response.status_code == 200
        assert response.template.name == "outreach/_campaign_lookup.html"
        return response

    async def test_not_a_uuid(self, admin: AdminClient) -> None:
        response = await self.lookup(admin, "cam_123")
        assert "Instantly campaign ids are UUIDs" in response.context["page"].error
        assert BeautifulSoup(response.text, "html.parser").select_one("#lookup-error")

    async def test_unknown_in_instantly(self, admin: AdminClient) -> None:
        response = await self.lookup(admin, str(uuid.uuid4()))
        assert response.context["page"].error == NOT_FOUND_MESSAGE

    async def test_found_fills_in_the_name(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Plumbers — Florida", status=1)
        response = await self.lookup(admin, f"  {remote.id} ")
        page = response.context["page"]
        assert page.error is None
        assert page.info.name == "Plumbers — Florida"
        name = BeautifulSoup(response.text, "html.parser").select_one("#campaign-name")
        assert name["value"] == "Plumbers — Florida"
        assert name["hx-swap-oob"] == "true"

    async def test_instantly_down_is_explained(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        fake_state.fail_next(10, 503)
        response = await self.lookup(admin, str(uuid.uuid4()))
        assert "server error" in response.context["page"].error

    async def test_already_linked_is_flagged(
        self, admin: AdminClient, fake_state: FakeInstantlyState, runtime: Runtime
    ) -> None:
        remote = fake_state.add_campaign("Roofers", status=1)
        local = await seed_campaign(runtime, instantly_campaign_id=remote.id)
        response = await self.lookup(admin, remote.id)
        assert response.context["page"].linked_campaign_id == local.id


class TestCreate:
    async def test_links_then_redirects_to_the_list_with_a_toast(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("HVAC Technicians — Texas", status=1)
        await admin.page(f"{LIST}/new")
        response = await admin.submit(
            LIST, {"instantly_campaign_id": remote.id, "trade_filter": "hvac"}, htmx=True
        )
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == LIST
        listed = await admin.page(LIST)
        [row] = listed.context["page"].rows
        assert (row.name, row.trade_filter) == ("HVAC Technicians — Texas", "hvac")
        assert [t.message for t in listed.context["toasts"]] == [
            "Linked “HVAC Technicians — Texas”. Its counters update as Instantly reports activity."
        ]

    async def test_errors_are_inline(
        self, admin: AdminClient, fake_state: FakeInstantlyState, runtime: Runtime
    ) -> None:
        await admin.page(f"{LIST}/new")
        cases = [({"instantly_campaign_id": ""}, 422, "Paste the Instantly Campaign ID")]
        cases.append(({"instantly_campaign_id": "nope"}, 422, "Instantly campaign ids are UUIDs"))
        cases.append(({"instantly_campaign_id": str(uuid.uuid4())}, 404, NOT_FOUND_MESSAGE))
        for form, status, message in cases:
            response = await admin.submit(LIST, form, htmx=True)
            assert response.status_code == status, form
            assert response.template.name == "outreach/_campaign_form.html"
            assert message in response.context["page"].form.errors["instantly_campaign_id"]
            error = BeautifulSoup(response.text, "html.parser").select_one(
                "#instantly-campaign-id-error"
            )
            assert error is not None
            assert message in error.text

    async def test_already_linked_is_a_409_with_a_link(
        self, admin: AdminClient, fake_state: FakeInstantlyState, runtime: Runtime
    ) -> None:
        remote = fake_state.add_campaign("Roofers", status=1)
        local = await seed_campaign(runtime, instantly_campaign_id=remote.id)
        await admin.page(f"{LIST}/new")
        response = await admin.submit(LIST, {"instantly_campaign_id": remote.id}, htmx=True)
        assert response.status_code == 409
        assert response.context["page"].form.linked_campaign_id == local.id
        assert f"/outreach/campaigns/{local.id}" in response.text

    async def test_a_plain_form_post_works_without_htmx(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Electricians", status=1)
        await admin.page(f"{LIST}/new")
        response = await admin.submit(LIST, {"instantly_campaign_id": remote.id})
        assert (response.status_code, response.headers["location"]) == (303, LIST)
        invalid = await admin.submit(LIST, {"instantly_campaign_id": "x"})
        assert invalid.status_code == 422
        assert invalid.template.name == "outreach/campaign_new.html"

    async def test_viewer_cannot_create(
        self, viewer: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Electricians", status=1)
        form = await viewer.page(f"{LIST}/new")
        button = BeautifulSoup(form.text, "html.parser").find("button", string="Create Campaign")
        assert button is not None
        assert button.has_attr("disabled")
        response = await viewer.submit(LIST, {"instantly_campaign_id": remote.id}, htmx=True)
        assert response.status_code == 403
        assert "Viewers can look, not act." in response.text


class TestRates:
    async def test_a_rate_is_never_above_100_percent(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        # A sync can bring Instantly's counts before our sends catch up.
        await seed_campaign(runtime, total_targets=4, emails_sent=2, emails_opened=3)
        page = await admin.page(LIST)
        soup = BeautifulSoup(page.text, "html.parser")
        assert soup.select_one('[data-stat="opened"] .rate').text == "100%"


class TestDispatchRows:
    async def test_each_dispatch_is_one_line_with_its_timeline_on_demand(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
            for n in range(3):
                await create_dispatch(
                    session,
                    campaign=campaign,
                    target=await create_target(session, business_name=f"Row {n}"),
                    status=DispatchStatus.opened,
                    pushed_at=utcnow(),
                    sent_at=utcnow(),
                    opened_at=utcnow(),
                )
        response = await admin.page(f"{LIST}/{campaign.id}")
        soup = BeautifulSoup(response.text, "html.parser")
        rows = soup.select("tr.dispatch-row")
        assert len(rows) == 3
        for row in rows:
            # Nothing stacks a second line in a cell, but the folded timeline.
            assert [d for d in row.select("div") if not d.find_parent("details")] == []
            latest = row.select_one("details.timeline-more")
            assert latest.summary.text.startswith("Opened")
            assert [dt.text for dt in latest.select("dt")] == ["Pushed", "Sent", "Opened"]
            assert latest.get("open") is None
            assert latest.select_one("time")["datetime"].endswith("Z")


class TestDetail:
    async def test_funnel_drift_and_dispatches(self, admin: AdminClient, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(
                session,
                total_targets=2,
                emails_sent=2,
                replies_received=1,
                instantly_stats={"leads_count": 5, "emails_sent_count": 2, "reply_count": 1},
            )
            target = await create_target(session, business_name="Cool Air LLC", first_name="Ray")
            await create_dispatch(
                session,
                campaign=campaign,
                target=target,
                status=DispatchStatus.replied,
                reply_text="Yes, call me tomorrow.",
            )
        response = await admin.page(f"{LIST}/{campaign.id}")
        assert response.template.name == "outreach/campaign_detail.html"
        page = response.context["page"]
        funnel = {step.key: step.value for step in page.stats.funnel}
        assert funnel == {"dispatched": 2, "sent": 2, "opened": 0, "clicked": 0, "replied": 1}
        drift = {row.label: row.difference for row in page.stats.drift}
        assert (drift["Leads"], drift["Replied"], drift["Bounced"]) == (-3, 0, None)
        [row] = page.dispatches
        assert row.technician.startswith("Ray")
        assert row.reply_text == "Yes, call me tomorrow."
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one('#campaign-stats [data-stat="replied"] .stat-value').text == "1"
        assert soup.find("button", string="Sync now") is not None

    async def test_a_bounce_without_a_reason_says_so(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            campaign = await create_campaign(session)
            for name, reason in (("No Reason Co", None), ("Full Box Co", "552 mailbox full")):
                await create_dispatch(
                    session,
                    campaign=campaign,
                    target=await create_target(session, business_name=name),
                    status=DispatchStatus.bounced,
                    bounced_at=utcnow(),
                    bounce_reason=reason,
                )
        response = await admin.page(f"{LIST}/{campaign.id}")
        cells = BeautifulSoup(response.text, "html.parser").select(".reply-cell .bounce")
        assert sorted(c.text for c in cells) == ["552 mailbox full", "Bounced: no reason given"]

    async def test_fragments(self, admin: AdminClient, runtime: Runtime) -> None:
        campaign = await seed_campaign(runtime)
        stats = await admin.page(f"{LIST}/{campaign.id}/stats", htmx=True)
        assert stats.template.name == "outreach/_campaign_stats.html"
        dispatches = await admin.page(f"{LIST}/{campaign.id}?status=replied", htmx=True)
        assert dispatches.template.name == "outreach/_dispatches.html"
        assert dispatches.context["page"].status_filter == "replied"

    async def test_stats_poll_tells_the_page_when_numbers_moved(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign = await seed_campaign(runtime)
        url = f"{LIST}/{campaign.id}/stats"
        version = (await admin.page(url, htmx=True)).context["page"].version
        unchanged = await admin.page(f"{url}?v={version}", htmx=True)
        assert "hx-trigger" not in unchanged.headers
        async with unit_of_work(runtime.sessionmaker) as session:
            row = await session.get(Campaign, campaign.id)
            assert row is not None
            row.replies_received = 1
        moved = await admin.page(f"{url}?v={version}", htmx=True)
        assert moved.headers["hx-trigger"] == "campaign-changed"
        assert f"v={moved.context['page'].version}" in moved.text

    async def test_unknown_campaign_is_a_404_page(self, admin: AdminClient) -> None:
        response = await admin.page(f"{LIST}/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.template.name == "errors/error.html"

    async def test_sync_now(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        remote = fake_state.add_campaign("Old name", status=1)
        campaign = await seed_campaign(runtime, instantly_campaign_id=remote.id, name="Stale")
        response = await admin.submit(f"{LIST}/{campaign.id}/sync", htmx=True)
        assert response.status_code == 200
        assert response.template.name == "outreach/_campaign_stats.html"
        assert response.context["page"].campaign.name == "Old name"
        assert response.context["page"].campaign.last_synced_at is not None
        assert "Synced with Instantly." in response.text  # the toast, out of band

    async def test_sync_failure_is_a_toast(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await seed_campaign(runtime)  # unknown to the fake → 404 from Instantly
        response = await admin.submit(f"{LIST}/{campaign.id}/sync", htmx=True)
        assert response.status_code == 404
        assert response.headers["hx-reswap"] == "none"
        assert NOT_FOUND_MESSAGE in response.text


class TestRejectedLeads:
    async def test_the_skip_option_is_chosen_on_the_form_and_changed_on_the_page(
        self, admin: AdminClient, fake_state: FakeInstantlyState, runtime: Runtime
    ) -> None:
        remote = fake_state.add_campaign("HVAC Technicians — Texas", status=1)
        form = await admin.page(f"{LIST}/new")
        box = BeautifulSoup(form.text, "html.parser").select_one("#skip-if-in-other-campaign")
        assert box is not None
        assert not box.has_attr("checked")
        await admin.submit(
            LIST,
            {"instantly_campaign_id": remote.id, "skip_if_in_other_campaign": "on"},
            htmx=True,
        )
        async with runtime.sessionmaker() as session:
            [campaign] = (await session.scalars(select(Campaign))).all()
        assert campaign.skip_if_in_other_campaign is True
        detail = await admin.page(f"{LIST}/{campaign.id}")
        meta = BeautifulSoup(detail.text, "html.parser").select_one(".meta-line").get_text()
        assert "Technicians in another Instantly campaign: skipped" in " ".join(meta.split())
        await admin.submit(f"{LIST}/{campaign.id}/settings", {"skip_if_in_other_campaign": ""})
        async with runtime.sessionmaker() as session:
            again = await session.get(Campaign, campaign.id)
            assert again is not None
            assert again.skip_if_in_other_campaign is False

    async def test_rejected_rows_say_why_and_can_be_retried(
        self, admin: AdminClient, viewer: AdminClient, fake_state: FakeInstantlyState,
        runtime: Runtime,
    ) -> None:  # fmt: skip
        remote = fake_state.add_campaign("HVAC", status=0)
        campaign = await seed_campaign(runtime, instantly_campaign_id=remote.id)
        async with unit_of_work(runtime.sessionmaker) as session:
            target = await create_target(session, trade="hvac")
            await create_dispatch(
                session,
                campaign=campaign,
                target=target,
                status=DispatchStatus.rejected,
                rejected_reason="blocklisted",
                pushed_at=utcnow(),
            )
            await refresh_counters(session, [campaign.id])
        page = await admin.page(f"{LIST}/{campaign.id}?status=rejected")
        soup = BeautifulSoup(page.text, "html.parser")
        assert "On Instantly's block list" in soup.select_one("#dispatches tbody").text
        assert soup.select_one('[data-stat="rejected"]') is not None
        button = soup.find("button", string="Retry 1 rejected")
        assert button is not None
        viewer_page = BeautifulSoup(
            (await viewer.page(f"{LIST}/{campaign.id}")).text, "html.parser"
        )
        assert viewer_page.find("button", string="Retry 1 rejected").has_attr("disabled")

        response = await admin.submit(f"{LIST}/{campaign.id}/retry-rejected", {})
        assert response.status_code in (200, 303)
        [lead] = fake_state.leads_by_campaign(remote.id)
        assert lead.email == target.email
        detail = await admin.page(f"{LIST}/{campaign.id}")
        assert [t.message for t in detail.context["toasts"]] == [
            "Sent 1 rejected lead(s) again: 1 in Instantly."
        ]
        assert detail.context["page"].stats.campaign.rejected == 0
