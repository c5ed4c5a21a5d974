"""The contract harness itself, and both sides checked against the documented shapes: every
request the client builds, every answer the fake gives (the per-test `contract` fixture
checks each exchange of the other test modules too)."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from ravensearch.sendgrid.errors import SendGridError
from ravensearch.sendgrid.fake import FakeSendGrid
from ravensearch.sendgrid.mail import MAX_PERSONALIZATIONS
from tests.sendgrid.conftest import ClientFactory, make_batch
from tests.sendgrid.contract import ContractTransport, check_request, check_response


def _encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


class TestHarness:
    def test_a_valid_body_passes(self) -> None:
        assert check_request(_encoded(make_batch(3).to_json())) == []

    @pytest.mark.parametrize(
        ("mutate", "says"),
        [
            (lambda b: b.pop("from"), "'from' is a required property"),
            (lambda b: b["personalizations"].clear(), "should be non-empty"),
            (lambda b: b["personalizations"][0].pop("subject"), "is not valid under any"),
            (lambda b: b["content"].reverse(), "text/plain must come first"),
            (lambda b: b["personalizations"][0]["headers"].update(To="x"), "should not be valid"),
            (
                lambda b: b["personalizations"][0].update(custom_args={"a": "b" * 10_001}),
                "custom_args: over 10,000 bytes",
            ),
            (lambda b: b["personalizations"][0]["to"][0].update(email="nobody"), "does not match"),
            (lambda b: b.update(colour="red"), "Additional properties"),
        ],
    )
    def test_a_body_off_the_reference_is_reported(self, mutate: Any, says: str) -> None:
        body = copy.deepcopy(make_batch(2).to_json())
        mutate(body)
        problems = check_request(_encoded(body))
        assert any(says in problem for problem in problems), problems

    def test_over_1000_personalizations_is_reported(self) -> None:
        body = make_batch(MAX_PERSONALIZATIONS + 1).to_json()
        assert any("is too long" in p for p in check_request(_encoded(body)))

    def test_answers_off_the_reference_are_reported(self) -> None:
        assert check_response(202, httpx.Headers(), b"") == ["202 without X-Message-Id"]
        assert check_response(400, httpx.Headers(), b'{"error": "bad"}') != []
        assert check_response(400, httpx.Headers(), b'{"errors": [{"field": null}]}') != []
        limited = check_response(429, httpx.Headers(), b'{"errors": [{"message": "slow"}]}')
        assert any("x-ratelimit-reset" in problem for problem in limited)


class TestBothSides:
    @pytest.mark.parametrize(
        "batch",
        [
            make_batch(1),
            make_batch(2, html=False),
            make_batch(3, reply_to=None, categories=["hvac", "step-1"]),
            make_batch(MAX_PERSONALIZATIONS),
        ],
        ids=["one", "text-only", "categories", "full"],
    )
    async def test_every_batch_the_client_sends_fits_the_request_schema(
        self, make_client: ClientFactory, contract: ContractTransport, batch: Any
    ) -> None:
        await make_client().send(batch)
        assert len(contract.requests) == 1
        assert check_request(contract.requests[0]) == []

    @pytest.mark.parametrize(
        "fault",
        [
            lambda f: f.fail_next(1, 500),
            lambda f: f.fail_next(1, 503),
            lambda f: f.fail_next(1, 401),
            lambda f: f.fail_next(1, 403),
            lambda f: f.rate_limit_next(5, reset_in=3600),
            lambda f: setattr(f.state, "max_body_bytes", 10),
        ],
        ids=["500", "503", "401", "403", "429", "413"],
    )
    async def test_every_error_answer_of_the_fake_fits_the_error_schema(
        self,
        fake: FakeSendGrid,
        make_client: ClientFactory,
        contract: ContractTransport,
        fault: Any,
    ) -> None:
        fault(fake)
        with pytest.raises(SendGridError):
            await make_client(max_retries=0).send(make_batch(1))
        # The `contract` fixture fails the test at teardown on any violation; none so far.
        assert contract.violations == []
        assert len(contract.requests) == 1
