"""A faithful, in-memory fake of the Instantly API v2 (FastAPI), with fault injection and
simulated campaign activity delivered as webhooks. See `app.py` for what it serves."""

from ravensearch.instantly.fake.app import create_fake_app
from ravensearch.instantly.fake.demo import seed_demo_campaigns
from ravensearch.instantly.fake.server import (
    FakeInstantlyServer,
    build_fake_state,
    run_fake_instantly,
)
from ravensearch.instantly.fake.simulator import drain, plan_lead, schedule_activity
from ravensearch.instantly.fake.state import (
    ActivityConfig,
    FakeBlocklistEntry,
    FakeCampaign,
    FakeInstantlyState,
    FakeLead,
    FakeWebhook,
    FakeWebhookEvent,
    Fault,
    WebhookDelivery,
)

__all__ = [
    "ActivityConfig",
    "FakeBlocklistEntry",
    "FakeCampaign",
    "FakeInstantlyServer",
    "FakeInstantlyState",
    "FakeLead",
    "FakeWebhook",
    "FakeWebhookEvent",
    "Fault",
    "WebhookDelivery",
    "build_fake_state",
    "create_fake_app",
    "drain",
    "plan_lead",
    "run_fake_instantly",
    "schedule_activity",
    "seed_demo_campaigns",
]
