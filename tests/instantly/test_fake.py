"""The fake's own fidelity: auth, envelopes, limits, validation, counts, faults, control routes."""

from __future__ import annotations

import httpx
import pytest

from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app, seed_demo_campaigns
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID

API = "/api/v2"
UNKNOWN_ID = "0199e9d9-0000-7000-8000-000000000000"
SCHEDULE = {
    "schedules": [
        {"name": "Weekdays", "timing": {"from": "09:00", "to": "17:00"},
         "days": {"1": True, "5": True}, "timezone": "America/Chicago"}
    ]
}  # fmt: skip


def envelope(status: int, error: str, message: str) -> dict[str, object]:
    return {"statusCode": status, "error": error, "message": message}


async def add(http: httpx.AsyncClient, body: dict[str, object]) -> httpx.Response:
    return await http.post(f"{API}/leads/add", json=body)


class TestAuth:
    @pytest.fixture
    async def anon(self, local_state: FakeInstantlyState) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=create_fake_app(local_state))
        return httpx.AsyncClient(transport=transport, base_url="https://api.instantly.ai")

    async def test_missing_header(self, anon: httpx.AsyncClient) -> None:
        async with anon:
            response = await anon.get(f"{API}/workspaces/current")
        assert response.status_code == 401
        assert response.json() == envelope(401, "Unauthorized", "Missing Authorization header")

    @pytest.mark.parametrize(
        ("header", "status", "message"),
        [("Bearer nope", 401, "Invalid API key"),
         ("Basic dGVzdA==", 401, "Invalid authorization header"),
         ("Bearer unpaid", 402, "Workspace does not have an active paid plan")],
    )  # fmt: skip
    async def test_bad_keys(
        self, anon: httpx.AsyncClient, local_state: FakeInstantlyState,
        header: str, status: int, message: str,
    ) -> None:  # fmt: skip
        local_state.unpaid_keys.add("unpaid")
        async with anon:
            response = await anon.get(
                f"{API}/workspaces/current", headers={"Authorization": header}
            )
        assert (response.status_code, response.json()["message"]) == (status, message)

    async def test_mock_mode_accepts_any_key(
        self, anon: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        local_state.accept_any_key = True
        async with anon:
            response = await anon.get(
                f"{API}/workspaces/current", headers={"Authorization": "Bearer whatever"}
            )
        assert response.status_code == 200

    async def test_control_routes_need_no_key(self, anon: httpx.AsyncClient) -> None:
        async with anon:
            assert (await anon.get("/_fake/state")).status_code == 200


class TestCampaigns:
    @pytest.mark.parametrize(
        ("limit", "message"),
        [("0", "querystring/limit must be >= 1"), ("101", "querystring/limit must be <= 100"),
         ("ten", "querystring/limit must be integer")],
    )  # fmt: skip
    async def test_limit_range(
        self, local_http: httpx.AsyncClient, limit: str, message: str
    ) -> None:
        response = await local_http.get(f"{API}/campaigns", params={"limit": limit})
        assert response.status_code == 400
        assert response.json() == envelope(400, "Bad Request", message)

    async def test_create_is_a_draft_with_200(self, local_http: httpx.AsyncClient) -> None:
        response = await local_http.post(
            f"{API}/campaigns", json={"name": "Roofers — Ohio", "campaign_schedule": SCHEDULE}
        )
        assert response.status_code == 200
        created = response.json()
        assert (created["status"], created["name"]) == (0, "Roofers — Ohio")
        fetched = await local_http.get(f"{API}/campaigns/{created['id']}")
        assert fetched.json()["campaign_schedule"] == SCHEDULE

    @pytest.mark.parametrize(
        ("body", "message"),
        [({"campaign_schedule": SCHEDULE}, "body must have required property 'name'"),
         ({"name": "x"}, "body must have required property 'campaign_schedule'"),
         ({"name": "x", "campaign_schedule": SCHEDULE, "colour": "red"},
          "body must NOT have additional properties"),
         ({"name": "x", "campaign_schedule": {"schedules": []}},
          "body/campaign_schedule/schedules must NOT have fewer than 1 items"),
         ({"name": "x", "campaign_schedule": {"schedules": [
             {**SCHEDULE["schedules"][0], "timezone": "America/New_York"}]}},
          "body/campaign_schedule/schedules/0/timezone must be equal to one of the allowed values")],
    )  # fmt: skip
    async def test_create_validation(
        self, local_http: httpx.AsyncClient, body: dict[str, object], message: str
    ) -> None:
        response = await local_http.post(f"{API}/campaigns", json=body)
        assert response.status_code == 400
        assert response.json()["message"] == message

    async def test_activate_and_pause(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("HVAC")
        activated = await local_http.post(f"{API}/campaigns/{campaign.id}/activate")
        assert activated.json()["status"] == 1
        paused = await local_http.post(f"{API}/campaigns/{campaign.id}/pause")
        assert paused.json()["status"] == 2
        assert local_state.campaigns[campaign.id].status == 2

    async def test_unknown_and_malformed_ids(self, local_http: httpx.AsyncClient) -> None:
        missing = await local_http.post(f"{API}/campaigns/{UNKNOWN_ID}/pause")
        assert missing.json() == envelope(404, "Not Found", "Resource not found")
        malformed = await local_http.get(f"{API}/campaigns/cam_abc123")
        assert malformed.json()["message"] == 'params/id must match format "uuid"'

    async def test_empty_json_body_is_refused(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("HVAC")
        response = await local_http.post(
            f"{API}/campaigns/{campaign.id}/activate",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert "Body cannot be empty" in response.json()["message"]
        assert local_state.campaigns[campaign.id].status == 0

    async def test_unknown_route_uses_the_envelope(self, local_http: httpx.AsyncClient) -> None:
        response = await local_http.get(f"{API}/nothing-here")
        assert response.json() == envelope(
            404, "Not Found", f"Route GET:{API}/nothing-here not found"
        )


class TestAnalytics:
    async def test_repeated_ids_and_bare_array(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        one, two, silent = (local_state.add_campaign(n, status=1) for n in ("A", "B", "C"))
        for campaign in (one, two):
            local_state.add_lead(f"x@{campaign.name}.com", campaign_id=campaign.id, emails_sent=1)
        response = await local_http.get(
            f"{API}/campaigns/analytics",
            params=[("ids", one.id), ("ids", two.id), ("ids", silent.id)],
        )
        rows = response.json()
        assert isinstance(rows, list)
        assert sorted(r["campaign_name"] for r in rows) == ["A", "B"]
        required = {"campaign_name", "campaign_id", "campaign_status", "campaign_is_evergreen",
                    "leads_count", "contacted_count", "emails_sent_count",
                    "new_leads_contacted_count", "open_count", "reply_count", "link_click_count",
                    "bounced_count", "unsubscribed_count", "completed_count",
                    "total_opportunities", "total_opportunity_value"}  # fmt: skip
        assert required <= set(rows[0])

    async def test_bad_date_range(self, local_http: httpx.AsyncClient) -> None:
        response = await local_http.get(
            f"{API}/campaigns/analytics",
            params={"start_date": "2026-02-01", "end_date": "2026-01-01"},
        )
        assert response.json()["message"] == "Start Date must be earlier than End Date"


class TestAddLeads:
    async def test_counts_every_reason(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("HVAC")
        other = local_state.add_campaign("Plumbers")
        local_state.add_lead("already@here.com", campaign_id=campaign.id)
        local_state.add_lead("elsewhere@shop.com", campaign_id=other.id)
        local_state.add_blocklist_entry("blocked.com")
        local_state.add_blocklist_entry("one@person.com")
        local_state.plan_lead_limit = 100
        leads = [
            {"email": "new@shop.com", "first_name": "Ana", "custom_variables": {"trade": "hvac"}},
            {"email": "NEW@shop.com"},
            {"email": "not-an-email"},
            {"first_name": "No email"},
            {"email": "already@here.com"},
            {"email": "elsewhere@shop.com"},
            {"email": "boss@blocked.com"},
            {"email": "one@person.com"},
            {"email": "second@shop.com"},
        ]
        body = {"campaign_id": campaign.id, "skip_if_in_campaign": True, "leads": leads}
        response = await add(local_http, body)
        assert response.status_code == 200
        result = response.json()
        assert {k: v for k, v in result.items() if k not in ("created_leads", "blocklist_used")} == {
            "status": "success", "total_sent": 9, "leads_uploaded": 2, "in_blocklist": 2,
            "duplicated_leads": 1, "skipped_count": 1, "invalid_email_count": 2,
            "incomplete_count": 0, "duplicate_email_count": 1, "remaining_in_plan": 100 - 4,
        }  # fmt: skip
        assert [(c["index"], c["email"]) for c in result["created_leads"]] == [
            (0, "new@shop.com"), (8, "second@shop.com"),
        ]  # fmt: skip
        stored = local_state.leads[result["created_leads"][0]["id"]]
        assert stored.custom_variables == {"trade": "hvac"}

    async def test_without_skip_flag_a_lead_of_another_campaign_is_added(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign, other = local_state.add_campaign("A"), local_state.add_campaign("B")
        local_state.add_lead("shared@shop.com", campaign_id=other.id)
        result = (await add(local_http, {"campaign_id": campaign.id,
                                         "leads": [{"email": "shared@shop.com"}]})).json()  # fmt: skip
        assert (result["leads_uploaded"], result["skipped_count"]) == (1, 0)

    async def test_plan_limit(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("A")
        local_state.plan_lead_limit = 1
        leads = [{"email": "a@b.com"}, {"email": "c@d.com"}]
        result = (await add(local_http, {"campaign_id": campaign.id, "leads": leads})).json()
        # skipped_count is for the skip_if_* flags only: the lead over the plan is in no
        # count, and remaining_in_plan says why.
        assert (result["leads_uploaded"], result["skipped_count"], result["remaining_in_plan"]) == (
            1,
            0,
            0,
        )

    async def test_lists_count_incomplete_leads(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        created = await local_http.post(f"{API}/lead-lists", json={"name": "Texas HVAC"})
        list_id = created.json()["id"]
        leads = [{"first_name": "Only a name"}, {"website": "https://x.com"}]
        result = (await add(local_http, {"list_id": list_id, "leads": leads})).json()
        assert (result["leads_uploaded"], result["incomplete_count"]) == (1, 1)
        assert result["remaining_in_plan"] is None

    @pytest.mark.parametrize(
        ("body", "message"),
        [({"leads": [{"email": "a@b.com"}]}, "body must match exactly one schema in oneOf"),
         ({"campaign_id": UNKNOWN_ID, "list_id": UNKNOWN_ID, "leads": [{"email": "a@b.com"}]},
          "body must match exactly one schema in oneOf"),
         ({"campaign_id": UNKNOWN_ID, "leads": []}, "body/leads must NOT have fewer than 1 items"),
         ({"campaign_id": UNKNOWN_ID}, "body must have required property 'leads'"),
         ({"campaign_id": "nope", "leads": [{"email": "a@b.com"}]},
          'body/campaign_id must match format "uuid"'),
         ({"campaign_id": UNKNOWN_ID, "leads": [{"email": "a@b.com", "skip_if_in_campaign": True}]},
          "body/leads/0 must NOT have additional properties"),
         ({"campaign_id": UNKNOWN_ID, "leads": [{"email": "a@b.com", "custom_variables": {"x": [1]}}]},
          "body/leads/0/custom_variables/x must be string,number,boolean,null")],
    )  # fmt: skip
    async def test_validation(
        self, local_http: httpx.AsyncClient, body: dict[str, object], message: str
    ) -> None:
        response = await add(local_http, body)
        assert response.status_code == 400
        assert response.json()["message"] == message

    async def test_unknown_campaign(self, local_http: httpx.AsyncClient) -> None:
        response = await add(
            local_http, {"campaign_id": UNKNOWN_ID, "leads": [{"email": "a@b.com"}]}
        )
        assert response.status_code == 404


class TestListLeads:
    async def test_body_cursor_pages(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("A")
        emails = {
            local_state.add_lead(f"l{i}@x.com", campaign_id=campaign.id).email for i in range(25)
        }
        local_state.add_lead("other@x.com")
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            body = {
                "campaign": campaign.id,
                "limit": 10,
                **({"starting_after": cursor} if cursor else {}),
            }
            data = (await local_http.post(f"{API}/leads/list", json=body)).json()
            if not data["items"]:
                break
            seen += [item["email"] for item in data["items"]]
            cursor = data.get("next_starting_after")
        assert sorted(seen) == sorted(emails)
        assert len(seen) == 25


class TestBlocklist:
    async def test_create_and_list(self, local_http: httpx.AsyncClient) -> None:
        email = (
            await local_http.post(f"{API}/block-lists-entries", json={"bl_value": "a@b.com"})
        ).json()
        domain = (
            await local_http.post(f"{API}/block-lists-entries", json={"bl_value": "b.com"})
        ).json()
        assert (email["is_domain"], domain["is_domain"]) == (False, True)
        listed = (
            await local_http.get(f"{API}/block-lists-entries", params={"domains_only": "true"})
        ).json()
        assert [e["bl_value"] for e in listed["items"]] == ["b.com"]

    async def test_rejects_garbage(self, local_http: httpx.AsyncClient) -> None:
        response = await local_http.post(
            f"{API}/block-lists-entries", json={"bl_value": "not a value"}
        )
        assert response.status_code == 400

    async def test_bulk_create_counts_and_blocks_leads(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        campaign = local_state.add_campaign("HVAC")
        local_state.add_blocklist_entry("old@x.com")
        response = await local_http.post(
            f"{API}/block-lists-entries/bulk-create",
            json={"bl_values": ["Old@X.com", "rival.com", "no way", "new@y.com", "rival.com"]},
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["valid_count"], body["invalid_count"]) == (4, 1)
        # Already there (or twice in the call): the same entry, not a second one.
        assert sorted(e["bl_value"] for e in body["items"]) == [
            "new@y.com",
            "old@x.com",
            "rival.com",
        ]
        assert len(local_state.blocklist) == 3
        added = await add(
            local_http,
            {"campaign_id": campaign.id,
             "leads": [{"email": "boss@rival.com"}, {"email": "new@y.com"}, {"email": "ok@z.com"}]},
        )  # fmt: skip
        assert (added.json()["in_blocklist"], added.json()["leads_uploaded"]) == (2, 1)

    async def test_list_pages_to_the_end_with_search(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        for i in range(7):
            local_state.add_blocklist_entry(f"t{i}@acme.com")
        local_state.add_blocklist_entry("other.org")
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params = {
                "limit": "3",
                "search": "acme",
                **({"starting_after": cursor} if cursor else {}),
            }
            page = (await local_http.get(f"{API}/block-lists-entries", params=params)).json()
            if not page["items"]:
                break
            seen += [e["bl_value"] for e in page["items"]]
            cursor = page.get("next_starting_after")
        assert sorted(seen) == [f"t{i}@acme.com" for i in range(7)]


class TestScopes:
    @pytest.fixture
    def limited(self, local_state: FakeInstantlyState) -> FakeInstantlyState:
        local_state.key_scopes["test-key"] = {"campaigns:read", "all:create"}
        return local_state

    async def test_each_route_needs_its_scope(
        self, local_http: httpx.AsyncClient, limited: FakeInstantlyState
    ) -> None:
        assert (await local_http.get(f"{API}/campaigns")).status_code == 200
        assert (await add(local_http, {"leads": []})).status_code != 401  # all:create
        created = await local_http.post(f"{API}/block-lists-entries", json={"bl_value": "a.com"})
        assert created.status_code == 200
        denied = await local_http.get(f"{API}/workspaces/current")
        assert denied.json() == envelope(401, "Unauthorized", "Unauthorized")
        assert (await local_http.get(f"{API}/block-lists-entries")).status_code == 401
        assert (await local_http.post(f"{API}/leads/list", json={})).status_code == 401

    async def test_denied_status_can_be_403(
        self, local_http: httpx.AsyncClient, limited: FakeInstantlyState
    ) -> None:
        limited.scope_denied_status = 403
        denied = await local_http.get(f"{API}/workspaces/current")
        assert denied.json() == envelope(403, "Forbidden", "Forbidden")


class TestFaultsAndLimits:
    async def test_faults_match_method_and_path(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        local_state.fail_next(2, 503, method="POST", path="/leads")
        assert (await local_http.get(f"{API}/workspaces/current")).status_code == 200
        assert (await local_http.post(f"{API}/leads/list", json={})).status_code == 503
        assert (await local_http.post(f"{API}/leads/list", json={})).status_code == 503
        assert (await local_http.post(f"{API}/leads/list", json={})).status_code == 200
        assert local_state.faults == []

    async def test_429_body_and_retry_after(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        local_state.fail_next(1, 429, retry_after=2)
        response = await local_http.get(f"{API}/workspaces/current")
        assert response.headers["retry-after"] == "2"
        assert response.json() == envelope(429, "Too Many Requests", "Rate limit exceeded")

    async def test_enforced_rate_limit(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        local_state.rate_limit_per_second = 3
        statuses = [
            (await local_http.get(f"{API}/workspaces/current")).status_code for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]

    async def test_request_log(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        await local_http.get(f"{API}/campaigns/{UNKNOWN_ID}")
        await local_http.get("/_fake/state")
        assert local_state.request_log == [("GET", f"{API}/campaigns/{UNKNOWN_ID}", 404)]


class TestControlRoutes:
    async def test_seed_fault_inspect_reset(
        self, local_http: httpx.AsyncClient, local_state: FakeInstantlyState
    ) -> None:
        seeded = (
            await local_http.post("/_fake/campaigns", json={"name": "Seeded", "id": UNKNOWN_ID})
        ).json()
        assert (seeded["id"], seeded["status"]) == (UNKNOWN_ID, 1)
        await add(local_http, {"campaign_id": UNKNOWN_ID, "leads": [{"email": "a@b.com"}]})
        leads = (await local_http.get("/_fake/leads", params={"campaign_id": UNKNOWN_ID})).json()
        assert [lead["email"] for lead in leads["items"]] == ["a@b.com"]
        fault = {"kind": "status", "status_code": 500, "path": "/workspaces", "count": 1}
        assert (await local_http.post("/_fake/faults", json=fault)).status_code == 200
        assert (await local_http.get(f"{API}/workspaces/current")).status_code == 500
        snapshot = (await local_http.get("/_fake/state")).json()
        assert snapshot["leads_count"] == 1
        assert snapshot["campaigns"][0]["leads_count"] == 1
        await local_http.post("/_fake/reset", json={"demo": True})
        assert len(local_state.campaigns) == 3
        assert local_state.request_log == []
        assert local_state.api_keys == {"test-key"}


class TestDemo:
    def test_three_campaigns_with_history(self) -> None:
        state = FakeInstantlyState()
        campaigns = seed_demo_campaigns(state)
        assert [(c.name, c.status) for c in campaigns] == [
            ("HVAC Technicians — Texas", 1), ("Plumbers — Florida", 1), ("Electricians — Arizona", 2),
        ]  # fmt: skip
        row = state.analytics_row(state.campaigns[HVAC_TEXAS_ID])
        assert row["emails_sent_count"] > row["contacted_count"] > 0
        assert row["open_count"] > 0
        assert row["reply_count"] + row["reply_count_automatic"] > 0
        seed_demo_campaigns(state)
        assert len(state.campaigns) == 3
        assert len(state.leads) == 100
