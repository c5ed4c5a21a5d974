"""How long `events backfill` takes to store Instantly's failed deliveries, and to find
them all already stored on a second run (the periodic job's usual case).

    .venv/bin/python benchmarks/backfill.py                     # SQLite and PostgreSQL
    .venv/bin/python benchmarks/backfill.py --only sqlite -n 5000

The fake Instantly is in process (its delivery log seeded with `n` deliveries, each tried
3 times and failed), so the figures are the backfill's own: paging through
GET /webhook-events, parsing, and the intake's INSERTs.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta

import httpx
from _common import bench_settings, fresh_database

from ravensearch.events.backfill import backfill
from ravensearch.instantly import InstantlyClient, RateLimiter
from ravensearch.instantly.fake import FakeInstantlyState, FakeWebhookEvent, create_fake_app
from ravensearch.instantly.fake.models import new_id
from ravensearch.logging import configure_logging
from ravensearch.runtime import build_runtime

HOOK = "https://rs.example.com/api/webhooks/instantly"


def seed(state: FakeInstantlyState, deliveries: int) -> None:
    for n in range(deliveries):
        payload = {
            "timestamp": "2026-12-03T09:00:00.000Z", "event_type": "email_opened",
            "workspace": "w", "campaign_id": "c-bench", "campaign_name": "Bench",
            "lead_email": f"lead{n}@shop.example", "email_id": f"e-{n}", "step": 1,
        }  # fmt: skip
        for attempt in range(3):
            state.webhook_events.append(
                FakeWebhookEvent(id=new_id(), webhook_url=HOOK, payload=payload, success=False,
                                 status_code=500, retry_count=attempt, will_retry=attempt < 2,
                                 retry_group_id=str(n))
            )  # fmt: skip


async def run(kind: str, deliveries: int) -> None:
    async with fresh_database(kind, name="rs_bench_backfill") as url:
        state = FakeInstantlyState(accept_any_key=True)
        seed(state, deliveries)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_fake_app(state)),
            base_url="https://api.instantly.ai/api/v2",
        )
        client = InstantlyClient("bench", http_client=http, rate_limiter=RateLimiter(10**6, 10**8))
        runtime = await build_runtime(bench_settings(url), instantly=client, migrate_db=True)
        try:
            for label in ("first run (all new)", "second run (all stored)"):
                started = time.perf_counter()
                report = await backfill(runtime.engine, client, since=timedelta(days=1))
                elapsed = time.perf_counter() - started
                print(
                    f"{kind:8} {label:24} {3 * deliveries:>7,} attempts  seen {report.seen:,}  "
                    f"stored {report.stored:,}  had {report.already_had:,}  "
                    f"{elapsed:6.2f} s  ({elapsed / deliveries * 1e3:.2f} ms per delivery)"
                )
        finally:
            await runtime.aclose()
            await http.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="failed deliveries in the log")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    configure_logging("WARNING")
    for kind in (args.only,) if args.only else ("sqlite", "postgres"):
        asyncio.run(run(kind, args.n))


if __name__ == "__main__":
    main()
