"""The fake's records: campaigns, leads, block-list entries, injected faults and the
simulator's settings, plus the id and time helpers they share."""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

API_PREFIX = "/api/v2"
WORKSPACE_ID = "0199e9d0-57a1-7b6e-8c2d-3f4a5b6c7d80"
DEFAULT_BLOCKLIST_ID = "0199e9d0-57a1-7b6e-8c2d-3f4a5b6c7d81"
UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE
)

FaultKind = Literal["status", "slow", "commit_then_timeout"]

_id_lock = threading.Lock()
_last_ms = 0
_last_seq = 0


def new_id() -> str:
    """A UUIDv7 (as Instantly now issues), strictly increasing so ids sort by creation."""
    global _last_ms, _last_seq
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _last_seq = ms, 0
        else:
            _last_seq += 1
            if _last_seq > 0xFFF:
                _last_ms, _last_seq = _last_ms + 1, 0
        ms, seq = _last_ms, _last_seq
    value = (ms << 80) | (0x7 << 76) | (seq << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_schedule() -> dict[str, Any]:
    return {
        "schedules": [
            {
                "name": "Weekdays",
                "timing": {"from": "08:00", "to": "17:00"},
                "days": {"1": True, "2": True, "3": True, "4": True, "5": True},
                "timezone": "America/Chicago",
            }
        ]
    }


@dataclass
class FakeCampaign:
    id: str
    name: str
    status: int = 0
    campaign_schedule: dict[str, Any] = field(default_factory=default_schedule)
    sequences: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # every other writable field
    organization: str = WORKSPACE_ID
    timestamp_created: str = field(default_factory=iso_now)
    timestamp_updated: str = field(default_factory=iso_now)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.settings,
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "campaign_schedule": self.campaign_schedule,
            "sequences": self.sequences,
            "organization": self.organization,
            "timestamp_created": self.timestamp_created,
            "timestamp_updated": self.timestamp_updated,
        }


@dataclass
class FakeLead:
    id: str
    email: str | None
    campaign_id: str | None = None
    list_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    job_title: str | None = None
    phone: str | None = None
    website: str | None = None
    personalization: str | None = None
    custom_variables: dict[str, Any] = field(default_factory=dict)
    timestamp_created: str = field(default_factory=iso_now)
    # Activity, written by the simulator (or the demo seed) and read by analytics.
    emails_sent: int = 0
    opens: int = 0
    clicks: int = 0
    replies: int = 0
    auto_replies: int = 0
    bounced: bool = False
    unsubscribed: bool = False
    completed: bool = False
    interested: bool = False
    simulation_scheduled: bool = False
    # Its place among the leads its campaign had simulated (the showcase plays the first).
    showcase_index: int | None = None

    @property
    def status(self) -> int:
        """Lead status (§4.6): 1 active, 3 completed, -1 bounced, -2 unsubscribed."""
        if self.bounced:
            return -1
        if self.unsubscribed:
            return -2
        return 3 if self.completed else 1

    def to_json(self) -> dict[str, Any]:
        payload = {
            **self.custom_variables,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "companyName": self.company_name,
            "jobTitle": self.job_title,
            "website": self.website,
            "phone": self.phone,
            "personalization": self.personalization,
        }
        return {
            "id": self.id,
            "timestamp_created": self.timestamp_created,
            "timestamp_updated": self.timestamp_created,
            "organization": WORKSPACE_ID,
            "campaign": self.campaign_id,
            "list_id": self.list_id,
            "status": self.status,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_name": self.company_name,
            "job_title": self.job_title,
            "phone": self.phone,
            "website": self.website,
            "personalization": self.personalization,
            "company_domain": self.email.rsplit("@", 1)[-1] if self.email else "",
            "email_open_count": self.opens,
            "email_reply_count": self.replies,
            "email_click_count": self.clicks,
            "status_summary": {},
            "payload": {k: v for k, v in payload.items() if v is not None},
            "upload_method": "api",
            # A plain "Lead" has no interest status: the field is absent, never null (§4.6).
            **({"lt_interest_status": 1} if self.interested else {}),
        }


@dataclass
class FakeBlocklistEntry:
    id: str
    bl_value: str
    is_domain: bool
    timestamp_created: str = field(default_factory=iso_now)
    organization_id: str = WORKSPACE_ID

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bl_value": self.bl_value,
            "is_domain": self.is_domain,
            "timestamp_created": self.timestamp_created,
            "organization_id": self.organization_id,
        }


