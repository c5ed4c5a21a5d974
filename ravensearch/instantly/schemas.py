"""The parts of Instantly's API v2 payloads we use (instantly_v2.md §2–§4, §7).

Every model ignores unknown fields: Instantly adds fields freely, and a new one must never
break a read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CAMPAIGN_STATUS_WORDS: dict[int, str] = {
    0: "draft",
    1: "active",
    2: "paused",
    3: "completed",
    4: "running_subsequences",
    -1: "accounts_unhealthy",
    -2: "bounce_protect",
    -99: "suspended",
}

CustomValue = str | int | float | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InstantlyCampaign(_Model):
    """A campaign as GET /campaigns and GET /campaigns/{id} return it."""

    id: str
    name: str
    status: int
    timestamp_created: str | None = None
    timestamp_updated: str | None = None

    @property
    def status_word(self) -> str:
        return CAMPAIGN_STATUS_WORDS.get(self.status, "unknown")


class CampaignAnalytics(_Model):
    """One row of GET /campaigns/analytics (§3.1); `open_count` counts leads that opened."""

    campaign_id: str
    campaign_name: str = ""
    campaign_status: int = 0
    leads_count: int = 0
    contacted_count: int = 0
    emails_sent_count: int = 0
    new_leads_contacted_count: int = 0
    open_count: int = 0
    open_count_unique: int = 0
    reply_count: int = 0
    reply_count_unique: int = 0
    reply_count_automatic: int = 0
    link_click_count: int = 0
    link_click_count_unique: int = 0
    bounced_count: int = 0
    unsubscribed_count: int = 0
    completed_count: int = 0
    total_opportunities: int = 0
    total_opportunity_value: float = 0.0


class Lead(_Model):
    """A lead to send to POST /leads/add; only `email` is required with a campaign."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    job_title: str | None = None
    phone: str | None = None
    website: str | None = None
    personalization: str | None = None
    custom_variables: dict[str, CustomValue] = Field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        """The JSON Instantly expects: no null fields, no empty `custom_variables`."""
        payload = self.model_dump(exclude_none=True)
        if not payload.get("custom_variables"):
            payload.pop("custom_variables", None)
        return payload


class LeadRecord(_Model):
    """A lead as POST /leads/list returns it (§4.5): only what we match on."""

    id: str
    email: str | None = None
    campaign: str | None = None
    list_id: str | None = None
    status: int | None = None


class CreatedLead(_Model):
    index: int
    id: str
    email: str | None = None


class AddLeadsResult(_Model):
    """The answer to one POST /leads/add call (§4.2)."""

    status: str = "success"
    total_sent: int = 0
    leads_uploaded: int = 0
    in_blocklist: int = 0
    blocklist_used: str | None = None
    duplicated_leads: int = 0
    skipped_count: int = 0
    invalid_email_count: int = 0
    incomplete_count: int = 0
    duplicate_email_count: int = 0
    remaining_in_plan: int | None = None
    created_leads: list[CreatedLead] = Field(default_factory=list)


class BlocklistEntry(_Model):
    """An email or domain on the workspace block list (§7)."""

    id: str
    bl_value: str
    is_domain: bool = False
    timestamp_created: str | None = None
    organization_id: str | None = None


class BulkBlocklistResult(_Model):
    """The answer to POST /block-lists-entries/bulk-create: the entries made (or already
    there) and how many values Instantly found valid or not (§7)."""

    items: list[BlocklistEntry] = Field(default_factory=list)
    valid_count: int = 0
    invalid_count: int = 0


WEBHOOK_ACTIVE = 1
WEBHOOK_DISABLED = -1


class InstantlyWebhook(_Model):
    """A webhook as POST/GET/PATCH /webhooks and /webhooks/{id}/resume return it (§5.4).

    `status` is 1 while active and -1 once Instantly disabled it after delivery failures
    (`timestamp_error` says when). `headers` carry the shared secret: kept out of repr.
    """

    id: str
    target_hook_url: str
    name: str | None = None
    event_type: str | None = None
    campaign: str | None = None
    headers: dict[str, str] | None = Field(default=None, repr=False)
    status: int | None = None
    timestamp_created: str | None = None
    timestamp_error: str | None = None

    @property
    def is_disabled(self) -> bool:
        return self.status == WEBHOOK_DISABLED


class InstantlyWebhookEvent(_Model):
    """One delivery attempt from GET /webhook-events: what was sent and how it went (§5.4)."""

    id: str
    timestamp_created: str
    success: bool
    webhook_url: str
    payload: dict[str, Any] = Field(default_factory=dict)
    status_code: int | None = None
    retry_count: int = 0
    will_retry: bool = False
    lead_email: str | None = None
    error_message: str | None = None
