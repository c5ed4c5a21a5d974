"""The data set of `benchmarks/pages.py`, loaded fast into PostgreSQL with COPY.

100,000 targets, 1,000 campaigns, 1,000,000 dispatches carrying the state webhooks left on
them (sent, opened, replied, bounced …), 1,000,000 webhook events, 10,000 suppressions,
20,000 notifications and 2,000 technicians in the recruiting pipeline. Deterministic
(seeded); imported as `_page_data` from the benchmarks directory.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from ravensearch.kit.trades import TRADES
from ravensearch.targets.addresses import US_STATES

TARGETS = 100_000
CAMPAIGNS = 1_000
DISPATCHES_PER_CAMPAIGN = 1_000  # 1,000,000 dispatches
EVENTS = 1_000_000
SUPPRESSIONS = 10_000
NOTIFICATIONS = 20_000
IN_PIPELINE = 2_000
CHUNK = 50_000
# Proposed (not in the migrations yet): trigram indexes for the Targets text search, one per
# searched expression, so `a ILIKE '%word%' OR b ILIKE ...` becomes a BitmapOr of index scans
# instead of a scan of every row. `--proposed-indexes` creates them after loading.
PROPOSED_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX ix_outreach_targets_{name}_trgm ON outreach_targets "
        f"USING gin ({expression} gin_trgm_ops)"
        for name, expression in (
            ("business_name", "business_name"),
            ("contact", "(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))"),
            ("email", "email"),
            ("city", "city"),
        )
    ),
    "ANALYZE outreach_targets",
)

STATES = tuple(code for code in US_STATES if len(code) == 2)[:50]
FIRST = ("Carlos", "Jake", "Marcus", "Luis", "Tyler", "Andre", "Cody", "Ray", "Dustin", "Hector",
         "Brandon", "Travis", "Javier", "Kyle", "Derek", "Manny", "Ann", "Maria", "Rosa", "Lena")  # fmt: skip
LAST = tuple(f"{stem}{suffix}" for stem in ("Garcia", "Miller", "Johnson", "Hernandez", "Smith",
             "Nguyen", "Brown", "Lopez", "Davis", "Martinez", "Wilson", "Reyes", "Clark",
             "Lewis", "Walker", "Young", "King", "Wright", "Hill", "Green")
             for suffix in ("", "son", "ley", "er", "ford", "ton", "man", "wood", "field", "ridge"))  # fmt: skip
SHOP = ("Comfort", "Reliable", "Lone Star", "Sunbelt", "Precision", "Desert", "Gulf Coast",
        "Summit", "Pioneer", "Metro", "Allied", "Eagle", "Patriot", "Blue Sky", "Ace")  # fmt: skip
CITIES = ("Springfield", "Franklin", "Clinton", "Greenville", "Bristol", "Fairview", "Salem",
          "Madison", "Georgetown", "Arlington", "Ashland", "Dover", "Oxford", "Jackson")  # fmt: skip
# status → share of targets
TARGET_STATUSES = (("completed", 70), ("no_email", 15), ("pending", 10), ("failed", 5))
DISPATCH_FATES = (("pending", 5), ("sent", 40), ("opened", 30), ("clicked", 8), ("replied", 7),
                  ("bounced", 7), ("unsubscribed", 3))  # fmt: skip
STAGES = ("replied", "interested", "screening", "interview", "offer", "hired", "refused")


def weighted(choices: tuple[tuple[str, int], ...]) -> list[str]:
    return [name for name, weight in choices for _ in range(weight)]


@dataclass
class Dataset:
    target_ids: list[uuid.UUID]
    target_emails: list[str]
    campaign_ids: list[uuid.UUID]
    dispatch_ids: list[uuid.UUID]


async def _copy(
    conn: asyncpg.Connection,
    table: str,
    columns: list[str],
    rows: Callable[[int, int], Iterable[tuple[Any, ...]]],
    total: int,
) -> None:
    """COPY `total` rows made chunk by chunk (memory stays flat) into `table`, with its
    secondary indexes dropped first and rebuilt after (much faster than maintaining them)."""
    indexes = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 AND "
        "i.indexname NOT IN (SELECT c.conname FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = $1)",
        table,
    )
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["indexname"]}"')
    for start in range(0, total, CHUNK):
        await conn.copy_records_to_table(
            table, records=list(rows(start, min(total, start + CHUNK))), columns=columns
        )
    for index in indexes:
        await conn.execute(index["indexdef"])
    await conn.execute(f'ANALYZE "{table}"')


async def load(url: str) -> Dataset:
    rng = random.Random(42)
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        # Bench data is consistent by construction: skip the per-row foreign-key checks.
        await conn.execute("SET session_replication_role = replica")
        data = Dataset([uuid.uuid4() for _ in range(TARGETS)], [], [], [])
        statuses = weighted(TARGET_STATUSES)
        target_rows: list[tuple[Any, ...]] = []
        pipeline: list[tuple[uuid.UUID, str, datetime]] = []
        for i, target_id in enumerate(data.target_ids):
            trade = TRADES[i % len(TRADES)]
            state = STATES[(i // len(TRADES)) % len(STATES)]
            status = statuses[rng.randrange(len(statuses))]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            shop = f"{rng.choice(SHOP)} {last} {trade.replace('_', ' ').title()}"
            domain = f"{re.sub(r'[^a-z]', '', shop.lower())}{i}.example"
            email = f"{first.lower()}@{domain}" if status == "completed" else None
            data.target_emails.append(email or f"t{i}@no-email.example")
            created = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
            stage = moved = None
            if i % (TARGETS // IN_PIPELINE) == 0:
                stage = STAGES[rng.randrange(len(STAGES))]
                moved = created + timedelta(days=1)
                pipeline.append((target_id, stage, moved))
            target_rows.append((
                target_id, shop, first, last, trade, f"+1555{i:07d}", email,
                f"https://{domain}", domain, rng.choice(CITIES), state, f"{10000 + i % 89999}",
                rng.choice(("google", "yelp", "csv")), "{}", status,
                None if email else ("no email on the website" if status == "no_email" else None),
                0, created, created, stage, "salary" if stage == "refused" else None, moved,
            ))  # fmt: skip
        target_columns = [
            "id", "business_name", "first_name", "last_name", "trade", "phone", "email",
            "website", "website_domain", "city", "state", "zip", "source", "source_ids",
            "status", "status_reason", "enrich_attempts", "created_at", "updated_at",
            "pipeline_stage", "pipeline_refusal_reason", "pipeline_updated_at",
        ]  # fmt: skip
        await _copy(conn, "outreach_targets", target_columns,
                    lambda a, b: target_rows[a:b], TARGETS)  # fmt: skip
        await _copy(
            conn,
            "pipeline_moves",
            ["id", "target_id", "from_stage", "to_stage", "refusal_reason", "source", "created_at"],
            lambda a, b: [
                (uuid.uuid4(), t, None, s, "salary" if s == "refused" else None, "auto", m)
                for t, s, m in pipeline[a:b]
            ],
            len(pipeline),
        )

        fates = weighted(DISPATCH_FATES)
        campaign_rows = []
        for n in range(CAMPAIGNS):
            campaign_id = uuid.uuid4()
            data.campaign_ids.append(campaign_id)
            trade = TRADES[n % len(TRADES)]
            created = now - timedelta(hours=n)
            per = DISPATCHES_PER_CAMPAIGN
            campaign_rows.append((
                campaign_id, f"{trade.replace('_', ' ').title()} — {STATES[n % 50]} #{n}",
                str(uuid.uuid4()), trade if n % 3 else None, "active" if n % 5 else "paused",
                per, per * 95 // 100, per * 45 // 100, per * 8 // 100, per * 7 // 100,
                per * 7 // 100, per * 3 // 100, "{}", created, created, created,
            ))  # fmt: skip
        await _copy(
            conn,
            "outreach_campaigns",
            [
                "id",
                "name",
                "instantly_campaign_id",
                "trade_filter",
                "status",
                "total_targets",
                "emails_sent",
                "emails_opened",
                "emails_clicked",
                "replies_received",
                "emails_bounced",
                "unsubscribed",
                "instantly_stats",
                "created_at",
                "updated_at",
                "last_synced_at",
            ],
            lambda a, b: campaign_rows[a:b],
            CAMPAIGNS,
        )

        total = CAMPAIGNS * DISPATCHES_PER_CAMPAIGN
        picks = [rng.sample(range(TARGETS), DISPATCHES_PER_CAMPAIGN) for _ in range(CAMPAIGNS)]
        data.dispatch_ids = [uuid.uuid4() for _ in range(total)]

        def dispatch_rows(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
            for k in range(start, stop):
                campaign, slot = divmod(k, DISPATCHES_PER_CAMPAIGN)
                target = picks[campaign][slot]
                fate = fates[(k * 7919) % len(fates)]
                pushed = now - timedelta(days=20, minutes=k % 10_000)
                sent = pushed + timedelta(hours=1)
                opened = sent + timedelta(hours=2)
                replied = fate == "replied"
                bounced = fate == "bounced"
                yield (
                    data.dispatch_ids[k], data.target_ids[target], data.campaign_ids[campaign],
                    "instantly", fate,
                    data.target_emails[target], str(k), pushed, 1,
                    sent if fate != "pending" else None,
                    opened if fate in ("opened", "clicked", "replied") else None,
                    opened + timedelta(minutes=5) if fate in ("clicked", "replied") else None,
                    sent + timedelta(days=1) if replied else None,
                    sent + timedelta(minutes=1) if bounced else None,
                    sent + timedelta(days=2) if fate == "unsubscribed" else None,
                    "Sounds good, call me after 5pm." if replied else None,
                    "550 5.1.1 mailbox unavailable" if bounced else None, pushed, pushed,
                )  # fmt: skip

        await _copy(
            conn,
            "job_dispatches",
            [
                "id",
                "technician_id",
                "campaign_id",
                "channel",
                "status",
                "email",
                "instantly_lead_id",
                "pushed_at",
                "attempts",
                "sent_at",
                "opened_at",
                "clicked_at",
                "replied_at",
                "bounced_at",
                "unsubscribed_at",
                "reply_text",
                "bounce_reason",
                "created_at",
                "updated_at",
            ],
            dispatch_rows,
            total,
        )

        def event_rows(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
            for k in range(start, stop):
                campaign = k // DISPATCHES_PER_CAMPAIGN % CAMPAIGNS
                at = now - timedelta(days=19, seconds=k)
                email = data.target_emails[picks[campaign][k % DISPATCHES_PER_CAMPAIGN]]
                body = json.dumps({"event_type": "email_sent", "lead_email": email,
                                   "timestamp": at.isoformat(), "step": 1})  # fmt: skip
                yield (uuid.uuid4(), "instantly", f"bench-{k}", "email_sent",
                       str(data.campaign_ids[campaign]), email, at, body, at, "applied", 1, at,
                       data.campaign_ids[campaign], data.dispatch_ids[k % total])  # fmt: skip

        await _copy(
            conn,
            "webhook_events",
            [
                "id",
                "source",
                "dedupe_key",
                "event_type",
                "instantly_campaign_id",
                "lead_email",
                "occurred_at",
                "raw_body",
                "received_at",
                "state",
                "attempts",
                "processed_at",
                "campaign_id",
                "dispatch_id",
            ],
            event_rows,
            EVENTS,
        )
        await _copy(
            conn,
            "suppressions",
            ["id", "value", "kind", "reason", "source", "created_at"],
            lambda a, b: [
                (
                    uuid.uuid4(),
                    f"gone{k}@bounced{k % 500}.example",
                    "email",
                    "550 no such user",
                    "bounce",
                    now - timedelta(minutes=k),
                )
                for k in range(a, b)
            ],
            SUPPRESSIONS,
        )
        await _copy(
            conn,
            "notifications",
            ["id", "kind", "title", "body", "campaign_id", "target_id", "read_at", "created_at"],
            lambda a, b: [
                (
                    uuid.uuid4(),
                    "reply",
                    f"Reply from shop {k}",
                    "Sounds good, call me.",
                    data.campaign_ids[k % CAMPAIGNS],
                    data.target_ids[k % TARGETS],
                    None if k % 10 == 0 else now,
                    now - timedelta(minutes=k),
                )
                for k in range(a, b)
            ],
            NOTIFICATIONS,
        )
    finally:
        await conn.close()
    return data
