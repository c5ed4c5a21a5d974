"""Webhook scenarios of the fault suite: Instantly-like deliveries, re-sent until a 2xx, while
the database is stopped, `serve` is killed or the `worker` applying events is killed; then
every delivery is looked up in `webhook_events` by its `email_id`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from _common import seed_campaign, seed_dispatches, seed_targets
from _faults_infra import (
    SECRET,
    Outcome,
    PostgresInstance,
    Service,
    Workspace,
    free_port,
    serve_argv,
    wait_http_ok,
    wait_until,
)
from _webhook_events import INSTANTLY_CAMPAIGN_ID, WEBHOOK_PATH, EventFactory
from sqlalchemy import select, text

from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.models import Campaign
from ravensearch.events.counters import refresh_counters

LEADS = 2000
# Instantly waits before it re-sends a delivery that got no 2xx; compressed here.
RESEND_AFTER_SECONDS = 0.5
REQUEST_TIMEOUT_SECONDS = 15.0
WORKER_ARGV = ["worker", "--workers", "1"]


class DistinctEvents(EventFactory):
    """The benchmark's delivery mix, without its deliberate exact redeliveries: here every
    body is a new event (its `email_id` identifies it) and only this suite re-sends."""

    def __init__(self, leads: list[dict[str, Any]], *, seed: int) -> None:
        super().__init__(leads, seed=seed)
        self.recent = deque(maxlen=0)


@dataclass
class Load:
    """Deliveries at `rate`/s over `connections` connections for `seconds`; a delivery not
    answered 2xx (an error status, a refused or dropped connection) is re-sent after a
    pause until it is, or until `give_up_after` seconds past the end of the load."""

    url: str
    factory: DistinctEvents
    rate: float
    connections: int
    give_up_after: float = 90.0
    bodies: dict[str, bytes] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    _retry: deque[tuple[float, str]] = field(default_factory=deque)
    _loading: bool = True
    _started: float = 0.0
    _give_up_at: float = 0.0

    async def run(self, seconds: float, fault: Callable[[], Awaitable[None]]) -> None:
        """The load for `seconds` with `fault` running beside it, then the re-sends."""
        self._started = time.monotonic()
        headers = {"X-Webhook-Secret": SECRET, "Content-Type": "application/json"}
        limits = httpx.Limits(max_connections=self.connections)
        async with httpx.AsyncClient(
            headers=headers, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
        ) as client:
            senders = [asyncio.create_task(self._sender(client)) for _ in range(self.connections)]
            fault_task = asyncio.create_task(fault())
            await asyncio.sleep(seconds)
            self._loading = False
            self._give_up_at = time.monotonic() + self.give_up_after
            await fault_task
            await asyncio.gather(*senders)

    def _next_new(self) -> str | None:
        due = self._started + len(self.bodies) / self.rate
        if time.monotonic() < due:
            return None
        body = self.factory.body()
        event_id = body.split(b'"email_id":"', 1)[1].split(b'"', 1)[0].decode()
        self.bodies[event_id] = body
        return event_id

    async def _sender(self, client: httpx.AsyncClient) -> None:
        while True:
            now = time.monotonic()
            event_id = None
            if self._retry and self._retry[0][0] <= now:
                event_id = self._retry.popleft()[1]
            elif self._loading:
                event_id = self._next_new()
            elif not self._retry or now >= self._give_up_at:
                return
            if event_id is None:
                await asyncio.sleep(0.002)
                continue
            if not await self._deliver(client, event_id):
                self._retry.append((time.monotonic() + RESEND_AFTER_SECONDS, event_id))

    async def _deliver(self, client: httpx.AsyncClient, event_id: str) -> bool:
        try:
            response = await client.post(self.url, content=self.bodies[event_id])
        except httpx.HTTPError as exc:
            self.errors[type(exc).__name__] += 1
            return False
        self.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            self.acked.add(event_id)
            return True
        return False

    @property
    def unacked(self) -> int:
        return len(self.bodies) - len(self.acked)

    def describe(self) -> str:
        answers = ", ".join(f"{s}: {n:,}" for s, n in sorted(self.statuses.items()))
        errors = ", ".join(f"{name}: {n:,}" for name, n in self.errors.most_common())
        return f"answers {answers}" + (f"; connection errors {errors}" if errors else "")


@dataclass
class Tally:
    stored: int
    applied: int
    duplicated: int
    lost: int
    states: Counter[str]
    applied_twice: int  # pipeline moves made twice by one event
    counters_match: bool


async def tally(database_url: str, load: Load) -> Tally:
    """What the database holds for the load's deliveries, looked up by their `email_id`."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT raw_body::jsonb->>'email_id', state FROM webhook_events")
                )
            ).all()
            twice = await conn.scalar(
                text(
                    "SELECT count(*) FROM (SELECT event_id FROM pipeline_moves WHERE event_id "
                    "IS NOT NULL GROUP BY event_id HAVING count(*) > 1) AS t"
                )
            )
        per_event = Counter(event_id for event_id, _ in rows)
        states = Counter(state for event_id, state in rows if event_id in load.bodies)
        return Tally(
            stored=len(per_event.keys() & load.bodies.keys()),
            applied=states["applied"],
            duplicated=sum(n - 1 for n in per_event.values() if n > 1),
            lost=len(load.acked - per_event.keys()),
            states=states,
            applied_twice=int(twice or 0),
            counters_match=await counters_match_rows(engine),
        )
    finally:
        await engine.dispose()


