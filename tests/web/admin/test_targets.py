"""Outreach → Targets: table and filters, export, collect, job cards, dispatch, enrich, import."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import select

from ravensearch.db.models import Campaign, Dispatch, Job, JobState, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.suppressions.service import suppression_service
from ravensearch.targets import flows as target_flows
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign, create_target

LIST = "/outreach/targets"


@pytest.fixture
def enqueued(app: FastAPI) -> list[uuid.UUID]:
    """Jobs the app queued (nothing runs them: these tests look at the rows and cards)."""
    queued: list[uuid.UUID] = []
    app.state.enqueue = queued.append
    return queued


async def seed(runtime: Runtime) -> dict[str, uuid.UUID]:
    async with unit_of_work(runtime.sessionmaker) as session:
        hvac = await create_target(
            session, business_name="Cool Air Austin", trade="hvac", state="TX", city="Austin"
        )
        await create_target(
            session,
            business_name="Dry Pipes",
            trade="plumbing",
            state="TX",
            email=None,
            status=TargetStatus.no_email,
            status_reason="no email on the website",
            source="google",
        )
        await create_target(session, business_name="Sunny Volts", trade="electrical", state="FL")
    return {"hvac": hvac.id}


class TestList:
    async def test_page_filters_and_fragment(self, admin: AdminClient, runtime: Runtime) -> None:
        await seed(runtime)
        page = await admin.page(LIST)
        assert page.template.name == "outreach/targets.html"
        context = page.context["page"]
        assert context.pager.total == 3
        assert not context.filters.is_filtered
        soup = BeautifulSoup(page.text, "html.parser")
        assert soup.find("button", string="Collect Technicians") is not None
        assert not soup.find("button", string="Dispatch to Campaign").has_attr("disabled")
        reason = [td.text.strip() for td in soup.select("[data-reason]")]
        assert reason == ["No email on the website"]

        fragment = await admin.page(f"{LIST}?trade=Plumber&state=tx&has_email=no", htmx=True)
        assert fragment.template.name == "outreach/_targets_table.html"
        assert "<html" not in fragment.text
        rows = fragment.context["page"].rows
        assert [r.business_name for r in rows] == ["Dry Pipes"]
        assert fragment.context["page"].filters.params() == {
            "trade": "plumbing",
            "state": "TX",
            "has_email": "no",
        }
        searched = await admin.page(f"{LIST}?q=cool+austin&status=completed&source=manual")
        assert [r.business_name for r in searched.context["page"].rows] == ["Cool Air Austin"]

    async def test_a_bad_filter_is_ignored_and_explained(self, admin: AdminClient) -> None:
        page = await admin.page(f"{LIST}?trade=astronaut&state=TX")
        filters = page.context["page"].filters
        assert filters.state == "TX"
        assert filters.trade == ""
        assert "Ignored the trade “astronaut”" in filters.errors["trade"]
        assert "Ignored the trade" in page.text

    async def test_viewer_sees_disabled_actions(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        await seed(runtime)
        soup = BeautifulSoup((await viewer.page(LIST)).text, "html.parser")
        for label in ("Collect Technicians", "Dispatch to Campaign", "Enrich", "Import CSV"):
            assert soup.find("button", string=label).has_attr("disabled"), label
        assert soup.select_one("#dispatch-campaign").has_attr("disabled")


class TestExport:
    async def test_streams_the_filtered_targets(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        await seed(runtime)
        async with unit_of_work(runtime.sessionmaker) as session:
            await create_target(
                session, business_name="=HYPERLINK(1)", trade="hvac", phone="+1 512-555-0100"
            )
        response = await viewer.get(f"{LIST}/export.csv?trade=hvac")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert sorted(r["business_name"] for r in rows) == ["'=HYPERLINK(1)", "Cool Air Austin"]
        # "+1 …" would start a formula: the export writes the number in national form.
        assert {r["phone"] for r in rows} == {"(512) 555-0100", ""}


class TestCollect:
    async def test_starts_a_job_and_shows_its_card(
        self, admin: AdminClient, runtime: Runtime, enqueued: list[uuid.UUID]
    ) -> None:
        await admin.page(LIST)
        form = {"source": "yelp", "trade": "Plumber", "state": "texas"}
        response = await admin.submit(f"{LIST}/collect", form, htmx=True)
        assert response.status_code == 200
        assert response.template.name == "outreach/_collect_form.html"
        section = response.context["page"]
        assert section.job is not None
        assert section.job.title == ("Collect Plumbing technicians in TX from Yelp")
        assert enqueued == [section.job.id]
        soup = BeautifulSoup(response.text, "html.parser")
        card = soup.select_one('[hx-swap-oob="afterbegin:#target-jobs"] article.job')
        assert card is not None
        assert card["hx-trigger"] == "every 1s"
        async with runtime.sessionmaker() as session:
            job = await session.get(Job, section.job.id)
        assert job is not None
        assert job.params == {
            "source": "yelp", "trade": "plumbing", "state": "TX", "skip_not_open": False,
        }  # fmt: skip

    async def test_the_skip_not_open_box(
        self, admin: AdminClient, runtime: Runtime, enqueued: list[uuid.UUID]
    ) -> None:
        page = await admin.page(LIST)
        soup = BeautifulSoup(page.text, "html.parser")
        box = soup.select_one("#collect-form input[name=skip_not_open]")
        assert box is not None
        assert not box.has_attr("checked")
        form = {"source": "all", "trade": "hvac", "state": "TX", "skip_not_open": "on"}
        response = await admin.submit(f"{LIST}/collect", form, htmx=True)
        section = response.context["page"]
        assert section.form.skip_not_open
        async with runtime.sessionmaker() as session:
            job = await session.get(Job, section.job.id)
        assert job is not None
        assert job.params["skip_not_open"] is True

    async def test_inline_errors(self, admin: AdminClient, enqueued: list[uuid.UUID]) -> None:
        await admin.page(LIST)
        response = await admin.submit(
            f"{LIST}/collect", {"source": "bing", "trade": "", "state": "XX"}, htmx=True
        )
        assert response.status_code == 422
        assert enqueued == []
        errors = response.context["page"].form.errors
        assert errors["source"] == "Choose Google, Yelp or both."
        assert errors["trade"] == "Choose a trade."
        assert "Unknown state 'XX'" in errors["state"]
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("#collect-trade-error").text == "Choose a trade."

    async def test_viewer_cannot_collect(
        self, viewer: AdminClient, enqueued: list[uuid.UUID]
    ) -> None:
        await viewer.page(LIST)
        form = {"source": "all", "trade": "hvac", "state": "TX"}
        response = await viewer.submit(f"{LIST}/collect", form, htmx=True)
        assert response.status_code == 403
        assert enqueued == []


class TestJobCard:
    async def test_counts_the_businesses_not_open(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            job = Job(kind="collect", params={"source": "all", "trade": "hvac", "state": "TX"},
                      state=JobState.succeeded, counts={"new_targets": 40, "merged": 2,
                      "not_open_kept": 3, "not_open_skipped": 0}, errors=[])  # fmt: skip
            session.add(job)
        card = (await viewer.page(f"{LIST}/jobs/{job.id}", htmx=True)).context["page"]
        assert "3 temporarily closed or not open yet, kept" in card.facts
        assert not any("skipped" in fact for fact in card.facts)

    async def test_polls_until_done_then_tells_the_table(
        self, viewer: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            job = Job(kind="collect", params={"source": "all", "trade": "hvac", "state": "TX"},
                      state=JobState.running, progress_done=3, progress_total=12,
                      counts={"new_targets": 40, "merged": 2}, errors=[])  # fmt: skip
            session.add(job)
        running = await viewer.page(f"{LIST}/jobs/{job.id}?active=1", htmx=True)
        card = running.context["page"]
        assert (card.percent, card.is_active, card.facts[0]) == (25, True, "40 new technicians")
        assert "hx-trigger" in running.text
        assert "HX-Trigger" not in running.headers
        async with unit_of_work(runtime.sessionmaker) as session:
            stored = await session.get(Job, job.id)
            assert stored is not None
            stored.state = JobState.succeeded
        done = await viewer.page(f"{LIST}/jobs/{job.id}?active=1", htmx=True)
        assert done.headers["HX-Trigger"] == "targets-changed"
        assert 'hx-trigger="every' not in done.text
        assert done.context["page"].percent == 100


async def linked_campaign(runtime: Runtime, fake_state: FakeInstantlyState) -> Campaign:
    remote = fake_state.add_campaign("HVAC Techs — Texas", status=1)
    async with unit_of_work(runtime.sessionmaker) as session:
        return await create_campaign(
            session, name="HVAC Techs — Texas", instantly_campaign_id=remote.id
        )


class TestDispatch:
    async def test_selection_is_dispatched_with_skipped_reasons(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await linked_campaign(runtime, fake_state)
        async with unit_of_work(runtime.sessionmaker) as session:
            ok = await create_target(session, business_name="Ready One")
            blocked = await create_target(session, email="owner@blocked.example")
            bare = await create_target(session, email=None, status=TargetStatus.no_email)
            await suppression_service.add(session, "blocked.example", source="manual")
        await admin.page(LIST)
        form = [("campaign_id", str(campaign.id))] + [
            ("target_id", str(t.id)) for t in (ok, blocked, bare)
        ]
        response = await admin.post(
            f"{LIST}/dispatch", content=urlencode(form),
            headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf_token,
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert response.status_code == 200
        assert response.template.name == "outreach/_action_result.html"
        assert response.headers["HX-Trigger"] == "targets-changed"
        summary = response.context["page"].summary
        assert (summary.selected, summary.pushed, summary.skipped_total) == (3, 1, 2)
        assert {g.reason: g.count for g in summary.skipped} == {"no_email": 1, "suppressed": 1}
        soup = BeautifulSoup(response.text, "html.parser")
        assert "On the suppression list" in soup.select_one('[data-skip="suppressed"]').text
        async with runtime.sessionmaker() as session:
            dispatched = (await session.scalars(select(Dispatch.technician_id))).all()
        assert dispatched == [ok.id]

    async def test_a_selection_of_other_trades_is_skipped_as_wrong_trade(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await linked_campaign(runtime, fake_state)
        async with unit_of_work(runtime.sessionmaker) as session:
            row = await session.get(Campaign, campaign.id)
            assert row is not None
            row.trade_filter = "hvac"
            hvac = await create_target(session, trade="hvac")
            roofer = await create_target(session, trade="roofing")
        await admin.page(LIST)
        form = [("campaign_id", str(campaign.id)), ("target_id", str(hvac.id)),
                ("target_id", str(roofer.id))]  # fmt: skip
        response = await admin.post(
            f"{LIST}/dispatch", content=urlencode(form),
            headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf_token,
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        summary = response.context["page"].summary
        assert (summary.pushed, summary.skipped_total) == (1, 1)
        soup = BeautifulSoup(response.text, "html.parser")
        assert "Another trade" in soup.select_one('[data-skip="wrong_trade"]').text

    async def test_what_instantly_rejects_is_shown_with_its_reason(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await linked_campaign(runtime, fake_state)
        fake_state.add_blocklist_entry("on-their-list.example")
        async with unit_of_work(runtime.sessionmaker) as session:
            ok = await create_target(session)
            listed = await create_target(session, email="owner@on-their-list.example")
        await admin.page(LIST)
        form = [("campaign_id", str(campaign.id)), ("target_id", str(ok.id)),
                ("target_id", str(listed.id))]  # fmt: skip
        response = await admin.post(
            f"{LIST}/dispatch", content=urlencode(form),
            headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf_token,
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        summary = response.context["page"].summary
        assert (summary.pushed, [(g.reason, g.count) for g in summary.rejected]) == (
            1,
            [("blocklisted", 1)],
        )
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one('[data-stat="rejected"] dd').text == "1"
        assert "on Instantly's block list" in soup.select_one('[data-rejected="blocklisted"]').text

    async def test_all_matching_runs_as_a_job(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState,
        enqueued: list[uuid.UUID],
    ) -> None:  # fmt: skip
        campaign = await linked_campaign(runtime, fake_state)
        await seed(runtime)
        await admin.page(LIST)
        form = {"campaign_id": str(campaign.id), "all_matching": "1", "state": "TX"}
        response = await admin.submit(f"{LIST}/dispatch", form, htmx=True)
        job = response.context["page"].job
        assert job is not None
        assert enqueued == [job.id]
        assert job.title == "Dispatch 2 technicians to “HVAC Techs — Texas”"
        assert 'hx-trigger="every 1s"' in response.text

    async def test_errors_are_inline(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await linked_campaign(runtime, fake_state)
        await admin.page(LIST)
        missing = await admin.submit(
            f"{LIST}/dispatch", {"target_id": str(uuid.uuid4())}, htmx=True
        )
        assert missing.status_code == 422
        assert missing.context["page"].error == "Choose the campaign to dispatch to."
        empty = await admin.submit(f"{LIST}/dispatch", {"campaign_id": str(campaign.id)}, htmx=True)
        assert "Select the technicians to dispatch" in empty.context["page"].error
        gone = await admin.submit(
            f"{LIST}/dispatch", {"campaign_id": str(uuid.uuid4()), "target_id": str(campaign.id)},
            htmx=True,
        )  # fmt: skip
        assert gone.status_code == 404
        assert BeautifulSoup(gone.text, "html.parser").select_one("#action-error[role=alert]")

    async def test_viewer_cannot_dispatch(
        self, viewer: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        campaign = await linked_campaign(runtime, fake_state)
        ids = await seed(runtime)
        await viewer.page(LIST)
        form = {"campaign_id": str(campaign.id), "target_id": str(ids["hvac"])}
        response = await viewer.submit(f"{LIST}/dispatch", form, htmx=True)
        assert response.status_code == 403
        async with runtime.sessionmaker() as session:
            assert (await session.scalars(select(Dispatch))).all() == []


class TestEnrich:
    async def test_selected_rows_become_a_job(
        self, admin: AdminClient, runtime: Runtime, enqueued: list[uuid.UUID]
    ) -> None:
        ids = await seed(runtime)
        await admin.page(LIST)
        response = await admin.submit(f"{LIST}/enrich", {"target_id": str(ids["hvac"])}, htmx=True)
        job = response.context["page"].job
        assert job.title == "Enrich 1 technician"
        assert enqueued == [job.id]


class TestImport:
    async def test_report_lists_bad_rows(self, admin: AdminClient) -> None:
        await admin.page(LIST)
        content = b"business_name,email,state\nGood Heat,ann@goodheat.com,TX\n,nobody@x.com,TX\n"
        response = await admin.post(
            f"{LIST}/import",
            files={"file": ("techs.csv", content, "text/csv")},
            headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf_token},
        )
        assert response.status_code == 200
        assert response.template.name == "outreach/_import_result.html"
        result = response.context["page"]
        assert (result.report.imported, result.report.skipped) == (1, 1)
        assert [(e.line, e.reason) for e in result.shown_errors] == [(3, "missing business name")]
        assert response.headers["HX-Trigger"] == "targets-changed"

    async def test_a_large_file_becomes_a_job_card(
        self, admin: AdminClient, enqueued: list[uuid.UUID], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(target_flows, "SYNC_MAX_ROWS", 2)
        await admin.page(LIST)
        content = b"business_name,email\nA,a@a.com\nB,b@b.com\nC,c@c.com\n"
        response = await admin.post(
            f"{LIST}/import",
            files={"file": ("many.csv", content, "text/csv")},
            headers={"HX-Request": "true", "X-CSRF-Token": admin.csrf_token},
        )
        assert response.status_code == 200
        job = response.context["page"].job
        assert job.title == "Import many.csv"
        assert enqueued == [job.id]
        card = BeautifulSoup(response.text, "html.parser").select_one(f"#job-{job.id}")
        assert card is not None
        assert card["data-job-state"] == "queued"

    async def test_no_file_and_bad_file(self, admin: AdminClient) -> None:
        await admin.page(LIST)
        headers = {"X-CSRF-Token": admin.csrf_token}
        none = await admin.post(
            f"{LIST}/import", files={"other": ("x", b"", "text/plain")}, headers=headers
        )
        assert none.status_code == 422
        assert none.template.name == "outreach/targets_import.html"
        assert none.context["page"].error == "Choose a CSV file to import."
        bad = await admin.post(
            f"{LIST}/import", files={"file": ("x.csv", b"email\nann@x.com\n", "text/csv")},
            headers={**headers, "HX-Request": "true"},
        )  # fmt: skip
        assert bad.status_code == 400
        assert "no business name column" in bad.context["page"].error


class TestPhones:
    async def test_phone_numbers_show_in_national_format(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await create_target(
                session, email=None, phone="+1-512-555-1000", business_name="Tel Co"
            )
        page = await admin.page(LIST)
        [row] = page.context["page"].rows
        assert row.phone == "(512) 555-1000"
        assert "(512) 555-1000" in page.text


class TestReadyFirst:
    async def test_the_page_opens_on_technicians_ready_to_dispatch(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        """Ready ones (an email found) first, newest first, then the rest; a status filter
        shows just that status, and the empty ones stay filterable by email."""
        async with unit_of_work(runtime.sessionmaker) as session:
            start = utcnow() - timedelta(hours=1)
            ready_old = await create_target(session, business_name="Ready Old", created_at=start)
            waiting = await create_target(
                session, business_name="No Email Yet", email=None, status=TargetStatus.pending,
                created_at=start + timedelta(minutes=1),
            )  # fmt: skip
            ready_new = await create_target(
                session, business_name="Ready New", created_at=start + timedelta(minutes=2)
            )
            newest = await create_target(
                session, business_name="Newest Empty", email=None, status=TargetStatus.no_email,
                created_at=start + timedelta(minutes=3),
            )  # fmt: skip
        page = await admin.page("/outreach/targets")
        rows = page.context["page"].rows
        assert [r.id for r in rows] == [ready_new.id, ready_old.id, newest.id, waiting.id]
        assert page.context["page"].pager.total == 4
        empty = await admin.page("/outreach/targets?has_email=no")
        assert [r.id for r in empty.context["page"].rows] == [newest.id, waiting.id]
