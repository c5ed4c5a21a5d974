"""The contract harness itself, and every client call checked against the published
definition (requests the client sends, answers the fake gives)."""

from __future__ import annotations

import json

import pytest

from ravensearch.instantly.errors import InstantlyStatusError
from ravensearch.instantly.schemas import Lead
from tests.instantly.conftest import ClientFactory, FakeInstantly
from tests.instantly.contract import ContractRecorder, check_request, check_response, spec

LEADS_ADD = "/api/v2/leads/add"


class TestHarness:
    def test_the_subset_is_the_published_structure(self) -> None:
        assert spec()["openapi"].startswith("3.1")
        assert "/api/v2/leads/add" in spec()["paths"]

    def test_a_request_outside_the_schema_is_reported(self) -> None:
        body = {"campaign_id": "c", "skip_if_in_campaign": "yes", "leads": [{"campaign": "x"}]}
        problems = check_request("POST", LEADS_ADD, "", json.dumps(body).encode())
        assert any("skip_if_in_campaign" in p and "boolean" in p for p in problems)
        assert any("Additional properties" in p and "campaign" in p for p in problems)
        assert check_request("POST", LEADS_ADD, "", None) == [
            "POST /api/v2/leads/add: POST /api/v2/leads/add requires a body"
        ]

    def test_unknown_operations_and_query_parameters_are_reported(self) -> None:
        assert check_request("POST", "/api/v2/lead/add", "", b"{}")
        problems = check_request("GET", "/api/v2/campaigns", "limit=500&colour=red", None)
        assert any("limit" in p and "maximum" in p for p in problems)
        assert any("undeclared query parameter colour" in p for p in problems)

    def test_an_answer_missing_a_required_field_is_reported(self) -> None:
        answer = {"status": "success", "total_sent": 1, "leads_uploaded": 1}
        problems = check_response("POST", LEADS_ADD, 200, json.dumps(answer).encode())
        assert any("'created_leads' is a required property" in p for p in problems)
        fault = check_response("POST", LEADS_ADD, 503, b'{"message": "down"}')
        assert any("'statusCode' is a required property" in p for p in fault)


class TestEveryClientCall:
    async def test_the_calls_dispatch_makes_fit_the_definition(
        self,
        fake_instantly: FakeInstantly,
        make_client: ClientFactory,
        contract: ContractRecorder,
    ) -> None:
        state = fake_instantly.state
        first = state.add_campaign("HVAC A", status=1)
        second = state.add_campaign("HVAC B", status=0)
        state.add_blocklist_entry("blocked.com")
        client = make_client()
        leads = [Lead(email=f"t{i}@shop{i}.com", first_name="T") for i in range(3)]
        leads.append(Lead(email="x@blocked.com", custom_variables={"trade": "hvac", "n": 1}))
        await client.add_leads(first.id, leads)
        await client.add_leads(second.id, leads, skip_if_in_other_campaign=True)
        await client.find_leads([lead.email for lead in leads], campaign_id=first.id)
        await client.find_leads([lead.email for lead in leads])
        [entry] = [e async for e in client.iter_blocklist(search="blocked.com")]
        assert entry.is_domain
        await client.add_to_blocklist("gone@shop1.com")
        await client.get_campaign(first.id)
        await client.list_campaigns()
        await client.get_campaign_analytics(first.id)
        await client.get_current_workspace()
        operations = {call.split(" ", 1)[1].split("/", 3)[3] for call in contract.checked}
        assert {"leads/add", "leads/list", "block-lists-entries", "campaigns"} <= operations
        assert contract.violations == []

    @pytest.mark.parametrize("status", [400, 401, 404, 429])
    async def test_error_answers_fit_the_envelope(
        self,
        fake_instantly: FakeInstantly,
        make_client: ClientFactory,
        contract: ContractRecorder,
        status: int,
    ) -> None:
        fake_instantly.state.fail_next(10, status, path=LEADS_ADD)
        campaign = fake_instantly.state.add_campaign("HVAC")
        with pytest.raises(InstantlyStatusError, match=str(status)):
            await make_client(max_retries=0).add_leads(campaign.id, [Lead(email="a@b.com")])
        assert contract.checked
        assert contract.violations == []
