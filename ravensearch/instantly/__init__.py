"""Instantly API v2: the async client, its error tree, the workspace rate limiter (from
`kit.ratelimit`) and the schemas we read. Imports no domain and no database; a fake lives
in `instantly.fake`."""

from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import (
    InstantlyAuthError,
    InstantlyConnectionError,
    InstantlyError,
    InstantlyNotFound,
    InstantlyPlanError,
    InstantlyRateLimited,
    InstantlyServerError,
    InstantlyStatusError,
    InstantlyTimeout,
    InstantlyValidationError,
)
from ravensearch.instantly.schemas import (
    CAMPAIGN_STATUS_WORDS,
    AddLeadsResult,
    BlocklistEntry,
    BulkBlocklistResult,
    CampaignAnalytics,
    CreatedLead,
    InstantlyCampaign,
    InstantlyWebhook,
    InstantlyWebhookEvent,
    Lead,
)
from ravensearch.kit.ratelimit import RateLimiter, shared_limiter

__all__ = [
    "CAMPAIGN_STATUS_WORDS",
    "AddLeadsResult",
    "BlocklistEntry",
    "BulkBlocklistResult",
    "CampaignAnalytics",
    "CreatedLead",
    "InstantlyAuthError",
    "InstantlyCampaign",
    "InstantlyClient",
    "InstantlyConnectionError",
    "InstantlyError",
    "InstantlyNotFound",
    "InstantlyPlanError",
    "InstantlyRateLimited",
    "InstantlyServerError",
    "InstantlyStatusError",
    "InstantlyTimeout",
    "InstantlyValidationError",
    "InstantlyWebhook",
    "InstantlyWebhookEvent",
    "Lead",
    "RateLimiter",
    "shared_limiter",
]
