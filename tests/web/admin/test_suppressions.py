"""Outreach → Suppression list: list, inline check, add, remove with confirmation, audit."""

from __future__ import annotations

from bs4 import BeautifulSoup

from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
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
