"""`ravensearch instantly webhook install | status | resume` against the `fake` Instantly
shared by every command of a test."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from ravensearch.app_settings.service import WEBHOOK_ID_KEY, app_settings_service
from ravensearch.cli import app
from ravensearch.instantly.fake import FakeInstantlyState
from tests.cli.conftest import SECRET

URL = "https://rs.example.com/api/webhooks/instantly"
Sessionmaker = async_sessionmaker[AsyncSession]


async def invoke(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so it needs a thread without one.
    return await asyncio.to_thread(CliRunner().invoke, app, ["instantly", "webhook", *args])


async def stored_id(sessionmaker: Sessionmaker) -> str | None:
    async with sessionmaker() as session:
        return await app_settings_service.get(session, WEBHOOK_ID_KEY)


class TestInstall:
    async def test_creates_once_then_updates(
        self, fake: FakeInstantlyState, sessionmaker: Sessionmaker
    ) -> None:
        first = await invoke("install", "--url", URL)
        assert first.exit_code == 0, first.output
        assert "Created the webhook." in first.output
        [webhook] = fake.webhooks.values()
        assert (webhook.target_hook_url, webhook.event_type, webhook.campaign) == (
            URL,
            "all_events",
            None,
        )
        assert webhook.headers == {"X-Webhook-Secret": SECRET}
        assert await stored_id(sessionmaker) == webhook.id
        again = await invoke("install", "--url", URL.replace("rs.", "new."))
        assert "Updated the existing webhook." in again.output
        assert [w.target_hook_url for w in fake.webhooks.values()] == [URL.replace("rs.", "new.")]
        assert SECRET not in first.output + again.output

    async def test_adopts_a_webhook_made_by_hand_for_the_same_url(
        self, fake: FakeInstantlyState, sessionmaker: Sessionmaker
    ) -> None:
        by_hand = fake.add_webhook(URL, headers={"X-Webhook-Secret": "old"})
        result = await invoke("install", "--url", URL)
        assert "Updated the existing webhook." in result.output
        assert list(fake.webhooks) == [by_hand.id]
        assert by_hand.headers == {"X-Webhook-Secret": SECRET}
        assert await stored_id(sessionmaker) == by_hand.id

    @pytest.mark.parametrize("url", ["ftp://rs.example.com/hook", "rs.example.com/api", "https://"])
    async def test_refuses_a_url_that_is_not_http(self, fake: FakeInstantlyState, url: str) -> None:
        result = await invoke("install", "--url", url)
        assert result.exit_code == 1
        assert "is not an http(s) URL" in result.output
        assert fake.webhooks == {}

    async def test_a_key_without_the_webhooks_scope(self, fake: FakeInstantlyState) -> None:
        fake.key_scopes["k"] = {"campaigns:all", "leads:all"}
        result = await invoke("install", "--url", URL)
        assert result.exit_code == 1
        assert "with the webhooks scope" in " ".join(result.output.split())

    async def test_instantly_down(self, fake: FakeInstantlyState) -> None:
        fake.fail_next(10, 503)
        result = await invoke("install", "--url", URL)
        assert result.exit_code == 1
        assert "Instantly answered with a server error (HTTP 503)" in " ".join(
            result.output.split()
        )


class TestStatusAndResume:
    async def test_nothing_installed_says_how(self, fake: FakeInstantlyState) -> None:
        result = await invoke("status")
        assert result.exit_code == 1
        assert "instantly webhook install --url" in " ".join(result.output.split())

    async def test_disabled_is_loud_and_resume_fixes_it(self, fake: FakeInstantlyState) -> None:
        await invoke("install", "--url", URL)
        assert "active" in (await invoke("status")).output
        [webhook] = fake.webhooks.values()
        webhook.status, webhook.timestamp_error = -1, "2026-11-27T10:00:00.000Z"
        disabled = await invoke("status")
        assert disabled.exit_code == 1
        assert "DISABLED" in disabled.output
        assert "2026-11-27T10:00:00.000Z" in disabled.output
        resumed = await invoke("resume")
        assert resumed.exit_code == 0, resumed.output
        assert webhook.status == 1
        assert "active" in resumed.output

    async def test_a_stale_secret_is_pointed_out(self, fake: FakeInstantlyState) -> None:
        await invoke("install", "--url", URL)
        [webhook] = fake.webhooks.values()
        webhook.headers = {"X-Webhook-Secret": "rotated-elsewhere"}
        assert "does not send the current webhook secret" in (await invoke("status")).output

    async def test_deleted_in_instantly(self, fake: FakeInstantlyState) -> None:
        await invoke("install", "--url", URL)
        fake.webhooks.clear()
        result = await invoke("resume")
        assert result.exit_code == 1
        assert "no longer exists in Instantly" in " ".join(result.output.split())


async def test_mock_mode_says_its_instantly_is_throwaway(cli_env: str) -> None:
    result = await invoke("install", "--url", URL)
    assert result.exit_code == 0, result.output
    assert "Mock mode: this command's simulated Instantly lives only for the command" in " ".join(
        result.output.split()
    )