@dataclass
class Fault:
    """One injected misbehaviour for requests matching `method` and `path_prefix`.

    - `status`: answer `status_code` at once (429 carries `Retry-After` if `retry_after`).
    - `slow`: wait `delay_seconds`, then handle the request normally.
    - `commit_then_timeout`: handle the request (the write happens), then wait
      `delay_seconds` before answering, so an impatient client times out after the commit.
    `remaining=None` applies forever; otherwise the fault is used up after that many hits.
    """

    kind: FaultKind
    method: str = "*"
    path_prefix: str = "/"
    status_code: int = 500
    retry_after: float | None = None
    delay_seconds: float = 0.0
    remaining: int | None = 1

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if not self.path_prefix.startswith(API_PREFIX):
            self.path_prefix = API_PREFIX + "/" + self.path_prefix.lstrip("/")

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method.upper()) and path.startswith(self.path_prefix)


@dataclass
class ActivityConfig:
    """Turns on simulated campaign activity, delivered as Instantly webhooks."""

    webhook_url: str
    headers: dict[str, str] = field(default_factory=dict)
    step_seconds: float = 2.0
    seed: int = 0
    # Inject one to deliver in-process (httpx.ASGITransport); None = a client per batch.
    http_client: httpx.AsyncClient | None = None
    delivery_attempts: int = 3
    retry_delay_seconds: float = 0.5
    concurrency: int = 20
    # The first leads of each campaign play every outcome in turn (see simulator.SHOWCASE),
    # so a demo of a handful of leads shows replies, a bounce and an unsubscribe at once.
    showcase: bool = False


@dataclass
class FakeWebhook:
    """A webhook registered through POST /webhooks (§5.4); `status` 1 active, -1 disabled."""

    id: str
    target_hook_url: str
    event_type: str | None = "all_events"
    campaign: str | None = None
    name: str | None = None
    custom_interest_value: float | None = None
    headers: dict[str, str] | None = None
    status: int = 1
    timestamp_error: str | None = None
    organization: str = WORKSPACE_ID
    timestamp_created: str = field(default_factory=iso_now)
    consecutive_failures: int = 0  # the fake's own bookkeeping, never rendered

    def wants(self, event_type: str, campaign_id: str) -> bool:
        """Whether this webhook subscribes to a delivery of `event_type` from the campaign."""
        if self.status != 1 or self.campaign not in (None, campaign_id):
            return False
        # Subscribed as email_link_clicked, delivered as link_clicked (§5.2).
        subscribed = "link_clicked" if self.event_type == "email_link_clicked" else self.event_type
        return subscribed in ("all_events", event_type)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization": self.organization,
            "campaign": self.campaign,
            "name": self.name,
            "target_hook_url": self.target_hook_url,
            "event_type": self.event_type,
            "custom_interest_value": self.custom_interest_value,
            "headers": self.headers,
            "timestamp_created": self.timestamp_created,
            "status": self.status,
            "timestamp_error": self.timestamp_error,
        }


@dataclass
class FakeWebhookEvent:
    """One delivery attempt, as GET /webhook-events lists it (§5.4)."""

    id: str
    webhook_url: str
    payload: dict[str, Any]
    success: bool
    status_code: int | None
    retry_count: int
    will_retry: bool
    retry_group_id: str
    error_message: str | None = None
    response_time_ms: float | None = None
    timestamp_next_retry: str | None = None
    retry_successful: bool | None = None
    timestamp_created: str = field(default_factory=iso_now)

    @property
    def created_date(self) -> str:
        return self.timestamp_created[:10]

    @property
    def lead_email(self) -> str | None:
        value = self.payload.get("lead_email")
        return value if isinstance(value, str) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp_created": self.timestamp_created,
            "timestamp_created_date": self.created_date,
            "organization_id": WORKSPACE_ID,
            "payload": self.payload,
            "success": self.success,
            "retry_count": self.retry_count,
            "will_retry": self.will_retry,
            "webhook_url": self.webhook_url,
            "status_code": self.status_code,
            "error_message": self.error_message,
            "timestamp_next_retry": self.timestamp_next_retry,
            "retry_group_id": self.retry_group_id,
            "retry_successful": self.retry_successful,
            "lead_email": self.lead_email,
            "response_time_ms": self.response_time_ms,
        }


@dataclass
class WebhookDelivery:
    event_type: str
    campaign_id: str
    success: bool
    attempts: int
    status_code: int | None
