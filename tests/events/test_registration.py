"""Registration flows beyond the CLI's: an unreachable Instantly, and re-sending the secret."""

from __future__ import annotations

import httpx
import pytest

from ravensearch.errors import UpstreamError
from ravensearch.events import registration
from ravensearch.instantly import InstantlyClient, RateLimiter
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.instantly.schemas import InstantlyWebhook
from ravensearch.runtime import Runtime

URL = "https://rs.example.com/api/webhooks/instantly"


async def test_unreachable_instantly_says_so(runtime: Runtime) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        client = InstantlyClient(
            "k", http_client=http, max_retries=0, rate_limiter=RateLimiter(10, 100)
        )
        with pytest.raises(UpstreamError, match="could not be reached"):
            await registration.install(runtime.sessionmaker, client, url=URL, secret="s")


async def test_push_secret_patches_the_installed_webhook_only(
    runtime: Runtime, fake_state: FakeInstantlyState
) -> None:
    assert (
        await registration.push_secret(runtime.sessionmaker, runtime.instantly, secret="x") is None
    )
    other = fake_state.add_webhook("https://elsewhere.example/h", headers={"X-Webhook-Secret": "o"})
    await registration.install(runtime.sessionmaker, runtime.instantly, url=URL, secret="old")
    pushed = await registration.push_secret(runtime.sessionmaker, runtime.instantly, secret="new")
    assert pushed is not None
    assert pushed.sends_current_secret
    ours = fake_state.webhooks[pushed.id]
    assert ours.headers == {"X-Webhook-Secret": "new"}
    assert other.headers == {"X-Webhook-Secret": "o"}


def test_status_masks_a_url_token() -> None:
    webhook = InstantlyWebhook(id="w", target_hook_url=f"{URL}/tok3n", status=1)
    status = registration.WebhookStatus.of(webhook, "tok3n")
    assert status.url == f"{URL}/[redacted]"
    assert status.sends_current_secret
