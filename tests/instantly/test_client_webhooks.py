"""The client's webhook methods against the fake over real HTTP: paging, errors, no secret
in any log line or repr."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from ravensearch.instantly import (
    InstantlyAuthError,
    InstantlyClient,
    InstantlyNotFound,
    InstantlyValidationError,
)
from ravensearch.instantly.fake import FakeWebhookEvent
from ravensearch.instantly.fake.models import new_id
from tests.instantly.conftest import FakeInstantly

SECRET = "whsec-never-logged-9f2c"
URL = "https://rs.example.com/api/webhooks/instantly"
UNKNOWN_ID = "0199e9d9-0000-7000-8000-000000000000"


async def test_create_update_resume_never_log_the_secret(
    instantly_client: InstantlyClient,
    fake_instantly: FakeInstantly,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await instantly_client.create_webhook(URL, secret=SECRET, name="Ravensearch")
    stored = fake_instantly.state.webhooks[created.id]
    assert (stored.event_type, stored.headers, stored.name) == (
        "all_events",
        {"X-Webhook-Secret": SECRET},
        "Ravensearch",
    )
    updated = await instantly_client.update_webhook(created.id, secret=SECRET + "2")
    assert stored.headers == {"X-Webhook-Secret": SECRET + "2"}
    stored.status = -1
    assert (await instantly_client.resume_webhook(created.id)).status == 1
    assert caplog.records, "the client logs each request"
    assert SECRET not in caplog.text
    assert SECRET not in repr(created) + repr(updated)


async def test_lists_page_by_page(
    instantly_client: InstantlyClient, fake_instantly: FakeInstantly
) -> None:
    ids = [fake_instantly.state.add_webhook(f"{URL}/{n}").id for n in range(7)]
    webhooks = [w async for w in instantly_client.iter_webhooks(page_size=3)]
    assert [w.id for w in webhooks] == ids
    for n in range(5):
        fake_instantly.state.webhook_events.append(
            FakeWebhookEvent(id=new_id(), webhook_url=URL, payload={"event_type": "email_sent", "n": n},
                             success=n % 2 == 0, status_code=500, retry_count=0, will_retry=False,
                             retry_group_id="g")
        )  # fmt: skip
    today = datetime.now(UTC).date()
    succeeded = [
        e
        async for e in instantly_client.iter_webhook_events(
            success=True, since=today, until=today, page_size=2
        )
    ]
    assert [e.payload["n"] for e in succeeded] == [0, 2, 4]
    long_ago = [e async for e in instantly_client.iter_webhook_events(until=date(2020, 1, 1))]
    assert long_ago == []
    with pytest.raises(ValueError, match="page_size"):
        [e async for e in instantly_client.iter_webhook_events(page_size=101)]


async def test_errors_are_mapped(
    instantly_client: InstantlyClient, fake_instantly: FakeInstantly
) -> None:
    with pytest.raises(InstantlyNotFound):
        await instantly_client.get_webhook(UNKNOWN_ID)
    # Only requests the published definition allows (the contract harness checks them):
    # a non-UUID id fits the path's `string`, and Instantly's AJV still refuses it.
    with pytest.raises(InstantlyValidationError, match="uuid"):
        await instantly_client.get_webhook("not-a-uuid")
    fake_instantly.state.key_scopes["test-key"] = {"campaigns:read"}
    with pytest.raises(InstantlyAuthError):
        await instantly_client.create_webhook(URL, secret=SECRET)
    with pytest.raises(ValueError, match="at least one field"):
        await instantly_client.update_webhook(UNKNOWN_ID)
