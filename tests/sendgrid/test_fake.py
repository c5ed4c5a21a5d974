"""The fake SendGrid on its own: the documented validation, limits, error bodies and faults."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ravensearch.sendgrid.fake import FakeSendGrid, create_fake_sendgrid
from tests.sendgrid.conftest import API_KEY, make_batch
from tests.sendgrid.contract import check_response

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
async def http(fake: FakeSendGrid) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(fake.app), base_url="http://fake-sendgrid"
    ) as client:
        yield client


def _body(count: int = 2) -> dict[str, Any]:
    return make_batch(count).to_json()


async def _send(http: httpx.AsyncClient, body: Any, **headers: str) -> httpx.Response:
    response = await http.post(
        "/v3/mail/send", content=json.dumps(body).encode(), headers=AUTH | headers
    )
    assert check_response(response.status_code, response.headers, response.content) == []
    return response


def _fields(response: httpx.Response) -> list[str | None]:
    return [error["field"] for error in response.json()["errors"]]


class TestAuth:
    async def test_no_key_and_a_wrong_key_are_401_with_the_documented_body(
        self, http: httpx.AsyncClient
    ) -> None:
        missing = await http.post("/v3/mail/send", json=_body())
        wrong = await http.post(
            "/v3/mail/send", json=_body(), headers={"Authorization": "Bearer x"}
        )
        assert (missing.status_code, wrong.status_code) == (401, 401)
        assert missing.json() == {"errors": [{"field": None, "message": "authorization required"}]}
        assert "invalid, expired, or revoked" in wrong.json()["errors"][0]["message"]

    async def test_any_key_when_built_without_one(self) -> None:
        fake = create_fake_sendgrid(api_key=None)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(fake.app)) as http:
            response = await http.post(
                "http://sg/mail/send", json=_body(), headers={"Authorization": "Bearer anything"}
            )
        assert response.status_code == 202


class TestAccepted:
    @pytest.mark.parametrize("path", ["/v3/mail/send", "/mail/send"])
    async def test_202_with_a_message_id_and_no_body(
        self, fake: FakeSendGrid, http: httpx.AsyncClient, path: str
    ) -> None:
        response = await http.post(path, json=_body(), headers=AUTH)
        assert response.status_code == 202
        assert response.content == b""
        assert len(response.headers["x-message-id"]) == 22
        assert len(fake.messages) == 2

    async def test_each_recipient_gets_its_own_substitutions_and_merged_args(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        body = _body(2)
        body["subject"] = "unused: every personalization has one"
        body["headers"] = {"X-Campaign": "c-1", "List-Unsubscribe-Post": "top"}
        body["custom_args"] = {"campaign_id": "top", "source": "ravensearch"}
        body["personalizations"][0]["headers"] = {
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
        }
        await _send(http, body)
        first, second = fake.messages
        assert (first.text, second.text) == (
            "Hi Tech 0, we hire in Austin.",
            "Hi Tech 1, we hire in Austin.",
        )
        assert first.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert second.headers["List-Unsubscribe-Post"] == "top"
        assert first.custom_args["campaign_id"] == "c-1"  # the personalization wins
        assert first.custom_args["source"] == "ravensearch"
        assert first.sg_message_id != second.sg_message_id

    async def test_a_substituted_value_is_not_substituted_again(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        body = _body(1)
        body["personalizations"][0]["substitutions"] = {"-a-": "-b-", "-b-": "B"}
        body["content"] = [{"type": "text/plain", "value": "-a- and -b-"}]
        await _send(http, body)
        assert fake.messages[0].text == "-b- and B"

    async def test_a_top_level_subject_serves_personalizations_without_one(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        body = _body(1)
        del body["personalizations"][0]["subject"]
        body["subject"] = "Hello -first_name-"
        await _send(http, body)
        assert fake.messages[0].subject == "Hello Tech 0"


Change = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Change:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()


class TestRefused:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (_set("personalizations", []), "personalizations"),
            (_set("personalizations.0.to", []), "personalizations.0.to"),
            (_set("personalizations.1.to.0.email", "nobody"), "personalizations.1.to.0.email"),
            (
                _set("personalizations.1.to.0", {"email": "tech0@shop0.example"}),
                "personalizations.1.to",
            ),
            (_set("personalizations.0.subject", _DELETE), "subject"),
            (_set("from", _DELETE), "from"),
            (_set("from.email", "dana"), "from.email"),
            (_set("reply_to", {"email": "x"}), "reply_to.email"),
            (_set("content", []), "content"),
            (_set("content.0.value", ""), "content.0.value"),
            (
                _set(
                    "content",
                    [
                        {"type": "text/html", "value": "<p>x</p>"},
                        {"type": "text/plain", "value": "x"},
                    ],
                ),
                "content",
            ),
            (_set("personalizations.0.headers", {"Subject": "x"}), "personalizations.0.headers"),
            (_set("personalizations.0.custom_args", {"n": 1}), "personalizations.0.custom_args"),
            (
                _set("personalizations.0.custom_args", {"x": "y" * 10_000}),
                "personalizations.0.custom_args",
            ),
            (
                _set("personalizations.0.substitutions", {"-x-": "y" * 10_000}),
                "personalizations.0.substitutions",
            ),
        ],
    )
    async def test_a_documented_rule_broken_is_400_naming_the_field(
        self, fake: FakeSendGrid, http: httpx.AsyncClient, change: Change, field: str
    ) -> None:
        body = copy.deepcopy(_body(2))
        change(body)
        response = await _send(http, body)
        assert response.status_code == 400
        assert field in _fields(response)
        assert fake.messages == []

    async def test_more_than_1000_personalizations(self, http: httpx.AsyncClient) -> None:
        response = await _send(http, _body(1001))
        assert response.status_code == 400
        assert "You have provided 1001 personalizations" in response.json()["errors"][0]["message"]

    async def test_a_body_that_is_not_json(self, http: httpx.AsyncClient) -> None:
        response = await http.post("/v3/mail/send", content=b"{", headers=AUTH)
        assert response.status_code == 400
        assert check_response(400, response.headers, response.content) == []

    async def test_a_body_over_the_limit_is_413(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        fake.state.max_body_bytes = 1_000
        response = await _send(http, _body(10))
        assert response.status_code == 413
        assert response.json()["errors"][0]["message"].startswith("The JSON payload")


class TestFaults:
    async def test_status_faults_answer_that_many_times_then_stop(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        fake.fail_next(2, 503)
        statuses = [(await _send(http, _body(1))).status_code for _ in range(3)]
        assert statuses == [503, 503, 202]
        assert len(fake.messages) == 1

    async def test_429_carries_the_rate_limit_headers(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        fake.rate_limit_next(1, reset_in=45)
        response = await _send(http, _body(1))
        assert response.status_code == 429
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert response.headers["x-ratelimit-limit"] == "600"
        assert 43 <= int(response.headers["x-ratelimit-reset"]) - time.time() <= 45
        assert response.json()["errors"][0]["message"] == "too many requests"
        assert fake.messages == []

    async def test_latency_delays_every_answer(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        fake.set_latency(0.1)
        started = time.perf_counter()
        await _send(http, _body(1))
        assert time.perf_counter() - started >= 0.1


class TestControl:
    async def test_faults_messages_and_reset_over_http(
        self, fake: FakeSendGrid, http: httpx.AsyncClient
    ) -> None:
        added = await http.post("/_fake/faults", json={"kind": "rate_limit", "count": 1})
        assert added.json() == {"faults": 1}
        assert (await _send(http, _body(1))).status_code == 429
        assert (await _send(http, _body(2))).status_code == 202
        listed = (await http.get("/_fake/messages")).json()["items"]
        assert [m["to"] for m in listed] == ["tech0@shop0.example", "tech1@shop1.example"]
        assert listed[0]["custom_args"]["dispatch_id"] == "d-0"
        await http.post("/_fake/reset")
        assert fake.messages == []
        assert (await http.post("/_fake/faults", json={"status_code": 200})).status_code == 422