async def counters_match_rows(engine: Any) -> bool:
    """Campaign counters equal a recount from the rows (recounted in a rolled-back transaction)."""
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        table = Campaign.__table__
        before = [dict(r) for r in (await session.execute(select(table))).mappings()]
        await refresh_counters(session, [r["id"] for r in before])
        after = [dict(r) for r in (await session.execute(select(table))).mappings()]
        await session.rollback()
    strip = [{k: v for k, v in r.items() if k != "updated_at"} for r in (*before, *after)]
    return strip[: len(before)] == strip[len(before) :]


async def settled(database_url: str, load: Load, timeout: float) -> Tally:
    """The tally once nothing is pending and the counters caught up (or at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await tally(database_url, load)
        done = result.states["pending"] == 0 and result.counters_match
        if done or time.monotonic() >= deadline:
            return result
        await asyncio.sleep(0.5)


def outcome(
    name: str, load: Load, result: Tally, fault_note: str, *, refusals_expected: bool = True
) -> Outcome:
    problems = []
    refused = sum(n for s, n in load.statuses.items() if not 200 <= s < 300)
    if refusals_expected and not refused + sum(load.errors.values()):
        problems.append("the fault met no delivery: every one was answered 2xx at once")
    if load.unacked:
        problems.append(f"{load.unacked} deliveries never acknowledged")
    left = {s: n for s, n in result.states.items() if s != "applied"}
    if left:
        problems.append(f"not applied: {left}")
    if result.applied_twice:
        problems.append(f"{result.applied_twice} events applied twice (pipeline moves)")
    if not result.counters_match:
        problems.append("campaign counters differ from the rows")
    return Outcome(
        scenario=name,
        sent=len(load.bodies),
        acked=len(load.acked),
        stored=result.stored,
        applied=result.applied,
        lost=result.lost,
        duplicated=result.duplicated + result.applied_twice,
        detail=f"{fault_note}; {load.describe()}",
        problems=problems,
    )


@dataclass
class WebhookRun:
    """The sizes of one run of the webhook scenarios (full or CI-short)."""

    seconds: float
    rate: float
    connections: int
    outage: float
    settle_timeout: float = 120.0


@dataclass
class Seeded:
    url: str
    leads: list[dict[str, Any]]


async def seeded_database(pg: PostgresInstance, name: str) -> Seeded:
    """A database with a linked campaign whose leads were pushed: every event applies."""
    url = await pg.fresh_database(name)
    engine = create_engine(url)
    try:
        leads = await seed_targets(engine, LEADS, tag=name)
        campaign = await seed_campaign(
            engine, name="HVAC Techs — Texas", instantly_campaign_id=INSTANTLY_CAMPAIGN_ID
        )
        await seed_dispatches(engine, campaign, leads)
    finally:
        await engine.dispose()
    return Seeded(url, leads)


async def start_serve(ws: Workspace, env: dict[str, str], port: int, workers: int) -> Service:
    serve = ws.service(f"serve-{port}", serve_argv(port, workers), env).start()
    await wait_http_ok(f"http://127.0.0.1:{port}/healthz", service=serve)
    return serve


def new_load(db: Seeded, port: int, run: WebhookRun, seed: int) -> Load:
    return Load(
        url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        factory=DistinctEvents(db.leads, seed=seed),
        rate=run.rate,
        connections=run.connections,
    )


async def database_outage(pg: PostgresInstance, ws: Workspace, run: WebhookRun) -> Outcome:
    """`serve` (events applied in process) while its PostgreSQL is stopped and started."""
    db = await seeded_database(pg, "faults_db_outage")
    url = db.url
    port = free_port()
    await start_serve(ws, ws.env(url), port, workers=1)
    load = new_load(db, port, run, seed=11)

    async def fault() -> None:
        await asyncio.sleep(run.seconds * 0.3)
        # On threads: the deliveries go on while pg_ctl works.
        await asyncio.to_thread(pg.stop, "immediate")
        await asyncio.sleep(run.outage)
        await asyncio.to_thread(pg.start)

    await load.run(run.seconds, fault)
    result = await settled(url, load, run.settle_timeout)
    note = f"PostgreSQL stopped (immediate) {run.outage:g} s mid-load"
    return outcome("database stopped and started", load, result, note)


async def kill_serve(pg: PostgresInstance, ws: Workspace, run: WebhookRun) -> Outcome:
    """`serve --workers 2` killed with SIGKILL mid-load and restarted; a worker applies."""
    db = await seeded_database(pg, "faults_kill_serve")
    url = db.url
    env = ws.env(url, redis=True, events_in_process=False, jobs_in_process=False)
    port = free_port()
    serve = await start_serve(ws, env, port, workers=2)
    ws.service("worker-kill-serve", WORKER_ARGV, env).start()
    load = new_load(db, port, run, seed=12)

    async def fault() -> None:
        await asyncio.sleep(run.seconds * 0.4)
        serve.kill9()
        await asyncio.sleep(1.0)
        await start_serve(ws, env, port, workers=2)

    await load.run(run.seconds, fault)
    result = await settled(url, load, run.settle_timeout)
    return outcome("kill -9 serve --workers 2", load, result, "serve killed, restarted after 1 s")


async def kill_worker(pg: PostgresInstance, ws: Workspace, run: WebhookRun) -> Outcome:
    """The `ravensearch worker` applying events killed with SIGKILL twice mid-load."""
    db = await seeded_database(pg, "faults_kill_worker")
    url = db.url
    env = ws.env(url, redis=True, events_in_process=False, jobs_in_process=False)
    port = free_port()
    await start_serve(ws, env, port, workers=1)
    worker = ws.service("worker-kill-worker", WORKER_ARGV, env).start()
    load = new_load(db, port, run, seed=13)
    kills = 0

    async def fault() -> None:
        nonlocal worker, kills
        for _ in range(2):
            await asyncio.sleep(run.seconds * 0.3)
            await wait_until(_applying(url), timeout=30, what="the worker applying events")
            worker.kill9()
            kills += 1
            worker = ws.service(f"worker-kill-worker-{kills}", WORKER_ARGV, env).start()

    await load.run(run.seconds, fault)
    result = await settled(url, load, run.settle_timeout)
    note = f"worker killed {kills}x while applying"
    # The intake does not need the worker: its deliveries are answered 2xx throughout.
    return outcome("kill -9 worker", load, result, note, refusals_expected=False)


def _applying(url: str) -> Callable[[], Awaitable[bool]]:
    """True once some event is applied, so the kill lands on a worker that is working."""

    async def check() -> bool:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                n = await conn.scalar(
                    text("SELECT count(*) FROM webhook_events WHERE state = 'applied'")
                )
            return bool(n)
        finally:
            await engine.dispose()

    return check
