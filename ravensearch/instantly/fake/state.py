"""In-memory state of the fake Instantly: one workspace, its campaigns, leads, block list,
injected faults and a log of what was asked of it.

Mutations from the test thread (faults, seeding) and from the server's event loop are
guarded by `lock` where they read-modify-write; plain appends rely on the GIL.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from ravensearch.instantly.fake.models import (
    API_PREFIX,
    DEFAULT_BLOCKLIST_ID,
    WORKSPACE_ID,
    ActivityConfig,
    FakeBlocklistEntry,
    FakeCampaign,
    FakeLead,
    FakeWebhook,
    FakeWebhookEvent,
    Fault,
    FaultKind,
    WebhookDelivery,
    default_schedule,
    is_uuid,
    iso_now,
    new_id,
)

__all__ = [
    "API_PREFIX",
    "DEFAULT_BLOCKLIST_ID",
    "WORKSPACE_ID",
    "ActivityConfig",
    "FakeBlocklistEntry",
    "FakeCampaign",
    "FakeInstantlyState",
    "FakeLead",
    "FakeWebhook",
    "FakeWebhookEvent",
    "Fault",
    "FaultKind",
    "WebhookDelivery",
    "default_schedule",
    "is_uuid",
    "iso_now",
    "new_id",
]

_KEEP = {"keep_on_reset": True}
_CONFIG = {"config": True}


@dataclass
class FakeInstantlyState:
    """Everything the fake knows. Configuration fields survive `reset()` unless asked."""

    api_keys: set[str] = field(default_factory=lambda: {"test-key"}, metadata=_CONFIG)
    unpaid_keys: set[str] = field(default_factory=set, metadata=_CONFIG)
    # A key listed here holds only these scopes (§1.2); any other key holds `all:all`.
    key_scopes: dict[str, set[str]] = field(default_factory=dict, metadata=_CONFIG)
    # The reference documents 401 for every operation; the quickstart page says 403 (§1.3).
    scope_denied_status: int = field(default=401, metadata=_CONFIG)
    accept_any_key: bool = field(default=False, metadata=_CONFIG)
    latency_seconds: float = field(default=0.0, metadata=_CONFIG)
    rate_limit_per_second: int | None = field(default=None, metadata=_CONFIG)
    rate_limit_per_minute: int | None = field(default=None, metadata=_CONFIG)
    # The starter kit warns that the last page may still carry a cursor (§1.5).
    cursor_on_last_page: bool = field(default=True, metadata=_CONFIG)
    plan_lead_limit: int = field(default=100_000, metadata=_CONFIG)
    simulate_activity: ActivityConfig | None = field(default=None, metadata=_CONFIG)
    workspace_name: str = field(default="Ravensearch Demo Workspace", metadata=_CONFIG)
    sending_accounts: list[str] = field(
        default_factory=lambda: ["dana@crew-hiring.example", "miguel@crew-hiring.example"],
        metadata=_CONFIG,
    )
    # Instantly's threshold is undocumented (§5.3): failed deliveries in a row before a
    # registered webhook goes `status: -1`.
    webhook_disable_after: int = field(default=10, metadata=_CONFIG)
    campaigns: dict[str, FakeCampaign] = field(default_factory=dict)
    leads: dict[str, FakeLead] = field(default_factory=dict)
    lead_lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocklist: dict[str, FakeBlocklistEntry] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    request_log: list[tuple[str, str, int]] = field(default_factory=list)
    webhook_log: list[WebhookDelivery] = field(default_factory=list)
    webhooks: dict[str, FakeWebhook] = field(default_factory=dict)
    webhook_events: list[FakeWebhookEvent] = field(default_factory=list)
    # Leads each campaign has had simulated so far (the showcase plays its first ones).
    simulated: dict[str, int] = field(default_factory=dict)
    pending_simulations: set[asyncio.Task[None]] = field(
        default_factory=set, repr=False, metadata=_KEEP
    )
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, metadata=_KEEP)
    in_flight: int = field(default=0, metadata=_KEEP)  # API requests being answered now
    _by_email: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _recent_requests: deque[float] = field(default_factory=deque, repr=False)

    @property
    def workspace_id(self) -> str:
        return WORKSPACE_ID

    def reset(self, *, config: bool = False) -> None:
        """Forget all data, faults and logs; with `config=True` also restore every setting."""
        with self.lock:
            for f in fields(self):
                if f.metadata.get("keep_on_reset") or (f.metadata.get("config") and not config):
                    continue
                if f.default_factory is not MISSING:
                    setattr(self, f.name, f.default_factory())
                else:
                    setattr(self, f.name, f.default)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block (another thread than the server's) until no API request is in flight.

        Slow and commit-then-timeout faults keep answering after the client gave up; wait
        for them before resetting, so they cannot write into the next test's state.
        """
        deadline = time.monotonic() + timeout
        while self.in_flight:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # --- campaigns and leads ----------------------------------------------------------

    def add_campaign(self, name: str, *, id: str | None = None, status: int = 0) -> FakeCampaign:
        campaign = FakeCampaign(id=id or new_id(), name=name, status=status)
        self.campaigns[campaign.id] = campaign
        return campaign

    def add_lead(self, email: str | None, **values: Any) -> FakeLead:
        """Store a lead as is (no dedupe or block-list check: that is `/leads/add`'s job)."""
        email = email.strip().lower() if email else None
        lead = FakeLead(id=new_id(), email=email, **values)
        with self.lock:
            self.leads[lead.id] = lead
            if email:
                self._by_email.setdefault(email, []).append(lead.id)
        return lead

    def leads_by_campaign(self, campaign_id: str) -> list[FakeLead]:
        return [lead for lead in list(self.leads.values()) if lead.campaign_id == campaign_id]

    def leads_with_email(self, email: str) -> list[FakeLead]:
        return [self.leads[i] for i in self._by_email.get(email, ()) if i in self.leads]

    def add_blocklist_entry(self, value: str) -> FakeBlocklistEntry:
        """Idempotent on the value: blocking the same address twice returns the first entry."""
        value = value.strip().lower()
        with self.lock:
            for entry in self.blocklist.values():
                if entry.bl_value == value:
                    return entry
            entry = FakeBlocklistEntry(id=new_id(), bl_value=value, is_domain="@" not in value)
            self.blocklist[entry.id] = entry
            return entry

    def add_blocklist_entries(self, values: list[str]) -> list[FakeBlocklistEntry]:
        with self.lock:
            return [self.add_blocklist_entry(value) for value in values]

    def add_webhook(self, target_hook_url: str, **values: Any) -> FakeWebhook:
        webhook = FakeWebhook(id=new_id(), target_hook_url=target_hook_url, **values)
        with self.lock:
            self.webhooks[webhook.id] = webhook
        return webhook

    def is_blocked(self, email: str) -> bool:
        values = {entry.bl_value for entry in self.blocklist.values()}
        return email in values or email.rsplit("@", 1)[-1] in values

    def analytics_row(self, campaign: FakeCampaign) -> dict[str, Any]:
        """The §3.1 row, computed from the leads' simulated activity."""
        leads = self.leads_by_campaign(campaign.id)
        contacted = [lead for lead in leads if lead.emails_sent]
        opportunities = sum(lead.interested for lead in leads)
        return {
            "campaign_name": campaign.name,
            "campaign_id": campaign.id,
            "campaign_status": campaign.status,
            "campaign_is_evergreen": False,
            "leads_count": len(leads),
            "contacted_count": len(contacted),
            "emails_sent_count": sum(lead.emails_sent for lead in leads),
            "new_leads_contacted_count": len(contacted),
            "open_count": sum(1 for lead in leads if lead.opens),
            "open_count_unique": sum(1 for lead in leads if lead.opens),
            "reply_count": sum(lead.replies for lead in leads),
            "reply_count_unique": sum(1 for lead in leads if lead.replies),
            "reply_count_automatic": sum(lead.auto_replies for lead in leads),
            "reply_count_automatic_unique": sum(1 for lead in leads if lead.auto_replies),
            "link_click_count": sum(lead.clicks for lead in leads),
            "link_click_count_unique": sum(1 for lead in leads if lead.clicks),
            "bounced_count": sum(lead.bounced for lead in leads),
            "unsubscribed_count": sum(lead.unsubscribed for lead in leads),
            "completed_count": sum(lead.completed for lead in leads),
            "total_opportunities": opportunities,
            "total_opportunity_value": float(opportunities * 500),
        }

    # --- faults and rate limits -------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def fail_next(
        self,
        count: int,
        status_code: int,
        *,
        method: str = "*",
        path: str = "/",
        retry_after: float | None = None,
    ) -> Fault:
        """The next `count` matching requests answer `status_code` (429, 500, 503 …)."""
        return self.add_fault(
            Fault("status", method, path, status_code, retry_after=retry_after, remaining=count)
        )

    def slow_down(
        self, delay_seconds: float, *, method: str = "*", path: str = "/", count: int | None = None
    ) -> Fault:
        return self.add_fault(
            Fault("slow", method, path, delay_seconds=delay_seconds, remaining=count)
        )

    def commit_then_timeout(
        self, delay_seconds: float, *, method: str = "POST", path: str = "/", count: int = 1
    ) -> Fault:
        return self.add_fault(
            Fault("commit_then_timeout", method, path, delay_seconds=delay_seconds, remaining=count)
        )

    def take_faults(self, method: str, path: str) -> list[Fault]:
        """The first matching fault of each kind, each use counted against `remaining`."""
        taken: list[Fault] = []
        with self.lock:
            for fault in list(self.faults):
                if any(t.kind == fault.kind for t in taken) or not fault.matches(method, path):
                    continue
                taken.append(fault)
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
        return taken

    def admit_request(self, now: float | None = None) -> bool:
        """Enforce the optional per-second / per-minute limits (sliding windows)."""
        if self.rate_limit_per_second is None and self.rate_limit_per_minute is None:
            return True
        now = time.monotonic() if now is None else now
        with self.lock:
            recent = self._recent_requests
            while recent and recent[0] <= now - 60.0:
                recent.popleft()
            last_second = sum(1 for t in recent if t > now - 1.0)
            if self.rate_limit_per_second is not None and last_second >= self.rate_limit_per_second:
                return False
            if self.rate_limit_per_minute is not None and len(recent) >= self.rate_limit_per_minute:
                return False
            recent.append(now)
            return True

    def snapshot(self) -> dict[str, Any]:
        return {
            "campaigns": [
                {**c.to_json(), "leads_count": len(self.leads_by_campaign(c.id))}
                for c in self.campaigns.values()
            ],
            "leads_count": len(self.leads),
            "blocklist_count": len(self.blocklist),
            "faults": len(self.faults),
            "requests": len(self.request_log),
            "webhooks_delivered": sum(d.success for d in self.webhook_log),
            "webhooks_failed": sum(not d.success for d in self.webhook_log),
            "webhooks_registered": len(self.webhooks),
            "webhook_events": len(self.webhook_events),
            "pending_simulations": len(self.pending_simulations),
        }
