"""Contract: the block-list and workspace calls against Instantly's published definition,
through the shared harness (`tests/instantly/contract`): every request the client sends and
every answer of the fake, including refusals; and the scope table the fake enforces
against the reference's `x-scopes`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ravensearch.instantly import InstantlyAuthError, InstantlyClient, RateLimiter
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app
from ravensearch.instantly.scopes import OPERATION_SCOPES, accepted_scopes
from tests.instantly.contract import (
    ContractCheckedApp,
    ContractRecorder,
    check_request,
    check_response,
    spec,
)

BLOCKLIST_OPERATIONS = {
    "GET /api/v2/block-lists-entries",
    "POST /api/v2/block-lists-entries",
    "POST /api/v2/block-lists-entries/bulk-create",
    "GET /api/v2/workspaces/current",
}
BULK = "/api/v2/block-lists-entries/bulk-create"
LIMITED_KEY = "campaigns-and-leads-only"


@pytest.fixture
def state() -> FakeInstantlyState:
    state = FakeInstantlyState()
    state.api_keys.add(LIMITED_KEY)
    state.key_scopes[LIMITED_KEY] = {"campaigns:all", "leads:all"}
    return state


@pytest.fixture
async def http(
    state: FakeInstantlyState, contract: ContractRecorder
) -> AsyncIterator[httpx.AsyncClient]:
    checked = ContractCheckedApp(create_fake_app(state), contract)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=checked), base_url="https://api.instantly.ai"
    ) as http:
        yield http


def client(http: httpx.AsyncClient, key: str = "test-key") -> InstantlyClient:
    return InstantlyClient(
        key,
        base_url="https://api.instantly.ai/api/v2",
        http_client=http,
        max_retries=0,
        rate_limiter=RateLimiter(1000, 60_000),
    )


def test_scope_table_is_the_references() -> None:
    in_reference: dict[tuple[str, str], list[str] | None] = {
        (method.upper(), path.removeprefix("/api/v2")): operation.get("x-scopes")
        for path, operations in spec()["paths"].items()
        for method, operation in operations.items()
    }
    assert set(OPERATION_SCOPES) == set(in_reference)
    for key, scope in OPERATION_SCOPES.items():
        assert (accepted_scopes(scope) if scope else None) == in_reference[key], key


async def test_client_requests_and_fake_answers_follow_the_reference(
    http: httpx.AsyncClient, contract: ContractRecorder, state: FakeInstantlyState
) -> None:
    instantly = client(http)
    single = await instantly.add_to_blocklist("Ann@Plumbing.example")
    values = [f"tech{i}@hvac.example" for i in range(1200)] + ["spam.example", "not a value"]
    results = await instantly.bulk_add_to_blocklist(values)
    entries = [e async for e in instantly.iter_blocklist(page_size=100)]
    domains = [e async for e in instantly.iter_blocklist(domains_only=True)]
    found = [e async for e in instantly.iter_blocklist(search="tech7@")]
    workspace = await instantly.get_current_workspace()

    assert single.bl_value == "ann@plumbing.example"
    assert [(r.valid_count, r.invalid_count) for r in results] == [(1000, 0), (201, 1)]
    assert len(entries) == 1202 == len(state.blocklist)
    assert [d.bl_value for d in domains] == ["spam.example"]
    assert [e.bl_value for e in found] == ["tech7@hvac.example"]
    assert workspace["name"] == state.workspace_name
    assert set(contract.checked) == BLOCKLIST_OPERATIONS
    assert len(contract.checked) >= 1 + 2 + 13 + 2 + 2 + 1  # every page was checked
    assert contract.violations == []


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "message"),
    [("POST", BULK, {"json": {"bl_values": []}},
      "body/bl_values must NOT have fewer than 1 items"),
     ("POST", BULK, {"json": {"bl_values": ["a.example"] * 1001}},
      "body/bl_values must NOT have more than 1000 items"),
     ("POST", BULK, {"json": {"values": ["a.example"]}},
      "body must have required property 'bl_values'"),
     ("POST", BULK, {"json": {"bl_values": [7]}}, "body/bl_values/0 must be string"),
     ("POST", "/api/v2/block-lists-entries", {"json": {"bl_value": "a.example", "note": "x"}},
      "body must NOT have additional properties"),
     ("GET", "/api/v2/block-lists-entries", {"params": {"limit": 101}},
      "querystring/limit must be <= 100"),
     ("GET", "/api/v2/block-lists-entries", {"params": {"domains_only": "yes"}},
      "querystring/domains_only must be boolean")],
)  # fmt: skip
async def test_fake_refuses_what_the_reference_forbids(
    method: str, path: str, kwargs: dict[str, Any], message: str, state: FakeInstantlyState
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_fake_app(state)),
        base_url="https://api.instantly.ai",
        headers={"Authorization": "Bearer test-key"},
    ) as raw:
        response = await raw.request(method, path, **kwargs)
    # The request breaks the reference on purpose; the refusal must still fit it.
    request = response.request
    assert check_request(method, path, request.url.query.decode(), request.content or None)
    assert check_response(method, path, response.status_code, response.content) == []
    assert (response.status_code, response.json()["message"]) == (400, message)


@pytest.mark.parametrize("denied_status", [401, 403])
async def test_a_key_without_the_scope_is_refused_in_the_envelope(
    http: httpx.AsyncClient,
    contract: ContractRecorder,
    state: FakeInstantlyState,
    denied_status: int,
) -> None:
    state.scope_denied_status = denied_status
    limited = client(http, LIMITED_KEY)
    assert await limited.list_campaigns() == []  # its own scopes work
    for call in (
        limited.get_current_workspace(),
        limited.add_to_blocklist("a.example"),
        limited.bulk_add_to_blocklist(["a.example"]),
        anext(limited.iter_blocklist()),
    ):
        with pytest.raises(InstantlyAuthError) as raised:
            await call
        assert raised.value.status_code == denied_status
    assert state.blocklist == {}
    assert set(contract.checked) == BLOCKLIST_OPERATIONS | {"GET /api/v2/campaigns"}
    assert contract.violations == []


def test_the_checks_can_fail() -> None:
    extra = check_request("POST", "/api/v2/block-lists-entries", "", b'{"bl_value": "a", "x": 1}')
    assert any("Additional properties" in p for p in extra)
    empty = check_request("POST", BULK, "", b'{"bl_values": []}')
    assert any("should be non-empty" in p for p in empty)
    page = b'{"items": [{"id": "x", "bl_value": "a.example"}], "total": 1}'
    problems = check_response("GET", "/api/v2/block-lists-entries", 200, page)
    assert any("'is_domain' is a required property" in p for p in problems)
    assert any("Additional properties" in p and "total" in p for p in problems)
