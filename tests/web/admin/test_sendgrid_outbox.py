"""A SendGrid campaign's outbox panel pages through each state's emails, newest first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from bs4 import Tag
from sqlalchemy import select

from ravensearch.db.models import Campaign, Dispatch, EmailSend, SendState
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.sequences.helpers import add_targets, create_sendgrid_campaign, dispatch
from tests.web.admin.test_sendgrid_campaigns import LIST, soup_of

SENT, FAILED = 30, 3
START = datetime(2036, 1, 2, 15, 0, tzinfo=UTC)


async def seed_sends(runtime: Runtime) -> tuple[Campaign, list[str]]:
    """30 sent emails and 3 failed ones, a minute apart; the sent ones' addresses, newest
    first."""
    campaign = await create_sendgrid_campaign(runtime.sessionmaker)
    async with unit_of_work(runtime.sessionmaker) as session:
        target_ids = await add_targets(session, SENT + FAILED)
    await dispatch(runtime.sessionmaker, campaign, target_ids)
    async with unit_of_work(runtime.sessionmaker) as session:
        dispatches = (await session.scalars(select(Dispatch).order_by(Dispatch.email))).all()
        for n, d in enumerate(dispatches):
            send = EmailSend(
                dispatch_id=d.id, campaign_id=campaign.id, step=1,
                state=SendState.sent if n < SENT else SendState.failed,
                to_email=d.email, subject="Work in Austin",
                rfc_message_id=f"<{uuid.uuid4().hex}@raven.test>",
                created_at=START + timedelta(minutes=n),
            )  # fmt: skip
            session.add(send)
    return campaign, [d.email for d in reversed(dispatches[:SENT])]


def addresses(outbox: Tag) -> list[str]:
    return [row.select_one("td").text for row in outbox.select("#outbox-table tbody tr")]


def link(outbox: Tag, label: str) -> dict[str, list[str]]:
    """The query of the pager's `label` link; it swaps the panel and keeps the page URL."""
    anchor = outbox.select_one(".pager").find("a", string=label)
    assert anchor is not None, f"no {label} link"
    assert (anchor["hx-target"], anchor.get("hx-push-url")) == ("#outbox", None)
    assert anchor["hx-get"] == anchor["href"]
    return parse_qs(urlsplit(anchor["href"]).query, keep_blank_values=True)


class TestOutboxPaging:
    async def test_one_state_page_by_page_with_its_count(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, sent = await seed_sends(runtime)
        url = f"{LIST}/{campaign.id}/outbox"
        first = soup_of((await admin.page(f"{url}?state=sent", htmx=True)).text)
        outbox = first.select_one("#outbox")
        assert outbox.select_one('[data-send-state="sent"] [data-count]').text == "30"
        assert outbox.select_one('[data-send-state="failed"] [data-count]').text == "3"
        assert addresses(outbox) == sent[:25]
        assert outbox.select_one(".pager .muted").text == "1–25 of 30"
        assert link(outbox, "Next →") == {"state": ["sent"], "page": ["2"]}
        assert outbox.select_one(".pager").find("a", string="← Previous") is None
        second = (await admin.page(f"{url}?state=sent&page=2", htmx=True)).text
        outbox = soup_of(second).select_one("#outbox")
        assert addresses(outbox) == sent[25:]
        assert outbox.select_one(".pager .muted").text == "26–30 of 30"
        assert link(outbox, "← Previous") == {"state": ["sent"], "page": ["1"]}
        # The panel reloads with the stats on the page it shows.
        assert parse_qs(urlsplit(outbox["hx-get"]).query) == {"state": ["sent"], "page": ["2"]}
        # A stale page number shows the last page, not nothing.
        stale = soup_of((await admin.page(f"{url}?state=sent&page=9", htmx=True)).text)
        assert addresses(stale.select_one("#outbox")) == sent[25:]

    async def test_all_states_and_a_short_state_on_the_campaign_page(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        campaign, _ = await seed_sends(runtime)
        page = soup_of((await admin.page(f"{LIST}/{campaign.id}")).text)
        outbox = page.select_one("#outbox")
        assert len(addresses(outbox)) == 25
        assert outbox.select_one(".pager .muted").text == "1–25 of 33"
        assert link(outbox, "Next →") == {"state": [""], "page": ["2"]}
        failed = (await admin.page(f"{LIST}/{campaign.id}/outbox?state=failed", htmx=True)).text
        only = soup_of(failed).select_one("#outbox")
        assert len(addresses(only)) == FAILED
        assert only.select_one(".pager") is None  # one page: no pager


async def test_bad_outbox_and_edit_addresses_are_4xx_pages(
    admin: AdminClient, runtime: Runtime
) -> None:
    campaign, _ = await seed_sends(runtime)
    unknown = uuid.uuid4()
    assert (await admin.page(f"{LIST}/{unknown}/edit")).status_code == 404
    assert (await admin.page(f"{LIST}/{unknown}/outbox")).status_code == 404
    for query in ("state=bogus", "page=abc", "page=-3"):
        response = await admin.page(f"{LIST}/{campaign.id}/outbox?{query}")
        assert 200 <= response.status_code < 500, (query, response.status_code)
        assert "Traceback" not in response.text
