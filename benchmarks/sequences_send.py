"""Send a 2-step SendGrid sequence to 10,000 technicians through the real SendGrid client to
the fake SendGrid in its own process (`ravensearch fake-sendgrid --latency-ms 100`: each
request answered 100 ms late, after the fake checked and rendered every personalization),
on a fresh database; print sends per second and check the fake holds each email once.

    .venv/bin/python benchmarks/sequences_send.py                  # SQLite (temp file)
    .venv/bin/python benchmarks/sequences_send.py --both           # then PostgreSQL

A second run at the same instant must send nothing (each (dispatch, step) once).
Exits 0 (it measures) unless --strict and a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from _common import bench_settings, fresh_database, seed_targets, verdict
from _processes import Process

from ravensearch.campaigns.schemas import CampaignCreate
from ravensearch.campaigns.sequence import sequence_service
from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.service import dispatch_service
from ravensearch.kit.clock import utcnow
from ravensearch.logging import configure_logging
from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sequences.sender import send_due

STEPS = [
    {"subject": "Work in {{ city }}, {{ first_name }}?", "body": "Hi {{ first_name }},\n"
     "{{ business_name }} ({{ trade }}) looks great. Hiring?", "delayDays": 0},
    {"subject": "Following up", "body": "Any thoughts, {{ first_name }}?", "delayDays": 2},
]  # fmt: skip


API_KEY = "SG.bench-key"


class FakeSendGridProcess:
    """`ravensearch fake-sendgrid` beside the benchmark, so its CPU is not the sender's."""

    def __init__(self, latency: float, work_dir: str) -> None:
        argv = [sys.executable, "-m", "ravensearch", "fake-sendgrid", "--port", "{port}",
                "--api-key", API_KEY, "--latency-ms", str(int(latency * 1000))]  # fmt: skip
        self.process = Process("fake-sendgrid", argv, dict(os.environ), work_dir)
        self.base_url = f"http://127.0.0.1:{self.process.port}/v3"

    async def messages(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=120) as http:
            response = await http.get(f"http://127.0.0.1:{self.process.port}/_fake/messages")
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@dataclass
class Result:
    label: str
    count: int
    step1_seconds: float
    step2_seconds: float
    sent: int
    calls: int
    rerun_sent: int
    held_by_fake: int = 0
    held_twice: int = 0

    @property
    def per_second(self) -> float:
        return self.sent / (self.step1_seconds + self.step2_seconds)

    @property
    def ok(self) -> bool:
        return (
            self.sent == 2 * self.count == self.held_by_fake
            and self.rerun_sent == 0
            and self.held_twice == 0
        )


async def run(kind: str, count: int, fake: FakeSendGridProcess, pg_url: str | None) -> Result:
    async with fresh_database(kind, name="rs_bench_sequences", pg_url=pg_url) as url:
        settings = bench_settings(url)
        settings.SENDER_POSTAL_ADDRESS = "Ravensearch Inc., 100 Main St, Austin, TX 78701"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        rows = await seed_targets(engine, count, tag="seq")
        body = CampaignCreate.model_validate(
            {"channel": "sendgrid", "name": "Bench", "fromEmail": "jobs@raven.example.com",
             "windowStartHour": 0, "windowEndHour": 24, "weekdaysOnly": False, "steps": STEPS}
        )  # fmt: skip
        async with unit_of_work(sessionmaker) as session:
            campaign = await sequence_service.create(session, body)
        async with unit_of_work(sessionmaker) as session:
            await dispatch_service.record(
                session, campaign=campaign, target_ids=[r["id"] for r in rows]
            )
        held_before = len(await fake.messages())
        now = utcnow() + timedelta(seconds=1)
        async with SendGridClient(api_key=API_KEY, base_url=fake.base_url) as sender:
            started = time.perf_counter()
            first = await send_due(sessionmaker, sender, settings, now=now)
            step1 = time.perf_counter() - started
            rerun = await send_due(sessionmaker, sender, settings, now=now)
            started = time.perf_counter()
            second = await send_due(sessionmaker, sender, settings, now=now + timedelta(days=2))
            step2 = time.perf_counter() - started
        await engine.dispose()
        held = (await fake.messages())[held_before:]
        emails = Counter((m["to"], m["custom_args"].get("step")) for m in held)
        calls = len(first.batches) + len(rerun.batches) + len(second.batches)
        return Result(kind, count, step1, step2, first.sent + second.sent, calls, rerun.sent,
                      held_by_fake=len(held), held_twice=sum(n - 1 for n in emails.values()))  # fmt: skip


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (name rs_bench…)")
    parser.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1, help="SendGrid seconds/request")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    args = parser.parse_args()
    configure_logging("WARNING")
    kinds = ["sqlite", "postgres"] if args.both else [
        "postgres" if args.database_url else "sqlite"
    ]  # fmt: skip
    failed = False
    with tempfile.TemporaryDirectory(prefix="rs-bench-sg-") as work_dir:
        fake = FakeSendGridProcess(args.latency, work_dir)
        try:
            await fake.process.wait_ready("/_fake/messages")
            for kind in kinds:
                r = await run(kind, args.count, fake, args.database_url)
                print(
                    f"{r.label:8} {r.count} technicians × 2 steps: {r.sent} sent in {r.calls} "
                    f"requests; step 1 {r.step1_seconds:.2f} s, step 2 {r.step2_seconds:.2f} s "
                    f"→ {r.per_second:,.0f} sends/s; rerun sent {r.rerun_sent}; the fake "
                    f"holds {r.held_by_fake}, {r.held_twice} twice  {verdict(r.ok)}"
                )
                failed = failed or not r.ok
        finally:
            fake.process.popen.terminate()
            fake.process.popen.wait(10)
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
