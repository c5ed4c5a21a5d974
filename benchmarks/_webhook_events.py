"""The webhook traffic of the benchmarks: a seeded campaign and realistic Instantly v2 bodies.

Events are Instantly v2 deliveries (§5.1 of shared/instantly_v2.md) for the seeded leads, in
a fixed mix of event types, with 3 % exact redeliveries of a recent body.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import seed_campaign, seed_dispatches, seed_targets
from _server import FLOOR_TABLE_SQL
from sqlalchemy import text

from ravensearch.db import migrate
from ravensearch.db.engine import create_engine

WEBHOOK_PATH = "/api/webhooks/instantly"
SECRET = "bench-webhook-secret-7f3a"
INSTANTLY_CAMPAIGN_ID = "0199e9d0-aaaa-7b6e-8c2d-3f4a5b6c7d80"
WORKSPACE_ID = "0199e9d0-57a1-7b6e-8c2d-3f4a5b6c7d80"
SEED_TARGETS = 20_000


# Instantly v2 payload event types and their share of a campaign's traffic (sums to 100).
EVENT_MIX: dict[str, float] = {
    "email_sent": 45,
    "email_opened": 30,
    "link_clicked": 8,
    "reply_received": 5,
    "auto_reply_received": 2,
    "email_bounced": 3,
    "lead_unsubscribed": 1,
    "lead_interested": 3,
    "lead_not_interested": 1,
    "lead_meeting_booked": 1,
    "lead_out_of_office": 1,
}
DUPLICATE_SHARE = 0.03
SENDERS = ("dana@crew-hiring.example", "miguel@crew-hiring.example", "ops@crew-hiring.example")
REPLIES = (
    (
        "Hi, yes I'm interested. I have 12 years of HVAC experience and my own van. "
        "What does the pay look like and when could I start?"
    ),
    (
        "Thanks for reaching out. I'm booked through the month but could take weekend jobs. "
        "Call me at the number in my signature."
    ),
    "Not interested, please remove me from your list.",
)
AUTO_REPLIES = (
    (
        "I'm out of the office until Monday with limited access to email. For urgent "
        "service calls please phone the shop."
    ),
)


# --- events ------------------------------------------------------------------------------


class EventFactory:
    """Instantly v2 webhook bodies for the seeded leads, each one distinct unless it is a
    deliberate exact redelivery of a recent one."""

    def __init__(self, leads: list[dict[str, Any]], *, seed: int = 7) -> None:
        self.leads = leads
        self.rng = random.Random(seed)
        self.types = list(EVENT_MIX)
        self.weights = list(EVENT_MIX.values())
        self.base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        self.seq = 0
        self.recent: deque[bytes] = deque(maxlen=2000)
        self.duplicates = 0

    def body(self) -> bytes:
        rng = self.rng
        if self.recent and rng.random() < DUPLICATE_SHARE:
            self.duplicates += 1
            return self.recent[rng.randrange(len(self.recent))]
        self.seq += 1
        lead = self.leads[rng.randrange(len(self.leads))]
        event_type = rng.choices(self.types, self.weights)[0]
        at = self.base + timedelta(milliseconds=self.seq * 3)
        step = rng.randint(1, 3)
        payload: dict[str, Any] = {
            "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event_type": event_type,
            "workspace": WORKSPACE_ID,
            "campaign_id": INSTANTLY_CAMPAIGN_ID,
            "campaign_name": "HVAC Techs — Texas",
            "lead_email": lead["email"],
            "email": lead["email"],
            "firstName": lead["first_name"],
            "lastName": lead["last_name"],
            "companyName": lead["business_name"],
            "ravensearch_target_id": str(lead["id"]),
            "trade": lead["trade"],
            "city": lead["city"],
            "state": lead["state"],
            "email_account": SENDERS[self.seq % len(SENDERS)],
            "step": step,
            "variant": rng.randint(1, 2),
            "email_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "is_first": rng.random() < 0.7,
        }
        if event_type == "email_sent":
            payload["email_subject"] = f"{lead['first_name']}, steady {lead['trade']} work near you"
            payload["email_text"] = (
                f"Hi {lead['first_name']},\n\nWe're hiring licensed {lead['trade']} techs in "
                f"{lead['city']} for paid-per-job work. Flexible hours, weekly pay. Interested?"
                "\n\nDana\nCrew Hiring"
            )
        elif event_type in ("reply_received", "auto_reply_received"):
            reply = rng.choice(REPLIES if event_type == "reply_received" else AUTO_REPLIES)
            payload["reply_text_snippet"] = reply[:100]
            payload["reply_text"] = reply + "\n\nOn Tue, Dana <dana@crew-hiring.example> wrote: ..."
            payload["reply_subject"] = f"Re: {lead['first_name']}, steady work near you"
            payload["reply_html"] = f"<div>{reply}</div>"
            payload["unibox_url"] = (
                f"https://app.instantly.ai/app/unibox?thread_search={uuid.uuid4()}"
            )
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        self.recent.append(body)
        return body


async def prepare_database(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        leads = await seed_targets(engine, SEED_TARGETS, tag="webhooks")
        campaign_id = await seed_campaign(
            engine, name="HVAC Techs — Texas", instantly_campaign_id=INSTANTLY_CAMPAIGN_ID
        )
        await seed_dispatches(engine, campaign_id, leads)
        async with engine.begin() as conn:
            await conn.execute(text(FLOOR_TABLE_SQL[conn.dialect.name]))
        if engine.dialect.name == "postgresql":
            # Planner statistics, as autovacuum would have gathered them in production.
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return leads


def write_bodies(path: str, factory: EventFactory, count: int) -> None:
    """`count` bodies, one per line (JSON has no raw newline), for wrk's script to replay."""
    with open(path, "wb") as f:
        f.writelines(factory.body() + b"\n" for _ in range(count))
