"""The webhook endpoints against Instantly's published definition (openapi-v2-subset.json):
every request the client sends validates against the operation's request schema, and every
response the fake gives validates against the response schema for its status."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from jsonschema import Draft202012Validator, ValidationError

from ravensearch.instantly import InstantlyClient, Lead, RateLimiter
from ravensearch.instantly.fake import ActivityConfig, FakeInstantlyState, create_fake_app, drain

SPEC = json.loads((Path(__file__).parent / "contract" / "openapi-v2-subset.json").read_text())
BASE = "https://api.instantly.ai/api/v2"
UNKNOWN_ID = "0199e9d9-0000-7000-8000-000000000000"
ENVELOPE = {
    "type": "object",
    "required": ["statusCode", "error", "message"],
    "properties": {"statusCode": {"type": "number"}, "error": {"type": "string"},
                   "message": {"type": "string"}},
}  # fmt: skip


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # `$ref`s point into the document's components: resolve them against a root holding both.
    return Draft202012Validator(
        {"allOf": [schema], "components": SPEC["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _operation(method: str, path: str) -> dict[str, Any]:
    for template, operations in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            # A literal path (event-types) wins over a template that also matches it.
            if "{" in template and f"/api/v2{path.removeprefix('/api/v2')}" in SPEC["paths"]:
                continue
            return dict(operations[method.lower()])
    raise AssertionError(f"{method} {path} is not in the published definition")


def _query_value(schema: dict[str, Any], raw: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw) if raw.lstrip("-").isdigit() else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def check_request(request: httpx.Request) -> None:
    operation = _operation(request.method, request.url.path)
    parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    for name, raw in request.url.params.multi_items():
        assert name in parameters, f"{request.method} {request.url.path}: unknown query {name}"
        _validator(parameters[name]["schema"]).validate(
            _query_value(parameters[name]["schema"], raw)
        )
    body = operation.get("requestBody")
    if request.content:
        assert body is not None, f"{request.method} {request.url.path} takes no body"
        _validator(body["content"]["application/json"]["schema"]).validate(
            json.loads(request.content)
        )
    else:
        assert not (body or {}).get("required"), f"{request.method} {request.url.path} needs a body"


def check_response(request: httpx.Request, response: httpx.Response) -> None:
    operation = _operation(request.method, request.url.path)
    declared = operation["responses"].get(str(response.status_code))
    # The definition leaves out some errors the API gives (400 on a PATCH, 403 for a
    # scope): those must still be the documented `{statusCode, error, message}` (§1.3).
    assert declared or response.status_code >= 400, f"undeclared {response.status_code}"
    schema = declared["content"]["application/json"]["schema"] if declared else ENVELOPE
    _validator(schema).validate(response.json())


@dataclass
class Recorder(httpx.AsyncBaseTransport):
    """An ASGI transport to the fake that keeps every exchange for the checks."""

    app: FastAPI
    exchanges: list[tuple[httpx.Request, httpx.Response]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await httpx.ASGITransport(app=self.app).handle_async_request(request)
        await response.aread()
        self.exchanges.append((request, response))
        return response


@dataclass
class Contract:
    state: FakeInstantlyState
    client: InstantlyClient
    raw: httpx.AsyncClient
    recorder: Recorder


@pytest.fixture
async def contract() -> AsyncIterator[Contract]:
    state = FakeInstantlyState()
    recorder = Recorder(create_fake_app(state))
    async with httpx.AsyncClient(transport=recorder, base_url=BASE) as http:
        raw = httpx.AsyncClient(
            transport=recorder, base_url=BASE, headers={"Authorization": "Bearer test-key"}
        )
        client = InstantlyClient(
            "test-key", http_client=http, base_url=BASE, rate_limiter=RateLimiter(1000, 60_000),
            max_retries=0,
        )  # fmt: skip
        yield Contract(state, client, raw, recorder)
        await drain(state)
        await raw.aclose()


async def _failing_receiver_activity(contract: Contract) -> None:
    """Some recorded deliveries, half of them failed, through the simulator."""
    receiver = FastAPI()
    calls = {"n": 0}

    @receiver.post("/{path:path}")
    async def hook() -> Response:
        calls["n"] += 1
        return Response(status_code=200 if calls["n"] % 2 else 500)

    hooks = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver))
    contract.state.simulate_activity = ActivityConfig(
        webhook_url="http://unused.test/", http_client=hooks, step_seconds=0, retry_delay_seconds=0
    )
    campaign = contract.state.add_campaign("HVAC", status=1)
    await contract.client.add_leads(campaign.id, [Lead(email=f"t{i}@x.com") for i in range(4)])
    await drain(contract.state)
    await hooks.aclose()


async def test_client_requests_and_fake_responses_match_the_definition(contract: Contract) -> None:
    client = contract.client
    created = await client.create_webhook(
        "https://rs.example.com/api/webhooks/instantly", secret="s3cret", name="Ravensearch"
    )
    assert [w.id for w in await client.list_webhooks()] == [created.id]
    assert (await client.get_webhook(created.id)).headers == {"X-Webhook-Secret": "s3cret"}
    await client.update_webhook(created.id, secret="n3w", target_hook_url="https://b.example.com/h")
    contract.state.webhooks[created.id].status = -1
    assert (await client.resume_webhook(created.id)).status == 1
    await _failing_receiver_activity(contract)
    today = datetime.now(UTC).date()
    events = [
        e
        async for e in client.iter_webhook_events(
            success=False, since=today, until=today, page_size=2
        )
    ]
    assert events
    assert not any(e.success for e in events)
    await _exercise_raw_routes(contract, created.id)
    client_calls = [
        (req, resp) for req, resp in contract.recorder.exchanges if "authorization" in req.headers
    ]
    assert len(client_calls) >= 12
    for request, response in contract.recorder.exchanges:
        if request.url.path.startswith("/api/v2/leads"):
            continue  # leads have their own contract checks
        if request.headers.get("x-raw") is None:
            check_request(request)
        check_response(request, response)


async def _exercise_raw_routes(contract: Contract, webhook_id: str) -> None:
    """Error answers and the routes the client does not use, for the response checks."""
    raw, raw_only = contract.raw, {"x-raw": "1"}
    await raw.get("/webhooks/event-types")
    await raw.post(f"/webhooks/{webhook_id}/test")
    await raw.get(f"/webhooks/{UNKNOWN_ID}")
    await raw.post("/webhooks", json={"target_hook_url": "mailto:x"}, headers=raw_only)
    await raw.patch(f"/webhooks/{webhook_id}", json={}, headers=raw_only)
    await raw.get("/webhook-events", params={"limit": 0}, headers=raw_only)
    await raw.get("/webhooks", headers={"Authorization": "Bearer wrong"})
    contract.state.key_scopes["test-key"] = {"campaigns:all"}
    await raw.post("/webhooks", json={"target_hook_url": "https://x.example.com"})
    contract.state.key_scopes.clear()
    await raw.delete(f"/webhooks/{webhook_id}")


class TestTheChecksCanFail:
    def test_a_request_with_an_unknown_field_is_refused(self) -> None:
        request = httpx.Request(
            "POST", f"{BASE}/webhooks", json={"target_hook_url": "https://a.b", "secret": "x"}
        )
        with pytest.raises(ValidationError):
            check_request(request)

    def test_a_webhook_without_organization_is_refused(self) -> None:
        request = httpx.Request("GET", f"{BASE}/webhooks/{UNKNOWN_ID}")
        body = {
            "id": UNKNOWN_ID,
            "target_hook_url": "https://a.b",
            "timestamp_created": "2026-11-27T10:00:00.000Z",
        }
        with pytest.raises(ValidationError):
            check_response(request, httpx.Response(200, json=body))

    def test_a_201_create_is_refused(self) -> None:
        request = httpx.Request("POST", f"{BASE}/webhooks", json={"target_hook_url": "https://a.b"})
        with pytest.raises(AssertionError, match="undeclared 201"):
            check_response(request, httpx.Response(201, json={}))
