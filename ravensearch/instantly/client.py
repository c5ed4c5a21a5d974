"""Async client for the Instantly API v2: the only code that talks to Instantly.

Every call goes through `InstantlyClient._request()`, which owns auth, the workspace rate
limiter, timeouts and error mapping (see `errors.py` for the tree); the retry loop, backoff
and log line are `kit.http_retry.RetryingSender`'s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from datetime import date
from typing import Any

import httpx
import structlog

from ravensearch.instantly.errors import (
    InstantlyConnectionError,
    InstantlyError,
    InstantlyStatusError,
    InstantlyTimeout,
)
from ravensearch.instantly.pagination import iterate_cursor
from ravensearch.instantly.schemas import (
    AddLeadsResult,
    BlocklistEntry,
    BulkBlocklistResult,
    CampaignAnalytics,
    InstantlyCampaign,
    InstantlyWebhook,
    InstantlyWebhookEvent,
    Lead,
    LeadRecord,
)
from ravensearch.kit.closing import AsyncClosing
from ravensearch.kit.http_retry import (
    Rejection,
    RequestLog,
    RetryingSender,
    RetryPolicy,
    parse_retry_after,
)
from ravensearch.kit.ratelimit import RateLimiter, shared_limiter, workspace_key

DEFAULT_BASE_URL = "https://api.instantly.ai/api/v2"
DEFAULT_USER_AGENT = "Ravensearch/0.1 (+https://github.com/ravensearch/ravensearch)"
MAX_LEADS_PER_ADD = 1000  # POST /leads/add `maxItems` (instantly_v2.md §4.2)
MAX_PAGE_SIZE = 100
MAX_BLOCKLIST_VALUES = 1000  # POST /block-lists-entries/bulk-create `maxItems` (§7)
# Instantly sends the webhook's headers with every delivery: our shared secret is one.
WEBHOOK_SECRET_HEADER = "X-Webhook-Secret"

log = structlog.get_logger("ravensearch.instantly")
_REQUEST_LOG = RequestLog(
    log, "instantly.request", success_level=logging.INFO, timeout_label="timeout"
)


def should_retry(status_code: int) -> bool:
    """408, 429 and 5xx are transient; any other 4xx would fail the same way again."""
    return status_code in (408, 429) or status_code >= 500


class InstantlyClient(AsyncClosing):
    """One Instantly workspace, reached with one API key.

    Use it as an async context manager, or call `aclose()`. An injected `http_client` is
    left open: whoever made it closes it. The rate limiter is shared per workspace unless
    one is passed in, so several clients for the same key never exceed the limit together.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        max_per_second: int = 50,
        max_per_minute: int = 3000,
        rate_limiter: RateLimiter | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        if not api_key:
            raise ValueError("an Instantly API key is required")
        retry = RetryPolicy(max_retries, backoff_base, backoff_max)
        self._base_url = base_url.rstrip("/")
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()
        limiter = rate_limiter or shared_limiter(
            workspace_key(self._base_url, api_key), max_per_second, max_per_minute
        )
        self._sender = RetryingSender(
            http=self._http,
            base_url=self._base_url,
            limiter=limiter,
            timeout=httpx.Timeout(timeout),
            retry=retry,
            log=_REQUEST_LOG,
            map_transport_error=_transport_error,
            map_rejection=_rejection,
        )
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "User-Agent": user_agent,
            "Accept": "application/json",
        }

    def __repr__(self) -> str:
        return f"InstantlyClient(base_url={self._base_url!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # --- campaigns -------------------------------------------------------------------

    async def get_campaign(self, campaign_id: str) -> InstantlyCampaign:
        """Raises InstantlyNotFound for an unknown id, InstantlyValidationError for a non-UUID."""
        data = await self._request("GET", f"/campaigns/{campaign_id}")
        return InstantlyCampaign.model_validate(data)

    async def iter_campaigns(
        self, *, search: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncGenerator[InstantlyCampaign, None]:
        """Every campaign (optionally whose name matches `search`), page by page."""
        async for item in self._iter_pages("/campaigns", page_size, search=search):
            yield InstantlyCampaign.model_validate(item)

    async def list_campaigns(self, *, search: str | None = None) -> list[InstantlyCampaign]:
        return [campaign async for campaign in self.iter_campaigns(search=search)]

    async def list_campaign_analytics(self) -> dict[str, CampaignAnalytics]:
        """Every campaign's analytics row by campaign id (one call; campaigns that have not
        sent anything have none)."""
        rows = await self._request("GET", "/campaigns/analytics")
        if not isinstance(rows, list):
            raise InstantlyError("Instantly analytics answer is not an array")
        found = (CampaignAnalytics.model_validate(r) for r in rows if isinstance(r, dict))
        return {row.campaign_id: row for row in found if row.campaign_id}

    async def get_campaign_analytics(self, campaign_id: str) -> CampaignAnalytics | None:
        """The campaign's analytics row, or None before it has sent anything (Instantly
        then answers with an empty array)."""
        rows = await self._request("GET", "/campaigns/analytics", params={"id": campaign_id})
        if not isinstance(rows, list):
            raise InstantlyError("Instantly analytics answer is not an array")
        for row in rows:
            if isinstance(row, dict) and row.get("campaign_id") == campaign_id:
                return CampaignAnalytics.model_validate(row)
        return CampaignAnalytics.model_validate(rows[0]) if rows else None

    # --- leads -----------------------------------------------------------------------

    async def add_leads(
        self,
        campaign_id: str,
        leads: Sequence[Lead],
        *,
        skip_if_in_other_campaign: bool = False,
    ) -> list[AddLeadsResult]:
        """Add `leads` to a campaign in chunks of at most 1,000; one result per chunk, in order.

        Safe to call again with the same leads: Instantly never adds a lead twice to the
        campaign that holds it (it counts it in `duplicated_leads`), so no flag is needed
        for retries. `skip_if_in_other_campaign` sends `skip_if_in_campaign`, which in API v2
        skips every lead that exists in ANY campaign of the workspace (`skipped_count`).
        """
        results: list[AddLeadsResult] = []
        for start in range(0, len(leads), MAX_LEADS_PER_ADD):
            chunk = leads[start : start + MAX_LEADS_PER_ADD]
            body: dict[str, Any] = {
                "campaign_id": campaign_id,
                "leads": [lead.to_payload() for lead in chunk],
            }
            if skip_if_in_other_campaign:
                body["skip_if_in_campaign"] = True
            data = await self._request("POST", "/leads/add", json_body=body)
            results.append(AddLeadsResult.model_validate(data))
        return results

    async def find_leads(
        self, emails: Sequence[str], *, campaign_id: str | None = None
    ) -> list[LeadRecord]:
        """The leads with these emails (in one campaign, or anywhere in the workspace).

        POST /leads/list with `contacts`; its `limit` and cursor travel in the body (§4.3).
        """
        found: list[LeadRecord] = []
        for start in range(0, len(emails), MAX_LEADS_PER_ADD):
            contacts = list(emails[start : start + MAX_LEADS_PER_ADD])

            async def fetch(cursor: str | None, contacts: list[str] = contacts) -> Any:
                body: dict[str, Any] = {"contacts": contacts, "limit": MAX_PAGE_SIZE}
                if campaign_id is not None:
                    body["campaign"] = campaign_id
                if cursor:
                    body["starting_after"] = cursor
                return await self._request("POST", "/leads/list", json_body=body)

            async for item in iterate_cursor(fetch):
                found.append(LeadRecord.model_validate(item))
        return found

    # --- webhooks --------------------------------------------------------------------
    # A webhook's `headers` hold the shared secret: they go in request bodies only, which
    # are never logged (the request log line has method, path and status).

    async def create_webhook(
        self, target_hook_url: str, *, secret: str, name: str | None = None
    ) -> InstantlyWebhook:
        """Subscribe `target_hook_url` to every event of every campaign, sending `secret`
        in the X-Webhook-Secret header. Instantly answers 400 for a URL not http(s)."""
        body: dict[str, Any] = {
            "target_hook_url": target_hook_url,
            "event_type": "all_events",
            "headers": {WEBHOOK_SECRET_HEADER: secret},
        }
        if name is not None:
            body["name"] = name
        data = await self._request("POST", "/webhooks", json_body=body)
        return InstantlyWebhook.model_validate(data)

    async def iter_webhooks(
        self, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncGenerator[InstantlyWebhook, None]:
        async for item in self._iter_pages("/webhooks", page_size):
            yield InstantlyWebhook.model_validate(item)

    async def list_webhooks(self) -> list[InstantlyWebhook]:
        return [webhook async for webhook in self.iter_webhooks()]

    async def get_webhook(self, webhook_id: str) -> InstantlyWebhook:
        """Raises InstantlyNotFound once the webhook was deleted in Instantly."""
        data = await self._request("GET", f"/webhooks/{webhook_id}")
        return InstantlyWebhook.model_validate(data)

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        target_hook_url: str | None = None,
        secret: str | None = None,
        name: str | None = None,
    ) -> InstantlyWebhook:
        """PATCH the given fields; `secret` replaces the headers with X-Webhook-Secret alone."""
        body: dict[str, Any] = {}
        if target_hook_url is not None:
            body["target_hook_url"] = target_hook_url
            body["event_type"] = "all_events"
        if secret is not None:
            body["headers"] = {WEBHOOK_SECRET_HEADER: secret}
        if name is not None:
            body["name"] = name
        if not body:
            raise ValueError("update_webhook needs at least one field to change")
        data = await self._request("PATCH", f"/webhooks/{webhook_id}", json_body=body)
        return InstantlyWebhook.model_validate(data)

    async def resume_webhook(self, webhook_id: str) -> InstantlyWebhook:
        """Re-enable a webhook Instantly disabled (`status` -1) after delivery failures."""
        data = await self._request("POST", f"/webhooks/{webhook_id}/resume")
        return InstantlyWebhook.model_validate(data)

    async def iter_webhook_events(
        self,
        *,
        success: bool | None = None,
        since: date | None = None,
        until: date | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncGenerator[InstantlyWebhookEvent, None]:
        """Instantly's delivery log (every attempt, with its payload), page by page.

        `since`/`until` are whole UTC days (`from`/`to`, inclusive).
        """
        filters = {
            "success": None if success is None else ("true" if success else "false"),
            "from": since.isoformat() if since is not None else None,
            "to": until.isoformat() if until is not None else None,
        }
        async for item in self._iter_pages("/webhook-events", page_size, **filters):
            yield InstantlyWebhookEvent.model_validate(item)

    # --- block list / workspace ------------------------------------------------------

    async def add_to_blocklist(self, value: str) -> BlocklistEntry:
        """Block an email address or a whole domain (`is_domain` tells which it was)."""
        # Retried like any call: a second identical entry blocks nothing new.
        data = await self._request("POST", "/block-lists-entries", json_body={"bl_value": value})
        return BlocklistEntry.model_validate(data)

    async def bulk_add_to_blocklist(self, values: Sequence[str]) -> list[BulkBlocklistResult]:
        """Block many emails or domains, 1,000 per call; one result per call, in order.

        Values Instantly finds invalid are only counted (`invalid_count`): the caller tells
        them apart by the `bl_value`s missing from `items`.
        """
        results: list[BulkBlocklistResult] = []
        for start in range(0, len(values), MAX_BLOCKLIST_VALUES):
            chunk = list(values[start : start + MAX_BLOCKLIST_VALUES])
            data = await self._request(
                "POST", "/block-lists-entries/bulk-create", json_body={"bl_values": chunk}
            )
            results.append(BulkBlocklistResult.model_validate(data))
        return results

    async def iter_blocklist(
        self,
        *,
        domains_only: bool = False,
        search: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncGenerator[BlocklistEntry, None]:
        """Every block-list entry (emails and domains, or only domains), page by page."""
        only = "true" if domains_only else None
        async for item in self._iter_pages(
            "/block-lists-entries", page_size, domains_only=only, search=search
        ):
            yield BlocklistEntry.model_validate(item)

    async def get_current_workspace(self) -> dict[str, Any]:
        """The workspace that owns the key: a cheap "is the key valid and paid?" check."""
        data = await self._request("GET", "/workspaces/current")
        if not isinstance(data, dict):
            raise InstantlyError("Instantly workspace answer is not an object")
        return data

    # --- transport -------------------------------------------------------------------

    async def _iter_pages(
        self, path: str, page_size: int, **filters: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a cursor-paged GET list; `filters` left None are not sent."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        query = {name: value for name, value in filters.items() if value}

        async def fetch(cursor: str | None) -> Any:
            params: dict[str, str | int] = {"limit": page_size, **query}
            if cursor:
                params["starting_after"] = cursor
            return await self._request("GET", path, params=params)

        async for item in iterate_cursor(fetch):
            yield item

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        json_body: dict[str, Any] | None = None,
    ) -> Any:
        """Send one API call with rate limiting and retries; return the decoded JSON.

        Raises:
            InstantlyStatusError: a subclass per status, after retries for 429/5xx.
            InstantlyConnectionError: network failure or timeout after the last retry.
        """
        headers = dict(self._headers)
        content: bytes | None = None
        if json_body is not None:
            # Only with a body: Instantly's Fastify rejects an empty body typed as JSON.
            headers["Content-Type"] = "application/json"
            content = json.dumps(json_body).encode()
        response = await self._sender.send(
            method, path, headers=headers, params=params, content=content
        )
        return _decode(response)

    def retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based); see `RetryPolicy.delay`."""
        return self._sender.retry.delay(attempt, retry_after)


def _transport_error(
    failure: httpx.TransportError, method: str, path: str
) -> InstantlyConnectionError:
    if isinstance(failure, httpx.TimeoutException):
        return InstantlyTimeout(f"Instantly {method} {path} timed out")
    return InstantlyConnectionError(
        f"Instantly {method} {path} failed: {type(failure).__name__}: {failure}"
    )


def _rejection(response: httpx.Response) -> Rejection:
    return Rejection(
        InstantlyStatusError.from_response(response),
        is_retriable=should_retry(response.status_code),
        retry_after=parse_retry_after(response.headers),
    )


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise InstantlyError(
            f"Instantly answered {response.status_code} with a body that is not JSON"
        ) from exc
