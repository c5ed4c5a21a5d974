from __future__ import annotations

import pytest

from ravensearch.instantly.schemas import (
    CAMPAIGN_STATUS_WORDS,
    AddLeadsResult,
    CampaignAnalytics,
    InstantlyCampaign,
    Lead,
)

CAMPAIGN_ID = "f9cc070d-8dba-4341-b847-f083c358e460"


class TestInstantlyCampaign:
    @pytest.mark.parametrize(
        ("status", "word"),
        [(0, "draft"), (1, "active"), (2, "paused"), (3, "completed"),
         (4, "running_subsequences"), (-1, "accounts_unhealthy"), (-2, "bounce_protect"),
         (-99, "suspended"), (42, "unknown")],
    )  # fmt: skip
    def test_status_word(self, status: int, word: str) -> None:
        campaign = InstantlyCampaign(id=CAMPAIGN_ID, name="x", status=status)
        assert campaign.status_word == word

    def test_status_words_cover_every_documented_code(self) -> None:
        assert set(CAMPAIGN_STATUS_WORDS) == {0, 1, 2, 3, 4, -1, -2, -99}

    def test_ignores_unknown_fields(self) -> None:
        campaign = InstantlyCampaign.model_validate(
            {"id": CAMPAIGN_ID, "name": "HVAC", "status": 1, "campaign_schedule": {}, "new": 1}
        )
        assert campaign.name == "HVAC"
        assert campaign.timestamp_created is None


class TestLead:
    def test_payload_drops_none_and_empty_variables(self) -> None:
        assert Lead(email="a@b.com", first_name="Ann").to_payload() == {
            "email": "a@b.com",
            "first_name": "Ann",
        }

    def test_payload_keeps_custom_variables(self) -> None:
        lead = Lead(email="a@b.com", custom_variables={"trade": "hvac", "years": 7, "x": None})
        assert lead.to_payload()["custom_variables"] == {"trade": "hvac", "years": 7, "x": None}


def test_add_leads_result_parses_documented_response() -> None:
    result = AddLeadsResult.model_validate(
        {
            "status": "success", "total_sent": 3, "leads_uploaded": 1, "in_blocklist": 1,
            "blocklist_used": None, "duplicated_leads": 1, "skipped_count": 0,
            "invalid_email_count": 0, "incomplete_count": 0, "duplicate_email_count": 0,
            "remaining_in_plan": 999, "unknown": True,
            "created_leads": [{"index": 2, "id": "0199e9d9-cc23-785a-a736-aaa9cabece0f",
                               "email": "x@y.com", "first_name": "X"}],
        }
    )  # fmt: skip
    assert result.created_leads[0].index == 2
    assert result.remaining_in_plan == 999
    assert result.duplicated_leads == 1


def test_analytics_defaults_missing_counts_to_zero() -> None:
    row = CampaignAnalytics.model_validate({"campaign_id": CAMPAIGN_ID, "reply_count": 4})
    assert row.reply_count == 4
    assert row.bounced_count == 0
