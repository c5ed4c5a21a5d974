"""The fake's webhooks: management routes, the delivery log, and auto-disable (§5.4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from ravensearch.instantly.fake import ActivityConfig, FakeInstantlyState, create_fake_app, drain
from ravensearch.instantly.fake.delivery import deliver

API = "/api/v2"
UNKNOWN_ID = "0199e9d9-0000-7000-8000-000000000000"
HOOK = "https://hooks.example.com/api/webhooks/instantly"


def payload(
    n: int = 0, campaign_id: str = "c-1", event_type: str = "email_sent"
) -> dict[str, object]:
    return {"event_type": event_type, "campaign_id": campaign_id, "lead_email": f"t{n}@x.com",
            "timestamp": "2026-11-27T10:00:00.000Z", "step": 1}  # fmt: skip


class TestManagement:
    async def test_create_answers_200_with_a_uuid_and_status_1(
        self, local_http: httpx.AsyncClient
    ) -> None:
        response = await local_http.post(
            f"{API}/webhooks",
            json={"target_hook_url": HOOK, "event_type": "all_events", "headers": {"X-Webhook-Secret": "s"}},
        )  # fmt: skip
        assert response.status_code == 200
        body = response.json()
        assert len(body["id"]) == 36
        assert (body["status"], body["timestamp_error"], body["headers"]) == (
            1, None, {"X-Webhook-Secret": "s"}
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("body", "message"),
        [({}, "body must have required property 'target_hook_url'"),
         ({"target_hook_url": "ftp://x.com/h"}, 'body/target_hook_url must match pattern "^https?://"'),
         ({"target_hook_url": HOOK, "secret": "x"}, "body must NOT have additional properties"),
         ({"target_hook_url": HOOK, "event_type": "everything"},
          "body/event_type must be equal to one of the allowed values"),
         ({"target_hook_url": HOOK, "headers": {"X": 1}}, "body/headers/X must be string"),
         ({"target_hook_url": HOOK, "headers": "X: 1"}, "body/headers must be object,null")],
    )  # fmt: skip
    async def test_create_validates_like_ajv(
        self, local_http: httpx.AsyncClient, body: dict[str, object], message: str
    ) -> None:
        response = await local_http.post(f"{API}/webhooks", json=body)
        assert response.status_code == 400
        assert response.json() == {"statusCode": 400, "error": "Bad Request", "message": message}

    async def test_get_patch_delete_and_unknown_ids(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        webhook = local_state.add_webhook(HOOK, headers={"X-Webhook-Secret": "old"})
        path = f"{API}/webhooks/{webhook.id}"
        assert (await local_http.get(path)).json()["target_hook_url"] == HOOK
        patched = await local_http.patch(path, json={"headers": {"X-Webhook-Secret": "new"}})
        assert patched.json()["headers"] == {"X-Webhook-Secret": "new"}
        empty = await local_http.patch(path, json={})
        assert empty.json()["message"] == "body must NOT have fewer than 1 properties"
        assert (await local_http.get(f"{API}/webhooks/{UNKNOWN_ID}")).status_code == 404
        bad = await local_http.get(f"{API}/webhooks/nope")
        assert (bad.status_code, bad.json()["message"]) == (
            400,
            'params/id must match format "uuid"',
        )
        assert (await local_http.delete(path)).status_code == 200
        assert (await local_http.get(path)).status_code == 404

    async def test_list_pages_with_a_cursor(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        ids = [local_state.add_webhook(f"{HOOK}/{i}").id for i in range(3)]
        first = (await local_http.get(f"{API}/webhooks", params={"limit": 2})).json()
        second = (
            await local_http.get(
                f"{API}/webhooks",
                params={"limit": 2, "starting_after": first["next_starting_after"]},
            )
        ).json()
        assert [w["id"] for w in first["items"] + second["items"]] == ids

    async def test_resume_reenables_a_disabled_webhook(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        webhook = local_state.add_webhook(
            HOOK, status=-1, timestamp_error="2026-11-27T10:00:00.000Z"
        )
        body = (await local_http.post(f"{API}/webhooks/{webhook.id}/resume")).json()
        assert (body["status"], body["timestamp_error"]) == (1, None)
        assert local_state.webhooks[webhook.id].status == 1

    async def test_a_key_without_the_scope_is_refused(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        local_state.key_scopes["test-key"] = {"campaigns:all", "leads:all"}
        created = await local_http.post(f"{API}/webhooks", json={"target_hook_url": HOOK})
        events = await local_http.get(f"{API}/webhook-events")
        # 403 per the quickstart; some keys get 401 (§1.3): the client treats both alike.
        assert created.status_code in (401, 403)
        assert events.status_code in (401, 403)
        local_state.key_scopes["test-key"] = {"webhooks:all", "all:read"}
        assert (
            await local_http.post(f"{API}/webhooks", json={"target_hook_url": HOOK})
        ).status_code == 200
        assert (await local_http.get(f"{API}/webhook-events")).status_code == 200


class Receiver:
    def __init__(self) -> None:
        self.status = 200
        self.received: list[dict[str, object]] = []
        self.app = FastAPI()

        @self.app.post("/{path:path}")
        async def hook(request: Request) -> Response:
            if self.status >= 300:
                return Response(status_code=self.status)
            self.received.append(await request.json())
            return Response(status_code=200)


@pytest.fixture
async def hooks() -> AsyncIterator[tuple[Receiver, httpx.AsyncClient]]:
    receiver = Receiver()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app)) as http:
        yield receiver, http


def config(http: httpx.AsyncClient, attempts: int = 3) -> ActivityConfig:
    return ActivityConfig(
        webhook_url="http://fallback.test/hook", http_client=http, step_seconds=0,
        retry_delay_seconds=0, delivery_attempts=attempts,
    )  # fmt: skip


async def send(
    state: FakeInstantlyState, http: httpx.AsyncClient, *payloads: dict[str, object]
) -> None:
    gate = asyncio.Semaphore(5)
    for body in payloads:
        await deliver(state, config(http), http, gate, dict(body), str(body["campaign_id"]))


class TestDeliveryLog:
    async def test_every_attempt_is_recorded_with_its_payload(
        self, hooks: tuple[Receiver, httpx.AsyncClient]
    ) -> None:
        receiver, http = hooks
        state = FakeInstantlyState()
        webhook = state.add_webhook(HOOK, headers={"X-Webhook-Secret": "s"})
        receiver.status = 500
        await send(state, http, payload(1))
        receiver.status = 200
        await send(state, http, payload(2))
        rows = [e.to_json() for e in state.webhook_events]
        assert [(r["success"], r["retry_count"], r["will_retry"], r["status_code"]) for r in rows] == [
            (False, 0, True, 500), (False, 1, True, 500), (False, 2, False, 500), (True, 0, False, 200)
        ]  # fmt: skip
        assert {r["webhook_url"] for r in rows} == {HOOK}
        assert rows[0]["payload"] == payload(1)
        assert rows[0]["lead_email"] == "t1@x.com"
        assert rows[0]["timestamp_created_date"] == datetime.now(UTC).date().isoformat()
        assert len({r["retry_group_id"] for r in rows[:3]}) == 1
        assert webhook.consecutive_failures == 0  # the success reset the count

    async def test_registered_webhooks_replace_the_fallback_url_and_filter(
        self, hooks: tuple[Receiver, httpx.AsyncClient]
    ) -> None:
        _receiver, http = hooks
        state = FakeInstantlyState()
        await send(state, http, payload(1))
        assert state.webhook_events[-1].webhook_url == "http://fallback.test/hook"
        state.add_webhook(HOOK, event_type="email_link_clicked")
        state.add_webhook(f"{HOOK}/c2", event_type="all_events", campaign="c-2")
        await send(
            state, http, payload(2), payload(3, event_type="link_clicked"), payload(4, "c-2")
        )
        delivered = [(e.webhook_url, e.payload["lead_email"]) for e in state.webhook_events[1:]]
        assert delivered == [(HOOK, "t3@x.com"), (f"{HOOK}/c2", "t4@x.com")]

    async def test_failed_deliveries_in_a_row_disable_the_webhook(
        self, hooks: tuple[Receiver, httpx.AsyncClient], local_http: httpx.AsyncClient,
        local_state: FakeInstantlyState,
    ) -> None:  # fmt: skip
        receiver, http = hooks
        local_state.webhook_disable_after = 3
        webhook = local_state.add_webhook(HOOK)
        receiver.status = 503
        await send(local_state, http, payload(1), payload(2))
        assert webhook.status == 1
        await send(local_state, http, payload(3))
        body = (await local_http.get(f"{API}/webhooks/{webhook.id}")).json()
        assert body["status"] == -1
        assert body["timestamp_error"]
        attempts = len(local_state.webhook_events)
        await send(local_state, http, payload(4))  # disabled: nothing is attempted
        assert len(local_state.webhook_events) == attempts
        receiver.status = 200
        await local_http.post(f"{API}/webhooks/{webhook.id}/resume")
        await send(local_state, http, payload(5))
        assert receiver.received == [payload(5)]

    async def test_list_filters_by_success_and_day(
        self, hooks: tuple[Receiver, httpx.AsyncClient], local_http: httpx.AsyncClient,
        local_state: FakeInstantlyState,
    ) -> None:  # fmt: skip
        receiver, http = hooks
        local_state.add_webhook(HOOK)
        receiver.status = 500
        await send(local_state, http, payload(1))
        receiver.status = 200
        await send(local_state, http, payload(2))
        today = datetime.now(UTC).date().isoformat()
        failed = await local_http.get(
            f"{API}/webhook-events", params={"success": "false", "from": today, "to": today}
        )
        assert [e["lead_email"] for e in failed.json()["items"]] == ["t1@x.com"] * 3
        past = await local_http.get(f"{API}/webhook-events", params={"to": "2020-01-01"})
        assert past.json()["items"] == []
        found = await local_http.get(f"{API}/webhook-events", params={"search": "t2@x.com"})
        assert [e["success"] for e in found.json()["items"]] == [True]

    @pytest.mark.parametrize(
        ("params", "message"),
        [({"success": "no"}, "querystring/success must be boolean"),
         ({"from": "27/11/2026"}, 'querystring/from must match format "date"'),
         ({"from": "2026-11-28", "to": "2026-11-27"}, "Start Date must be earlier than End Date"),
         ({"limit": "101"}, "querystring/limit must be <= 100")],
    )  # fmt: skip
    async def test_list_validates_the_query(
        self, local_http: httpx.AsyncClient, params: dict[str, str], message: str
    ) -> None:
        response = await local_http.get(f"{API}/webhook-events", params=params)
        assert (response.status_code, response.json()["message"]) == (400, message)


async def test_simulated_activity_reaches_registered_webhooks(
    hooks: tuple[Receiver, httpx.AsyncClient],
) -> None:
    receiver, http = hooks
    state = FakeInstantlyState()
    campaign = state.add_campaign("A", status=1)
    state.simulate_activity = config(http)
    state.add_webhook(HOOK, headers={"X-Webhook-Secret": "s"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_fake_app(state)),
        base_url="https://api.instantly.ai",
        headers={"Authorization": "Bearer test-key"},
    ) as api:
        await api.post(
            f"{API}/leads/add", json={"campaign_id": campaign.id, "leads": [{"email": "a@b.com"}]}
        )
        await drain(state)
    assert receiver.received
    assert all(e.webhook_url == HOOK and e.success for e in state.webhook_events)
    assert len(state.webhook_events) == len(receiver.received)
