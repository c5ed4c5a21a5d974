"""Outreach → Suppression list: list, inline check, add, remove with confirmation, audit."""

from __future__ import annotations

from bs4 import BeautifulSoup

from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.runtime import Runtime
from ravensearch.suppressions.flows import pull_blocklist, push_waiting
from ravensearch.suppressions.service import suppression_service
from tests.fixtures.admin import AdminClient

URL = "/outreach/suppressions"


async def seed(runtime: Runtime) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        await suppression_service.add(
            session, "gone@acme.com", reason="550 no such user", source="bounce"
        )
        await suppression_service.add(session, "spam.example", source="manual")


class TestList:
    async def test_page_search_and_fragment(self, viewer: AdminClient, runtime: Runtime) -> None:
        await seed(runtime)
        page = await viewer.page(URL)
        assert page.template.name == "outreach/suppressions.html"
        assert [r.value for r in page.context["page"].rows] == ["spam.example", "gone@acme.com"]
        soup = BeautifulSoup(page.text, "html.parser")
        assert soup.find("button", string="Add to suppression list").has_attr("disabled")
        assert all(b.has_attr("disabled") for b in soup.find_all("button", string="Remove"))
        fragment = await viewer.page(f"{URL}?q=ACME&kind=email", htmx=True)
        assert fragment.template.name == "outreach/_suppressions_table.html"
        [row] = fragment.context["page"].rows
        assert (row.value, row.source_label) == ("gone@acme.com", "Bounced")
        assert fragment.context["page"].total_all == 2

    async def test_value_is_checked_as_typed(self, viewer: AdminClient) -> None:
        await viewer.page(URL)
        domain = await viewer.submit(f"{URL}/check", {"value": "@Acme.com"}, htmx=True)
        assert domain.template.name == "outreach/_suppression_check.html"
        assert domain.context["page"].hint.startswith("A domain")
        bad = await viewer.submit(f"{URL}/check", {"value": "not an address"}, htmx=True)
        assert "Not an email address or a domain" in bad.context["page"].error
        assert 'role="alert"' in bad.text


class TestAddAndRemove:
    async def test_add_then_remove_with_confirmation(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        await admin.page(URL)
        added = await admin.submit(URL, {"value": "Ann@Example.com", "reason": "asked"}, htmx=True)
        assert added.headers["hx-redirect"] == URL
        page = await admin.page(URL)
        [row] = page.context["page"].rows
        assert (row.value, row.reason, row.added_by) == ("ann@example.com", "asked", row.added_by)
        assert row.added_by
        assert row.added_by.startswith("admin-")
        again = await admin.submit(URL, {"value": "ann@example.com"}, htmx=True)
        assert again.status_code == 409
        assert "already on the list" in again.context["page"].form.check.error
        invalid = await admin.submit(URL, {"value": "nope"}, htmx=True)
        assert invalid.status_code == 422
        assert invalid.template.name == "outreach/_suppression_form.html"

        # Without the confirmation a removal only leads to the confirmation page.
        unconfirmed = await admin.submit(f"{URL}/remove", {"value": "ann@example.com"})
        assert unconfirmed.status_code == 303
        confirm = await admin.page(unconfirmed.headers["location"])
        assert confirm.template.name == "outreach/suppression_remove.html"
        assert confirm.context["page"].row.value == "ann@example.com"
        removed = await admin.submit(
            f"{URL}/remove", {"value": "ann@example.com", "confirmed": "1"}, htmx=True
        )
        assert removed.headers["hx-redirect"] == URL
        after = await admin.page(URL)
        assert after.context["page"].rows == []
        changes = after.context["page"].changes
        assert [(c.removed, c.value) for c in changes] == [
            (True, "ann@example.com"),
            (False, "ann@example.com"),
        ]
        assert changes[0].user_email == row.added_by
        history = BeautifulSoup(after.text, "html.parser").select_one('[data-change="removed"]')
        assert "ann@example.com" in history.text
        assert row.added_by in history.text

    async def test_viewer_cannot_add_or_remove(self, viewer: AdminClient, runtime: Runtime) -> None:
        await seed(runtime)
        await viewer.page(URL)
        add = await viewer.submit(URL, {"value": "x@y.com"}, htmx=True)
        remove = await viewer.submit(
            f"{URL}/remove", {"value": "spam.example", "confirmed": "1"}, htmx=True
        )
        assert (add.status_code, remove.status_code) == (403, 403)
        async with runtime.sessionmaker() as session:
            assert await suppression_service.count(session) == 2


class TestInstantlySync:
    async def test_each_row_and_the_card_say_where_it_stands(
        self, viewer: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        await seed(runtime)
        await push_waiting(runtime.sessionmaker, runtime.instantly)  # both reach Instantly
        async with unit_of_work(runtime.sessionmaker) as session:
            await suppression_service.add(session, "later@acme.com", source="unsubscribe")
        fake_state.add_blocklist_entry("rival.example")
        await pull_blocklist(runtime.sessionmaker, runtime.instantly)
        async with unit_of_work(runtime.sessionmaker) as session:
            await suppression_service.add(session, "failing@acme.com", source="manual")
        fake_state.fail_next(4, 503, path="/block-lists-entries")
        await push_waiting(runtime.sessionmaker, runtime.instantly)
        async with unit_of_work(runtime.sessionmaker) as session:
            await suppression_service.add(session, "new@acme.com", source="manual")

        page = await viewer.page(URL)
        rows = {r.value: r for r in page.context["page"].rows}
        assert {v: r.instantly_label for v, r in rows.items()} == {
            "gone@acme.com": "On Instantly's block list",
            "spam.example": "On Instantly's block list",
            "rival.example": "On Instantly's block list",
            "later@acme.com": "Not on Instantly's block list yet",
            "failing@acme.com": "Not on Instantly's block list yet",
            "new@acme.com": "Waiting to sync",
        }
        assert rows["rival.example"].source_label == "From Instantly's block list"
        soup = BeautifulSoup(page.text, "html.parser")
        failing = soup.select_one('tr[data-value="failing@acme.com"] .instantly-sync')
        assert "Instantly answered with a server error" in failing.text
        card = soup.select_one("#instantly-blocklist").get_text(" ", strip=True)
        assert "3 on Instantly's block list · 3 waiting to sync (2 after an error)" in card
        assert "Instantly answered with a server error (HTTP 503); try again shortly." in card

    async def test_removing_one_on_instantly_says_it_stays_there(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        await seed(runtime)
        await push_waiting(runtime.sessionmaker, runtime.instantly)
        await admin.page(URL)
        await admin.submit(f"{URL}/remove", {"value": "spam.example", "confirmed": "1"}, htmx=True)
        page = await admin.page(URL)
        [toast] = page.context["toasts"]
        assert toast.message == (
            "Removed spam.example: Ravensearch may email it again. It stays on Instantly's "
            "block list, which keeps refusing it: remove it there too."
        )
        assert "spam.example" in {e.bl_value for e in fake_state.blocklist.values()}
