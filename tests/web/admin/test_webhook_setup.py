"""Settings → Webhook: the webhook registered in Instantly, Install, Resume, and rotation."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from ravensearch.db.models import AuditEntry
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.web import WEBHOOK_SECRET

SECTION = "/settings/webhook"
HOOK_URL = "http://testserver/api/webhooks/instantly"


def toasts(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [t.text.strip() for t in soup.select("#toasts[hx-swap-oob] .toast .toast-text")]


async def audit(runtime: Runtime) -> list[tuple[str, str | None]]:
    async with runtime.sessionmaker() as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at))).all()
    return [(row.action, row.detail) for row in rows]


class TestStatus:
    async def test_not_installed_offers_install(self, admin: AdminClient) -> None:
        response = await admin.page(SECTION, htmx=True)
        assert response.template.name == "settings/_webhook_registration.html"
        assert response.context["page"].webhook is None
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("#webhook-not-installed") is not None
        assert soup.select_one("#install-webhook").text == "Install webhook"

    async def test_instantly_failure_is_shown_not_raised(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        await admin.submit(f"{SECTION}/install", htmx=True)
        fake_state.fail_next(10, 503)
        response = await admin.page(SECTION, htmx=True)
        assert response.status_code == 200
        assert "Instantly answered with a server error (HTTP 503)" in response.context["page"].error


class TestInstall:
    async def test_creates_then_updates_one_webhook_audited(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        first = await admin.submit(f"{SECTION}/install", htmx=True)
        assert first.status_code == 200
        [webhook] = fake_state.webhooks.values()
        assert (webhook.target_hook_url, webhook.event_type) == (HOOK_URL, "all_events")
        assert webhook.headers == {"X-Webhook-Secret": WEBHOOK_SECRET}
        assert first.context["page"].webhook.status == 1
        assert BeautifulSoup(first.text, "html.parser").select_one("#webhook-active") is not None
        assert toasts(first.text) == [
            f"Webhook created in Instantly: events now arrive at {HOOK_URL}."
        ]
        await admin.submit(f"{SECTION}/install", htmx=True)
        assert len(fake_state.webhooks) == 1
        assert await audit(runtime) == [
            ("webhook.installed", HOOK_URL),
            ("webhook.updated", HOOK_URL),
        ]
        assert WEBHOOK_SECRET not in first.text

    async def test_viewers_cannot(
        self, viewer: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        response = await viewer.submit(f"{SECTION}/install", htmx=True)
        assert response.status_code == 403
        assert fake_state.webhooks == {}

    async def test_a_key_without_the_scope_gets_a_readable_toast(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        fake_state.key_scopes["test-key"] = {"campaigns:all", "leads:all"}
        response = await admin.submit(f"{SECTION}/install", htmx=True)
        assert 400 <= response.status_code < 600
        assert response.status_code != 500
        [message] = toasts(response.text)
        assert "with the webhooks scope" in message


class TestDisabled:
    async def test_shown_loudly_and_resumed(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        await admin.submit(f"{SECTION}/install", htmx=True)
        [webhook] = fake_state.webhooks.values()
        webhook.status, webhook.timestamp_error = -1, "2026-11-27T10:00:00.000Z"
        page = await admin.page(SECTION, htmx=True)
        soup = BeautifulSoup(page.text, "html.parser")
        banner = soup.select_one("#webhook-disabled")
        assert banner is not None
        assert banner["role"] == "alert"
        assert "2026-11-27T10:00:00.000Z" in banner.text
        assert soup.select_one("#resume-webhook") is not None
        resumed = await admin.submit(f"{SECTION}/resume", htmx=True)
        assert webhook.status == 1
        assert BeautifulSoup(resumed.text, "html.parser").select_one("#resume-webhook") is None
        assert [action for action, _ in await audit(runtime)][-1] == "webhook.resumed"


class TestRotation:
    async def test_sends_the_new_secret_to_the_installed_webhook(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        await admin.submit(f"{SECTION}/install", htmx=True)
        rotated = await admin.submit("/settings/webhook-secret/rotate", htmx=True)
        [webhook] = fake_state.webhooks.values()
        assert webhook.headers == {"X-Webhook-Secret": runtime.webhook_secret}
        assert runtime.webhook_secret != WEBHOOK_SECRET
        assert toasts(rotated.text) == ["New webhook secret saved and sent to Instantly's webhook."]

    async def test_instantly_down_keeps_the_new_secret_and_says_so(
        self, admin: AdminClient, runtime: Runtime, fake_state: FakeInstantlyState
    ) -> None:
        await admin.submit(f"{SECTION}/install", htmx=True)
        fake_state.fail_next(10, 503)
        rotated = await admin.submit("/settings/webhook-secret/rotate", htmx=True)
        assert rotated.status_code == 200
        assert runtime.webhook_secret != WEBHOOK_SECRET
        [message] = toasts(rotated.text)
        assert "could not be updated" in message
        assert "Install webhook" in message


class TestUrlTokenForm:
    async def test_admins_get_it_masked_viewers_not_at_all(
        self, admin: AdminClient, viewer: AdminClient
    ) -> None:
        page = await admin.page("/settings")
        assert page.context["page"].webhook.token_url == f"{HOOK_URL}/{WEBHOOK_SECRET}"
        field = BeautifulSoup(page.text, "html.parser").select_one("#webhook-token-url")
        assert field is not None
        assert field.has_attr("data-secret")
        seen = await viewer.page("/settings")
        assert seen.context["page"].webhook.token_url is None
        assert WEBHOOK_SECRET not in seen.text
