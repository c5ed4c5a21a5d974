"""A 401/403 names the missing scope only when the key otherwise works."""

from __future__ import annotations

import httpx
import pytest

from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyAuthError
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.instantly.upstream import explain_call_failure
from tests.fixtures.web import TEST_API_KEY


def refused(method: str, path: str, status: int = 401) -> InstantlyAuthError:
    request = httpx.Request(method, f"https://api.instantly.ai{path}")
    body = {"statusCode": status, "error": "Unauthorized", "message": "Unauthorized"}
    error = InstantlyAuthError.from_response(httpx.Response(status, json=body, request=request))
    assert isinstance(error, InstantlyAuthError)
    return error


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [("POST", "/api/v2/webhooks", "webhooks:create"),
     ("PATCH", "/api/v2/webhooks/0199e9d9-0000-7000-8000-000000000000", "webhooks:update"),
     ("GET", "/api/v2/webhook-events", "webhook_events:read"),
     ("POST", "/api/v2/block-lists-entries", "block_list_entries:create")],
)  # fmt: skip
async def test_names_the_scope_when_the_key_works(
    instantly: InstantlyClient, fake_state: FakeInstantlyState, method: str, path: str, scope: str
) -> None:
    fake_state.key_scopes[TEST_API_KEY] = {"campaigns:read", "leads:all"}
    message = (await explain_call_failure(instantly, refused(method, path, 403))).message
    assert message == (
        f"The Instantly API key works but lacks the {scope} scope, which {method} {path} needs "
        "(HTTP 403). Add it in Instantly → Settings → API keys, then try again."
    )


async def test_a_key_that_works_nowhere_is_a_bad_key(
    instantly: InstantlyClient, fake_state: FakeInstantlyState
) -> None:
    fake_state.api_keys.clear()
    message = (await explain_call_failure(instantly, refused("POST", "/api/v2/webhooks"))).message
    assert message.startswith("Instantly rejected the API key (HTTP 401/403)")
