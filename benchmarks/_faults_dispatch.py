"""Dispatch scenarios of the fault suite: `ravensearch dispatch` against the fake Instantly
over HTTP, killed with SIGKILL mid-way or caught in a storm of 429s, then the sweep's flows
finish it. Every lead must be in the fake campaign exactly once or rejected with a reason,
and every dispatch row settled: held with its Instantly lead id, or rejected.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from _common import seed_campaign, seed_targets
from _faults_infra import (
    API_KEY,
    Outcome,
    PostgresInstance,
    Service,
    Workspace,
    free_port,
    wait_http_ok,
    wait_until,
)
from sqlalchemy import text

from ravensearch.config import Settings
from ravensearch.db.engine import create_engine
from ravensearch.dispatch.flows import settle_missing_lead_ids, sweep_unpushed
from ravensearch.runtime import build_runtime

# One lead in this many is on Instantly's block list: those rows must end rejected.
BLOCKED_EVERY = 50
SWEEP_TIMEOUT_SECONDS = 300.0


@dataclass
class DispatchRun:
    """The sizes of one run of the dispatch scenarios (full or CI-short)."""

    technicians: int
    kill_when_held: int  # SIGKILL once the fake holds this many leads
    storm_seconds: float


@dataclass
class Fake:
    """`ravensearch fake-instantly` in its own process, driven through its /_fake API."""

    service: Service
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v2"

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(base_url=self.base, timeout=30, headers=headers) as client:
            response = await client.request(method, path, json=body)
            response.raise_for_status()
            return response.json()

    async def held(self, campaign_id: str) -> int:
        state = await self.call("GET", "/_fake/state")
        return next(c["leads_count"] for c in state["campaigns"] if c["id"] == campaign_id)

    async def fault(self, **fault: Any) -> None:
        await self.call("POST", "/_fake/faults", {"method": "POST", "count": None, **fault})


async def start_fake(ws: Workspace, *, demo: bool = False) -> Fake:
    port = free_port()
    argv = ["fake-instantly", "--port", str(port), "--api-key", API_KEY]
    argv.append("--demo" if demo else "--no-demo")
    service = ws.service("fake-instantly", argv, ws.env("sqlite:///unused.db")).start()
    fake = Fake(service, port)
    await wait_http_ok(f"{fake.base}/_fake/state", service=service)
    return fake


@dataclass
class Prepared:
    url: str
    campaign_id: uuid.UUID
    instantly_id: str
    emails: list[str]
    blocked: set[str]


async def prepare(pg: PostgresInstance, fake: Fake, name: str, technicians: int) -> Prepared:
    """A database with `technicians` ready targets and a linked campaign the fake holds."""
    url = await pg.fresh_database(name)
    instantly_id = str(uuid.uuid4())
    engine = create_engine(url)
    try:
        targets = await seed_targets(engine, technicians, tag=name)
        campaign_id = await seed_campaign(engine, name=name, instantly_campaign_id=instantly_id)
    finally:
        await engine.dispose()
    await fake.call("POST", "/_fake/campaigns", {"name": name, "id": instantly_id, "status": 1})
    emails = [t["email"] for t in targets]
    blocked = set(emails[::BLOCKED_EVERY])
    values = sorted(blocked)
    for start in range(0, len(values), 1000):
        chunk = {"bl_values": values[start : start + 1000]}
        await fake.call("POST", "/api/v2/block-lists-entries/bulk-create", chunk)
    return Prepared(url, campaign_id, instantly_id, emails, blocked)


def start_dispatch(ws: Workspace, fake: Fake, db: Prepared, name: str) -> Service:
    env = ws.env(db.url, instantly_url=fake.api_url)
    argv = ["dispatch", "--campaign", str(db.campaign_id), "--all-ready"]
    return ws.service(name, argv, env).start()


async def run_sweep(fake: Fake, db: Prepared) -> None:
    """The periodic sweep's dispatch part, without its 2-minute grace: the process that
    was pushing is known dead, so its rows are stale now."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=db.url,
        INSTANTLY_API_KEY=API_KEY,
        INSTANTLY_API_URL=fake.api_url,
        LOG_LEVEL="WARNING",
    )
    runtime = await build_runtime(settings)
    try:
        async with asyncio.timeout(SWEEP_TIMEOUT_SECONDS):
            await settle_missing_lead_ids(runtime.sessionmaker, runtime.instantly)
            await sweep_unpushed(runtime.sessionmaker, runtime.instantly, stale_after=timedelta(0))
    finally:
        await runtime.aclose()


