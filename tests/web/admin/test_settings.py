"""Settings: Instantly status, the webhook URL and secret (rotate), API tokens."""

from __future__ import annotations

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from ravensearch.app_settings.service import WEBHOOK_SECRET_KEY, app_settings_service
from ravensearch.db.models import AuditEntry
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.runtime import Runtime
from ravensearch.tokens.service import token_service
from tests.fixtures.admin import AdminClient
from tests.fixtures.web import TEST_API_KEY, WEBHOOK_SECRET

SETTINGS = "/settings"


class TestPage:
    async def test_admin_sees_the_webhook_secret_never_the_api_key(
        self, admin: AdminClient
    ) -> None:
        response = await admin.page(SETTINGS)
        assert response.template.name == "settings/index.html"
        page = response.context["page"]
        assert page.api_key_present
        assert not page.is_mock
        assert page.webhook.url == "http://testserver/api/webhooks/instantly"
        assert (page.webhook.header, page.webhook.secret) == ("X-Webhook-Secret", WEBHOOK_SECRET)
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("#webhook-secret")["value"] == WEBHOOK_SECRET
        assert soup.find("button", attrs={"aria-label": "Copy Webhook URL"}) is not None
        assert TEST_API_KEY not in response.text
        assert soup.select_one("#mock-banner") is None

    async def test_viewer_does_not_see_the_secret(self, viewer: AdminClient) -> None:
        response = await viewer.page(SETTINGS)
        assert response.context["page"].webhook.secret is None
        assert WEBHOOK_SECRET not in response.text
        assert "Only admins can see the secret." in response.text

    async def test_instantly_status(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        ok = await admin.page(f"{SETTINGS}/instantly-status", htmx=True)
        assert ok.context["page"].check.reachable
        assert ok.context["page"].check.workspace_name == fake_state.workspace_name
        fake_state.fail_next(10, 401)
        bad = await admin.page(f"{SETTINGS}/instantly-status", htmx=True)
        assert not bad.context["page"].check.reachable
        assert "Instantly rejected the API key" in bad.context["page"].check.error
        assert "Not reachable" in bad.text

    @pytest.mark.parametrize("denied_status", [401, 403])
    async def test_a_key_without_workspaces_read_is_not_broken(
        self, admin: AdminClient, fake_state: FakeInstantlyState, denied_status: int
    ) -> None:
        fake_state.key_scopes[TEST_API_KEY] = {"campaigns:all", "leads:all"}
        fake_state.scope_denied_status = denied_status
        response = await admin.page(f"{SETTINGS}/instantly-status", htmx=True)
        check = response.context["page"].check
        assert (check.reachable, check.workspace_name, check.error) == (True, None, None)
        assert check.note == (
            "The key works; it lacks the workspaces:read scope (add it in Instantly → "
            "Settings → API keys to show the workspace name)."
        )
        assert "Reachable." in response.text
        assert "Not reachable" not in response.text

    async def test_a_key_that_lists_nothing_is_still_broken(
        self, admin: AdminClient, fake_state: FakeInstantlyState
    ) -> None:
        fake_state.key_scopes[TEST_API_KEY] = {"leads:all"}
        response = await admin.page(f"{SETTINGS}/instantly-status", htmx=True)
        assert not response.context["page"].check.reachable
        assert "Instantly rejected the API key" in response.context["page"].check.error


class TestRotateWebhookSecret:
    async def test_new_secret_is_stored_used_and_audited(
        self, admin: AdminClient, runtime: Runtime, app: object
    ) -> None:
        response = await admin.submit(f"{SETTINGS}/webhook-secret/rotate", htmx=True)
        assert response.template.name == "settings/_webhook.html"
        secret = response.context["page"].webhook.secret
        assert secret
        assert secret != WEBHOOK_SECRET
        assert runtime.webhook_secret == secret
        async with unit_of_work(runtime.sessionmaker) as session:
            assert await app_settings_service.get(session, WEBHOOK_SECRET_KEY) == secret
            audit = (await session.scalars(select(AuditEntry))).all()
        assert [(a.action, a.user_email is not None) for a in audit] == [
            ("webhook_secret.rotated", True)
        ]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",  # type: ignore[arg-type]
        ) as hook:
            body = {"event_type": "email_sent", "campaign_id": "c", "lead_email": "a@b.example"}
            old = await hook.post(
                "/api/webhooks/instantly", json=body, headers={"X-Webhook-Secret": WEBHOOK_SECRET}
            )
            new = await hook.post(
                "/api/webhooks/instantly", json=body, headers={"X-Webhook-Secret": secret}
            )
        assert (old.status_code, new.status_code) == (401, 200)


class TestTokens:
    async def test_create_shows_it_once_then_revoke(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        created = await admin.submit(f"{SETTINGS}/tokens", {"name": "zapier"}, htmx=True)
        assert created.template.name == "settings/_tokens.html"
        section = created.context["page"].tokens
        assert section.new_token
        assert section.new_token.startswith("rs_")
        async with unit_of_work(runtime.sessionmaker) as session:
            assert (await token_service.authenticate(session, section.new_token)) is not None
        again = await admin.page(SETTINGS)
        assert section.new_token not in again.text  # shown once
        [row] = again.context["page"].tokens.tokens
        revoked = await admin.submit(f"{SETTINGS}/tokens/{row.id}/revoke", htmx=True)
        assert revoked.context["page"].tokens.tokens[0].revoked_at is not None
        async with unit_of_work(runtime.sessionmaker) as session:
            assert (await token_service.authenticate(session, section.new_token)) is None

    async def test_a_bad_name_is_an_inline_error(self, admin: AdminClient) -> None:
        response = await admin.submit(f"{SETTINGS}/tokens", {"name": "  "}, htmx=True)
        assert response.status_code == 422
        assert response.context["page"].tokens.error == "Token name must be 1 to 120 characters."
        error = BeautifulSoup(response.text, "html.parser").select_one("#name-error")
        assert error is not None
        assert "1 to 120" in error.text
