"""Client behaviour that is easiest to pin with httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from structlog.testing import capture_logs

from ravensearch.instantly import InstantlyClient, InstantlyError, Lead, RateLimiter
from ravensearch.instantly.client import should_retry
from ravensearch.kit.http_retry import RETRY_AFTER_CAP

BASE = "https://api.instantly.ai/api/v2"
KEY = "key-that-must-never-be-logged"
CAMPAIGN_ID = "0199e9d9-cc23-785a-a736-aaa9cabece0f"

Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, **options: object) -> tuple[InstantlyClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    defaults: dict[str, object] = {
        "http_client": http,
        "backoff_base": 0.001,
        "backoff_max": 0.002,
        "rate_limiter": RateLimiter(1000, 60_000),
    }
    defaults.update(options)
    return InstantlyClient(KEY, **defaults), http  # type: ignore[arg-type]


def page(items: list[dict[str, object]], cursor: str | None) -> httpx.Response:
    body: dict[str, object] = {"items": items}
    if cursor is not None:
        body["next_starting_after"] = cursor
    return httpx.Response(200, json=body)


def campaign(i: int) -> dict[str, object]:
    return {"id": f"id-{i:03}", "name": f"C{i}", "status": 1}


class TestRequests:
    async def test_url_params_and_headers(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return page([], None)

        client, http = make(handler)
        async with http:
            await client.list_campaigns(search="HVAC")
        [request] = seen
        assert str(request.url) == f"{BASE}/campaigns?limit=100&search=HVAC"
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.headers["user-agent"].startswith("Ravensearch/0.1")
        assert "content-type" not in request.headers
        assert request.content == b""

    async def test_add_leads_chunks_at_1000(self) -> None:
        sizes: list[int] = []

        def handler(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            sizes.append(len(body["leads"]))
            assert request.headers["content-type"] == "application/json"
            return httpx.Response(
                200, json={"status": "success", "leads_uploaded": len(body["leads"])}
            )

        client, http = make(handler)
        async with http:
            one = await client.add_leads(
                CAMPAIGN_ID, [Lead(email=f"a{i}@b.com") for i in range(1000)]
            )
            two = await client.add_leads(
                CAMPAIGN_ID, [Lead(email=f"a{i}@b.com") for i in range(1001)]
            )
        assert sizes == [1000, 1000, 1]
        assert [r.leads_uploaded for r in one + two] == [1000, 1000, 1]

    async def test_analytics_picks_the_campaign_row(self) -> None:
        rows = [{"campaign_id": "other", "reply_count": 1},
                {"campaign_id": CAMPAIGN_ID, "reply_count": 5}]  # fmt: skip
        client, http = make(lambda request: httpx.Response(200, json=rows))
        async with http:
            row = await client.get_campaign_analytics(CAMPAIGN_ID)
        assert row is not None
        assert row.reply_count == 5

    async def test_non_json_success_is_an_error(self) -> None:
        client, http = make(lambda request: httpx.Response(200, text="<html>captive portal"))
        async with http:
            with pytest.raises(InstantlyError, match="not JSON"):
                await client.get_current_workspace()

    def test_requires_a_key(self) -> None:
        with pytest.raises(ValueError, match="API key"):
            InstantlyClient("")

    async def test_repr_hides_the_key(self) -> None:
        client, http = make(lambda request: httpx.Response(200, json={}))
        async with http:
            assert KEY not in repr(client)


class TestPagination:
    async def test_stops_on_missing_cursor_even_with_full_page(self) -> None:
        calls: list[str | None] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request.url.params.get("starting_after"))
            return page([campaign(i) for i in range(100)], None)

        client, http = make(handler)
        async with http:
            assert len(await client.list_campaigns()) == 100
        assert calls == [None]

    async def test_follows_cursor_and_stops_on_empty_items(self) -> None:
        pages = {None: page([campaign(1)], "id-001"), "id-001": page([campaign(2)], "id-002"),
                 "id-002": page([], "id-002")}  # fmt: skip
        client, http = make(lambda r: pages[r.url.params.get("starting_after")])
        async with http:
            assert [c.id for c in await client.list_campaigns()] == ["id-001", "id-002"]

    async def test_a_repeated_cursor_cannot_loop_forever(self) -> None:
        calls = 0

        def handler(request: httpx.Request) -> httpx.Response:
            nonlocal calls
            calls += 1
            return page([campaign(calls)], "same")

        client, http = make(handler)
        async with http:
            assert len(await client.list_campaigns()) == 2
        assert calls == 2


class TestRetries:
    async def test_network_errors_are_retried(self) -> None:
        attempts = 0

        def handler(request: httpx.Request) -> httpx.Response:
            nonlocal attempts
            attempts += 1
            if attempts < 3:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, json={"id": "w"})

        client, http = make(handler)
        async with http:
            assert await client.get_current_workspace() == {"id": "w"}
        assert attempts == 3

    async def test_zero_retries_means_one_attempt(self) -> None:
        attempts = 0

        def handler(request: httpx.Request) -> httpx.Response:
            nonlocal attempts
            attempts += 1
            return httpx.Response(503, json={"message": "down"})

        client, http = make(handler, max_retries=0)
        async with http:
            with pytest.raises(InstantlyError):
                await client.get_current_workspace()
        assert attempts == 1

    @pytest.mark.parametrize(
        ("status", "retried"), [(400, False), (401, False), (404, False), (408, True),
                                (429, True), (500, True), (502, True)],
    )  # fmt: skip
    def test_should_retry(self, status: int, retried: bool) -> None:
        assert should_retry(status) is retried

    def test_retry_after_wins_and_is_capped(self) -> None:
        client = InstantlyClient(KEY, backoff_base=0.5, backoff_max=8.0)
        assert client.retry_delay(1, 2.5) == 2.5
        assert client.retry_delay(1, 3600) == RETRY_AFTER_CAP
        assert client.retry_delay(1, 0.0) == 0.0

    def test_backoff_is_exponential_with_full_jitter(self) -> None:
        client = InstantlyClient(KEY, backoff_base=0.5, backoff_max=8.0)
        for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (9, 8.0)]:
            delays = [client.retry_delay(attempt, None) for _ in range(200)]
            assert all(0.0 <= d <= ceiling for d in delays)
            assert max(delays) > ceiling / 2  # jitter spreads over the whole range
            assert min(delays) < ceiling / 2


class TestLogging:
    async def test_one_event_per_attempt_without_secrets(self) -> None:
        statuses = iter([429, 200])

        def handler(request: httpx.Request) -> httpx.Response:
            status = next(statuses)
            body = {"status": "success"} if status == 200 else {"message": "slow down"}
            return httpx.Response(status, json=body, headers={"Retry-After": "0"})

        client, http = make(handler)
        async with http:
            with capture_logs() as logs:
                await client.add_leads(CAMPAIGN_ID, [Lead(email="private.person@example.com")])
        events = [e for e in logs if e["event"] == "instantly.request"]
        assert [(e["method"], e["path"], e["status"], e["attempt"]) for e in events] == [
            ("POST", "/leads/add", 429, 1),
            ("POST", "/leads/add", 200, 2),
        ]
        assert all(isinstance(e["elapsed_ms"], float) for e in events)
        dumped = repr(logs)
        assert KEY not in dumped
        assert "private.person" not in dumped


class TestClose:
    async def test_leaves_an_injected_client_open(self) -> None:
        client, http = make(lambda request: httpx.Response(200, json={}))
        async with client:
            pass
        assert not http.is_closed
        await http.aclose()

    async def test_closes_its_own_client(self) -> None:
        client = InstantlyClient(KEY)
        async with client:
            pass
        assert client._http.is_closed