async def tally(fake: Fake, db: Prepared, name: str, note: str) -> Outcome:
    leads = (await fake.call("GET", f"/_fake/leads?campaign_id={db.instantly_id}"))["items"]
    in_fake = Counter(lead["email"].lower() for lead in leads)
    lead_ids = {lead["email"].lower(): lead["id"] for lead in leads}
    engine = create_engine(db.url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT email, status, instantly_lead_id, pushed_at, rejected_reason "
                        "FROM job_dispatches WHERE campaign_id = :c"
                    ),
                    {"c": db.campaign_id},
                )
            ).all()
    finally:
        await engine.dispose()
    held = {r.email for r in rows if r.status != "rejected" and r.instantly_lead_id and r.pushed_at}
    rejected = {r.email: r.rejected_reason for r in rows if r.status == "rejected"}
    right_id = {
        r.email for r in rows if r.email in held and r.instantly_lead_id == lead_ids.get(r.email)
    }
    unsettled = len(rows) - len(held) - len(rejected)
    problems = []
    if unsettled:
        problems.append(f"{unsettled} dispatch rows neither held nor rejected")
    if len(right_id) != len(held):
        problems.append(f"{len(held) - len(right_id)} rows hold a lead id the fake does not")
    if None in rejected.values():
        problems.append("rejected rows without a reason")
    wrongly_rejected = set(rejected) - db.blocked
    if wrongly_rejected:
        problems.append(f"{len(wrongly_rejected)} rejected though not blocked")
    if len(rows) != len(db.emails):
        problems.append(f"{len(rows)} dispatch rows for {len(db.emails)} technicians")
    reasons = Counter(rejected.values())
    return Outcome(
        scenario=name,
        sent=len(db.emails),
        acked=len(held) + len(rejected),
        stored=len(in_fake),
        applied=len(right_id),
        lost=sum(1 for e in db.emails if e not in in_fake and e not in rejected),
        duplicated=sum(n - 1 for n in in_fake.values()),
        detail=f"{note}; rejected {dict(reasons)}",
        problems=problems,
    )


async def kill_mid_dispatch(pg: PostgresInstance, ws: Workspace, run: DispatchRun) -> Outcome:
    """SIGKILL while Instantly has stored a batch whose answer has not arrived yet."""
    fake = await start_fake(ws)
    db = await prepare(pg, fake, "faults_kill_dispatch", run.technicians)
    # Each bulk add is stored at once but answered a second later: the kill lands on a
    # batch Instantly holds and the database does not know about.
    await fake.fault(kind="commit_then_timeout", path="/leads/add", delay_seconds=1.0)
    dispatch = start_dispatch(ws, fake, db, "dispatch-killed")
    await wait_until(
        lambda: _held_at_least(fake, db, run.kill_when_held),
        timeout=120, what=f"{run.kill_when_held} leads in the fake",
    )  # fmt: skip
    dispatch.kill9()
    held_at_kill = await fake.held(db.instantly_id)
    await fake.call("DELETE", "/_fake/faults")
    started = time.monotonic()
    await run_sweep(fake, db)
    note = (
        f"killed with {held_at_kill:,} leads in Instantly; sweep finished in "
        f"{time.monotonic() - started:.1f} s"
    )
    return await tally(fake, db, "kill -9 mid-dispatch", note)


async def storm_429(pg: PostgresInstance, ws: Workspace, run: DispatchRun) -> Outcome:
    """Every Instantly call answers 429 for `storm_seconds` in the middle of a dispatch."""
    fake = await start_fake(ws)
    db = await prepare(pg, fake, "faults_429_storm", run.technicians)
    # The first batch is stored, then answered a second later: the storm starts in that
    # second, so every call after it (the lookups, the next batches) meets the 429s.
    await fake.fault(kind="commit_then_timeout", path="/leads/add", delay_seconds=1.0)
    dispatch = start_dispatch(ws, fake, db, "dispatch-429")
    await wait_until(
        lambda: _held_at_least(fake, db, 1), timeout=120, what="the first leads in the fake"
    )
    await fake.call("DELETE", "/_fake/faults")
    await fake.fault(kind="status", method="*", path="/", status_code=429, retry_after=1.0)
    await asyncio.sleep(run.storm_seconds)
    await fake.call("DELETE", "/_fake/faults")
    await wait_until(_exited(dispatch), timeout=180, what="the dispatch command to end")
    assert dispatch.proc is not None
    started = time.monotonic()
    await run_sweep(fake, db)
    requests = (await fake.call("GET", "/_fake/requests"))["items"]
    throttled = sum(1 for _, _, status in requests if status == 429)
    note = (
        f"429 for {run.storm_seconds:g} s ({throttled} calls refused); dispatch exited "
        f"{dispatch.proc.returncode}, sweep finished in {time.monotonic() - started:.1f} s"
    )
    outcome = await tally(fake, db, "429 storm during a dispatch", note)
    if not throttled:
        outcome.problems.append("the storm met no call: the dispatch was over before it")
    return outcome


async def _held_at_least(fake: Fake, db: Prepared, count: int) -> bool:
    return await fake.held(db.instantly_id) >= count


def _exited(service: Service) -> Any:
    async def check() -> bool:
        return not service.running()

    return check
