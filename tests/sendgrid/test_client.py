"""The SendGrid client against the fake in process: what is sent, and every answer's mapping."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx
import pytest
from structlog.testing import capture_logs

from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.errors import (
    SendGridAuthFailed,
    SendGridRateLimited,
    SendGridRefused,
    SendGridUncertain,
)
from ravensearch.sendgrid.fake import FakeSendGrid
from ravensearch.sendgrid.mail import MAX_PERSONALIZATIONS, Address
from tests.sendgrid.conftest import API_KEY, BASE_URL, ClientFactory, make_batch


def _plain_client(fake: FakeSendGrid, factory: ClientFactory) -> SendGridClient:
    """A client whose requests skip the contract check: for bodies meant to be refused."""
    return factory(transport=httpx.ASGITransport(fake.app))


class TestAccepted:
    async def test_a_batch_becomes_one_request_and_one_email_per_recipient(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        accepted = await make_client().send(make_batch(3))

        assert [m.to for m in fake.messages] == [f"tech{i}@shop{i}.example" for i in range(3)]
        assert {m.x_message_id for m in fake.messages} == {accepted.message_id}
        assert len(fake.state.request_log) == 1
        second = fake.messages[1]
        assert second.subject == "Plumbing work in Austin, Tech 1?"
        assert second.text == "Hi Tech 1, we hire in Austin."
        assert second.html == "<p>Hi Tech 1, we hire in Austin.</p>"
        assert second.custom_args == {"dispatch_id": "d-1", "step": "1", "campaign_id": "c-1"}
        assert second.message_id_header == "<d1.s1@mail.ravensearch.example>"
        assert second.reply_to == "replies@crew-hiring.example"
        assert second.sg_message_id.startswith(f"{accepted.message_id}.filter")

    async def test_the_request_carries_the_key_agent_and_json(self, fake: FakeSendGrid) -> None:
        seen: list[httpx.Request] = []

        async def record(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return await httpx.ASGITransport(fake.app).handle_async_request(request)

        async with SendGridClient(
            api_key=API_KEY,
            base_url=BASE_URL + "/",
            transport=httpx.MockTransport(record),
            user_agent="Ravensearch-test/1",
        ) as client:
            await client.send(make_batch(1))
        request = seen[0]
        assert (request.method, str(request.url)) == ("POST", f"{BASE_URL}/mail/send")
        assert request.headers["authorization"] == f"Bearer {API_KEY}"
        assert request.headers["user-agent"] == "Ravensearch-test/1"
        assert request.headers["content-type"] == "application/json"

    async def test_a_full_batch_of_1000_goes_in_one_request(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        await make_client().send(make_batch(MAX_PERSONALIZATIONS))
        assert len(fake.messages) == MAX_PERSONALIZATIONS
        assert len(fake.state.request_log) == 1


class TestRefused:
    async def test_1001_personalizations_are_refused_naming_the_field(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        client = _plain_client(fake, make_client)
        with pytest.raises(SendGridRefused) as raised:
            await client.send(make_batch(MAX_PERSONALIZATIONS + 1))
        assert raised.value.status == 400
        assert raised.value.errors[0].field == "personalizations"
        assert "limited to 1000 personalizations" in str(raised.value)
        assert fake.messages == []
        assert len(fake.state.request_log) == 1  # a refusal is final: never retried

    async def test_an_invalid_address_is_refused_naming_the_recipient(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        batch = make_batch(2)
        broken = replace(batch.personalizations[1], to=Address("not-an-address"))
        with pytest.raises(SendGridRefused) as raised:
            await _plain_client(fake, make_client).send(
                replace(batch, personalizations=[batch.personalizations[0], broken])
            )
        assert [e.field for e in raised.value.errors] == ["personalizations.1.to.0.email"]
        assert "personalizations.1.to.0.email" in str(raised.value)
        assert fake.messages == []

    async def test_a_missing_subject_is_refused(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        batch = make_batch(1)
        no_subject = replace(batch.personalizations[0], subject="")
        with pytest.raises(SendGridRefused) as raised:
            await _plain_client(fake, make_client).send(
                replace(batch, personalizations=[no_subject])
            )
        assert raised.value.errors[0].field == "subject"

    async def test_a_body_over_the_size_limit_is_413(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        fake.state.max_body_bytes = 2_000
        with pytest.raises(SendGridRefused) as raised:
            await make_client().send(make_batch(20))
        assert raised.value.status == 413
        assert "too large" in str(raised.value)
        assert fake.messages == []


class TestAuth:
    async def test_a_wrong_key_fails_once_and_the_key_is_nowhere(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        client = make_client(api_key="SG.wrong-secret")
        with capture_logs() as logs, pytest.raises(SendGridAuthFailed) as raised:
            await client.send(make_batch(1))
        assert raised.value.status == 401
        assert "invalid, expired, or revoked" in str(raised.value)
        assert len(fake.state.request_log) == 1
        for text in (str(raised.value), repr(raised.value), repr(client), repr(logs)):
            assert "wrong-secret" not in text

    async def test_403_is_an_auth_failure_too(
        self, fake: FakeSendGrid, make_client: ClientFactory
    ) -> None:
        fake.fail_next(1, 403)
        with pytest.raises(SendGridAuthFailed) as raised:
            await make_client().send(make_batch(1))
        assert raised.value.status == 403

    def test_an_empty_key_is_refused_before_any_request(self) -> None:
        with pytest.raises(ValueError, match="API key is required"):
            SendGridClient(api_key="", base_url=BASE_URL)


class TestRateLimited:
    async def test_429s_wait_for_the_reset_then_send_once(
        self, fake: FakeSendGrid, make_client: ClientFactory, sleeps: list[float]
    ) -> None:
        fake.rate_limit_next(2, reset_in=20)
        accepted = await make_client(max_retries=3).send(make_batch(2))

        assert [status for _, _, status in fake.state.request_log] == [429, 429, 202]
        assert len(sleeps) == 2
        assert all(18 <= wait <= 20 for wait in sleeps)  # until X-RateLimit-Reset, not backoff
        assert {m.x_message_id for m in fake.messages} == {accepted.message_id}

    async def test_still_limited_after_the_retries_says_when_to_try(
        self, fake: FakeSendGrid, make_client: ClientFactory, sleeps: list[float]
    ) -> None:
        fake.rate_limit_next(5, reset_in=30)
        before = time.time()
        with pytest.raises(SendGridRateLimited) as raised:
            await make_client(max_retries=2).send(make_batch(1))
        assert len(fake.state.request_log) == 3
        assert raised.value.status == 429
        assert raised.value.retry_at is not None
        assert before + 28 <= raised.value.retry_at.timestamp() <= time.time() + 30
        assert fake.messages == []

    async def test_a_reset_beyond_the_longest_wait_is_not_waited_for(
        self, fake: FakeSendGrid, make_client: ClientFactory, sleeps: list[float]
    ) -> None:
        fake.rate_limit_next(5, reset_in=3600)
        with pytest.raises(SendGridRateLimited):
            await make_client(max_retries=3).send(make_batch(1))
        assert sleeps == []
        assert len(fake.state.request_log) == 1


class TestServerErrors:
    @pytest.mark.parametrize("status", [500, 502, 503])
    async def test_a_5xx_is_uncertain_and_never_retried(
        self, fake: FakeSendGrid, make_client: ClientFactory, sleeps: list[float], status: int
    ) -> None:
        fake.fail_next(1, status)
        client = make_client(max_retries=3)
        with pytest.raises(SendGridUncertain) as raised:
            await client.send(make_batch(1))
        assert raised.value.status == status
        assert "may have been accepted" in str(raised.value)
        assert len(fake.state.request_log) == 1
        assert sleeps == []
        # The fault was one answer: the next batch goes through.
        await client.send(make_batch(1))
        assert len(fake.messages) == 1
