"""Sustained throughput and acknowledgement latency of `POST /api/webhooks/instantly`,
beside the *floor*: a bare ASGI endpoint in the same server doing one raw INSERT per event.

    .venv/bin/python benchmarks/webhooks.py                    # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/webhooks.py --only postgres --seconds 10 --connections 48

Per database (a fresh one each: a temp SQLite file, or `rs_bench_webhooks_<pid>` on the local
PostgreSQL, dropped at the end) it seeds 1 linked campaign, 20,000 targets and their pushed
dispatches, starts uvicorn in a subprocess (`--workers`, default 1; uvloop, httptools, no
access log) with `_server.py`'s app, where events are applied on a thread of the server or,
with `--applier worker`, by a `ravensearch worker` process, and measures from this process:

- closed loop: N keep-alive connections send back to back; 2 s warm-up, then `--seconds`;
- open loop: `--rate` events/s offered on a schedule (latency counted from the scheduled
  send time, so a slow server cannot hide its queueing);
- the background applier: after the load, how long until no event is `pending`.

Events are realistic Instantly v2 deliveries (§5.1 of shared/instantly_v2.md) in a fixed
mix with 3 % exact redeliveries. It exits 0 even when a target is missed: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    fresh_database,
    percentile,
    seed_campaign,
    seed_dispatches,
    seed_targets,
    verdict,
)
from _server import FLOOR_PATH, FLOOR_TABLE_SQL
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from ravensearch.db import migrate
from ravensearch.db.engine import async_url, create_engine
from ravensearch.logging import configure_logging

BENCH_DIR = Path(__file__).resolve().parent
WEBHOOK_PATH = "/api/webhooks/instantly"
SECRET = "bench-webhook-secret-7f3a"
INSTANTLY_CAMPAIGN_ID = "0199e9d0-aaaa-7b6e-8c2d-3f4a5b6c7d80"
WORKSPACE_ID = "0199e9d0-57a1-7b6e-8c2d-3f4a5b6c7d80"
SEED_TARGETS = 20_000

TARGET_EVENTS_PER_S = 1500.0
TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0

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
OPEN_LOOP_GRACE = 5.0  # s after the last due time before unanswered requests are given up
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


class RequestStream:
    """HTTP/1.1 request bytes for one path, pre-built so the load loop only writes them."""

    def __init__(self, factory: EventFactory, port: int, path: str) -> None:
        self.factory = factory
        self.prefix = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"X-Webhook-Secret: {SECRET}\r\nContent-Type: application/json\r\n"
            "User-Agent: Instantly-Webhooks-Bench\r\n"
        ).encode()
        self.ready: deque[tuple[bytes, bool]] = deque()
        self.redeliveries_sent = 0

    def build(self, body: bytes) -> bytes:
        return self.prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body

    def _make(self) -> tuple[bytes, bool]:
        before = self.factory.duplicates
        body = self.factory.body()
        return self.build(body), self.factory.duplicates != before

    def prepare(self, count: int) -> None:
        make, append = self._make, self.ready.append
        for _ in range(count):
            append(make())

    def next(self) -> bytes:
        data, redelivery = self.ready.popleft() if self.ready else self._make()
        self.redeliveries_sent += redelivery
        return data


# --- a small keep-alive HTTP/1.1 client -----------------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive connection, one request in flight; responses framed by Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        length = 0
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        status = int(head[9:12])
        body = bytes(self.buffer[end + 4 : total])
        del self.buffer[:total]
        self.waiter = None
        if not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        assert self.waiter is None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect_all(port: int, count: int) -> list[Connection]:
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(count):
        _, proto = await loop.create_connection(Connection, "127.0.0.1", port)
        conns.append(proto)
    return conns


@dataclass
class PhaseStats:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    duplicates_acked: int = 0
    errors: int = 0
    offered_rate: float | None = None
    server_cpu: float = 0.0  # % of one core over the measured window
    client_cpu: float = 0.0
    postgres_cpu: float = 0.0
    worker_cpu: float = 0.0  # the `ravensearch worker` applying events (--applier worker)
    other_cpu: float = 0.0  # every other process on the host (other people's work)
    host_cpu: float = 0.0  # % of all cores, every process on the host

    censored: int = 0  # open loop: given up at the deadline, latency is a lower bound

    @property
    def count(self) -> int:
        """Requests answered in the measured window."""
        return len(self.latencies) - self.censored

    def censor(self, waited: float) -> None:
        self.latencies.append(waited)
        self.censored += 1

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def cpu_ms_per_event(self) -> float:
        """Server CPU spent per answered request (robust to a busy host, unlike events/s)."""
        return self.server_cpu * 10.0 / self.rate if self.rate else float("nan")

    def ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000.0

    def record(self, status: int, body: bytes, latency: float) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if b'"duplicate":true' in body:
            self.duplicates_acked += 1


@dataclass
class CpuSnapshot:
    at: float
    server: float
    worker: float
    client: float
    postgres: dict[str, float]
    host_busy: float
    host_total: float


class CpuMeter:
    """CPU time of the server process, of this process, of PostgreSQL's processes and of
    the whole host, so a run disturbed by other work on the host shows it."""

    def __init__(self, server_pid: int, database: str | None, worker_pid: int | None) -> None:
        self.pid = server_pid
        self.worker_pid = worker_pid
        self.database = database or ""  # PostgreSQL database name; "" for SQLite
        self.tick = os.sysconf("SC_CLK_TCK")

    def _proc_cpu(self, pid: int | str) -> tuple[str, float]:
        with open(f"/proc/{pid}/stat") as f:
            head, _, rest = f.read().rpartition(")")
        parts = rest.split()
        return head.partition("(")[2], (int(parts[11]) + int(parts[12])) / self.tick

    def _postgres(self) -> dict[str, float]:
        """CPU seconds of this database's backends and of PostgreSQL's shared processes
        (WAL writer, checkpointer …), by pid; other databases' backends are left out."""
        found: dict[str, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                name, seconds = self._proc_cpu(entry)
                if name != "postgres":
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue
            is_backend = "(" in command.partition(":")[2] or "[local]" in command
            if not is_backend or f" {self.database} " in command:
                found[entry] = seconds
        return found

    @staticmethod
    def _client() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _host(self) -> tuple[float, float]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + values[4]
        return (sum(values) - idle) / self.tick, sum(values) / self.tick

    def _server(self) -> float:
        """CPU seconds of the server: uvicorn's process and, with --workers, its children
        (workers replaced in between are missed, which a run without restarts never has)."""
        seconds = self._proc_cpu(self.pid)[1]
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rpartition(")")[2].split()[1])
                if ppid == self.pid:
                    seconds += self._proc_cpu(entry)[1]
            except (OSError, ValueError, IndexError):
                continue
        return seconds

    def snapshot(self) -> CpuSnapshot:
        busy, total = self._host()
        postgres = self._postgres() if self.database else {}
        worker = self._proc_cpu(self.worker_pid)[1] if self.worker_pid else 0.0
        return CpuSnapshot(
            time.perf_counter(), self._server(), worker, self._client(), postgres, busy, total
        )

    def fill(self, stats: PhaseStats, before: CpuSnapshot) -> None:
        after = self.snapshot()
        wall = after.at - before.at
        stats.server_cpu = 100.0 * (after.server - before.server) / wall
        stats.client_cpu = 100.0 * (after.client - before.client) / wall
        stats.worker_cpu = 100.0 * (after.worker - before.worker) / wall
        # Per process, so a backend that ended in between does not count negative.
        postgres = sum(
            seconds - before.postgres.get(pid, 0.0) for pid, seconds in after.postgres.items()
        )
        stats.postgres_cpu = 100.0 * postgres / wall
        cores = (after.host_total - before.host_total) / wall
        busy = 100.0 * (after.host_busy - before.host_busy) / wall
        stats.host_cpu = busy / max(cores, 1e-9)
        known = stats.server_cpu + stats.client_cpu + stats.postgres_cpu + stats.worker_cpu
        stats.other_cpu = max(0.0, busy - known)


async def closed_loop(
    label: str,
    port: int,
    stream: RequestStream,
    *,
    connections: int,
    warmup: float,
    seconds: float,
    cpu: CpuMeter,
) -> PhaseStats:
    """Every connection sends its next request as soon as the last one is answered."""
    stats = PhaseStats(label)
    conns = await connect_all(port, connections)
    started = time.perf_counter()
    measure_from = started + warmup
    end = measure_from + seconds
    cpu_before: list[CpuSnapshot] = []

    async def worker(conn: Connection) -> None:
        clock = time.perf_counter
        while True:
            t0 = clock()
            if t0 >= end:
                return
            try:
                status, body = await conn.request(stream.next())
            except ConnectionError:
                stats.errors += 1
                return
            if t0 >= measure_from:
                stats.record(status, body, clock() - t0)

    async def cpu_mark() -> None:
        await asyncio.sleep(warmup)
        cpu_before.append(cpu.snapshot())

    marker = asyncio.create_task(cpu_mark())
    await asyncio.gather(*(worker(c) for c in conns))
    await marker
    stats.seconds = time.perf_counter() - measure_from
    cpu.fill(stats, cpu_before[0])
    for conn in conns:
        conn.close()
    return stats


async def open_loop(
    label: str,
    port: int,
    stream: RequestStream,
    *,
    connections: int,
    rate: float,
    warmup: float,
    seconds: float,
    cpu: CpuMeter,
    grace: float = OPEN_LOOP_GRACE,
) -> PhaseStats:
    """Requests are due every 1/rate s whatever the server does; latency is measured from
    the due time, so time spent waiting for a free connection counts.

    Bounded: `grace` s after the last due time, requests not answered (or never sent for
    want of a free connection) are given up and counted as censored, with the time they
    had waited by then as their latency (a lower bound)."""
    stats = PhaseStats(label, offered_rate=rate)
    conns = await connect_all(port, connections)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for conn in conns:
        idle.put_nowait(conn)
    total = int(rate * (warmup + seconds))
    first_measured = int(rate * warmup)
    in_flight: dict[asyncio.Task[None], float] = {}
    clock = time.perf_counter

    async def one(conn: Connection, data: bytes, due: float, measured: bool) -> None:
        try:
            status, body = await conn.request(data)
        except ConnectionError:
            stats.errors += 1
            return
        if measured:
            stats.record(status, body, clock() - due)
        idle.put_nowait(conn)

    start = clock() + 0.05
    deadline = start + total / rate + grace
    measure_from = start + first_measured / rate
    cpu_before = None
    sent = 0
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        if i == first_measured:
            cpu_before = cpu.snapshot()
        try:
            conn = await asyncio.wait_for(idle.get(), timeout=max(0.0, deadline - clock()))
        except TimeoutError:
            break
        measured = i >= first_measured
        task = asyncio.create_task(one(conn, stream.next(), due, measured))
        if measured:
            in_flight[task] = due
            task.add_done_callback(lambda t: in_flight.pop(t, None))
        sent = i + 1
    if cpu_before is None:
        cpu_before = cpu.snapshot()
    if in_flight:
        await asyncio.wait(list(in_flight), timeout=max(0.0, deadline - clock()))
    now = clock()
    for task, due in list(in_flight.items()):
        task.cancel()
        stats.censor(now - due)
    for i in range(max(sent, first_measured), total):
        stats.censor(max(0.0, now - (start + i / rate)))
    stats.seconds = min(now, deadline) - measure_from
    cpu.fill(stats, cpu_before)
    for conn in conns:
        conn.close()
    return stats


# --- database and server -------------------------------------------------------------


class Monitor:
    """Reads webhook_events from this process, without taking SQLite's write lock."""

    def __init__(self, database_url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(database_url), poolclass=NullPool)

    async def scalar(self, sql: str) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar() or 0)

    async def stored(self) -> int:
        return await self.scalar("SELECT count(*) FROM webhook_events")

    async def pending(self) -> int:
        return await self.scalar("SELECT count(*) FROM webhook_events WHERE state = 'pending'")

    async def floor_rows(self) -> int:
        return await self.scalar("SELECT count(*) FROM bench_floor")

    async def states(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT state, count(*) FROM webhook_events GROUP BY state ORDER BY state")
            )
            return {str(state): int(n) for state, n in rows}

    async def dispatch_statuses(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT status, count(*) FROM job_dispatches GROUP BY status ORDER BY 2 DESC")
            )
            return {str(status): int(n) for status, n in rows}

    async def close(self) -> None:
        await self.engine.dispose()


@dataclass
class Drain:
    stored: int  # events stored during the load
    backlog: int  # events already pending when the load started
    load_seconds: float
    lag_seconds: float  # from the end of the load until none was pending (or the timeout)
    left_pending: int
    applier: bool = True

    @property
    def applied_per_s(self) -> float:
        done = self.stored + self.backlog - self.left_pending
        return done / (self.load_seconds + self.lag_seconds) if done > 0 else 0.0


async def wait_drained(monitor: Monitor, drain: Drain, timeout: float) -> Drain:
    """Poll until no event is pending; `lag` is measured from the end of the load."""
    started = time.perf_counter()
    while True:
        drain.left_pending = await monitor.pending()
        drain.lag_seconds = time.perf_counter() - started
        if drain.left_pending == 0 or drain.lag_seconds >= timeout:
            return drain
        await asyncio.sleep(0.1)


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int, workers: int) -> list[str]:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "_server:create",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        loop,
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


class Server:
    def __init__(self, database_url: str, log_dir: str) -> None:
        self.port = free_port()
        self.log_path = os.path.join(log_dir, f"server-{self.port}.log")
        self.database_url = database_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def launch(self, *, workers: int = 1, applier: str = "in-process", engine_kw: str = "") -> None:
        env = dict(
            os.environ,
            RS_BENCH_DATABASE_URL=self.database_url,
            RS_BENCH_SECRET=SECRET,
            RS_BENCH_BACKGROUND="0" if applier == "off" else "1",
            RS_BENCH_EVENTS_IN_PROCESS="1" if applier == "in-process" else "0",
            RS_BENCH_ENGINE_KW=engine_kw,
        )
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                server_command(self.port, workers), env=env, stdout=log, stderr=subprocess.STDOUT
            )

    async def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            try:
                conn = (await connect_all(self.port, 1))[0]
            except OSError:
                await asyncio.sleep(0.2)
                continue
            status, _ = await conn.request(
                f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()
            )
            conn.close()
            if status == 200:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout:g} s:\n{self.log_tail()}")

    def launch_worker(self, log_dir: str) -> None:
        """`ravensearch worker` on the same database: it applies the events the server stores."""
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))
        }
        env.update(
            DATABASE_URL=self.database_url,
            INSTANTLY_API_KEY="bench-key",
            INSTANTLY_API_URL="http://127.0.0.1:9/api/v2",
            REDIS_URL="",
            RAVENSEARCH_JOBS_DATABASE=os.path.join(log_dir, "worker-jobs.db"),
            RAVENSEARCH_JOBS_WORKERS="1",
            RAVENSEARCH_LOG_LEVEL="WARNING",
        )
        with open(os.path.join(log_dir, "worker.log"), "wb") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "ravensearch", "worker", "--workers", "1"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_py_spy(py_spy: str, pid: int, seconds: float, out: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(py_spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds)))),
            *("--rate", "200", "--format", "raw", "--output", out, "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- one database --------------------------------------------------------------------


@dataclass
class DatabaseReport:
    kind: str
    rs_closed: PhaseStats
    floor_closed: PhaseStats
    rs_open: PhaseStats
    floor_open: PhaseStats
    drain_closed: Drain
    drain_open: Drain
    states: dict[str, int]
    dispatches: dict[str, int]
    floor_rows: int
    duplicates_sent: int
    server_errors: str


async def bench_database(kind: str, args: argparse.Namespace, log_dir: str) -> DatabaseReport:
    async with fresh_database(
        kind, name=f"rs_bench_webhooks_{os.getpid()}", pg_url=args.pg_url
    ) as url:
        print(f"\n-- {kind}: seeding {SEED_TARGETS} targets + dispatches in {url}", flush=True)
        leads = await prepare_database(url)
        server = Server(url, log_dir)
        monitor = Monitor(url)
        try:
            server.launch(workers=args.workers, applier=args.applier, engine_kw=args.engine_kw)
            if args.applier == "worker":
                server.launch_worker(log_dir)
            await server.wait_ready()
            database = make_url(url).database if kind == "postgres" else None
            worker_pid = server.worker.pid if server.worker is not None else None
            cpu = CpuMeter(server.pid, database, worker_pid)
            factory = EventFactory(leads)
            rs = RequestStream(factory, server.port, WEBHOOK_PATH)
            floor = RequestStream(factory, server.port, FLOOR_PATH)
            window = args.warmup + args.seconds
            applier = args.applier != "off"
            drain_timeout = args.drain_timeout if applier else 0.0
            print(f"   server pid {server.pid} on 127.0.0.1:{server.port}", flush=True)

            floor.prepare(int(window * args.prebuild_rate))
            floor_closed = await closed_loop(
                "floor", server.port, floor, connections=args.connections,
                warmup=args.warmup, seconds=args.seconds, cpu=cpu,
            )  # fmt: skip
            print(f"   floor closed loop: {floor_closed.rate:,.0f}/s", flush=True)

            rs.prepare(int(window * args.prebuild_rate))
            stored_before = await monitor.stored()
            backlog = await monitor.pending()
            spy = None
            if args.py_spy:
                out = os.path.join(log_dir, f"py-spy-{kind}.txt")
                spy = (start_py_spy(args.py_spy, server.pid, args.seconds, out), out)
            load_started = time.perf_counter()
            rs_closed = await closed_loop(
                "ravensearch", server.port, rs, connections=args.connections,
                warmup=args.warmup, seconds=args.seconds, cpu=cpu,
            )  # fmt: skip
            load_seconds = time.perf_counter() - load_started
            stored = await monitor.stored() - stored_before
            print(f"   ravensearch closed loop: {rs_closed.rate:,.0f}/s; draining", flush=True)
            drain_closed = await wait_drained(
                monitor, Drain(stored, backlog, load_seconds, 0.0, 0, applier), drain_timeout
            )
            if spy is not None:
                spy[0].wait(timeout=30)
                print(f"   py-spy samples (ravensearch closed loop): {spy[1]}")

            floor.ready.clear()
            floor.prepare(int((args.seconds + 1) * args.rate))
            floor_open = await open_loop(
                "floor", server.port, floor, connections=args.connections, rate=args.rate,
                warmup=1.0, seconds=args.seconds, cpu=cpu,
            )  # fmt: skip

            rs.ready.clear()
            rs.prepare(int((args.seconds + 1) * args.rate))
            stored_before = await monitor.stored()
            backlog = await monitor.pending()
            load_started = time.perf_counter()
            rs_open = await open_loop(
                "ravensearch", server.port, rs, connections=args.connections, rate=args.rate,
                warmup=1.0, seconds=args.seconds, cpu=cpu,
            )  # fmt: skip
            load_seconds = time.perf_counter() - load_started
            stored = await monitor.stored() - stored_before
            drain_open = await wait_drained(
                monitor, Drain(stored, backlog, load_seconds, 0.0, 0, applier), drain_timeout
            )

            return DatabaseReport(
                kind=kind,
                rs_closed=rs_closed,
                floor_closed=floor_closed,
                rs_open=rs_open,
                floor_open=floor_open,
                drain_closed=drain_closed,
                drain_open=drain_open,
                states=await monitor.states(),
                dispatches=await monitor.dispatch_statuses(),
                floor_rows=await monitor.floor_rows(),
                duplicates_sent=rs.redeliveries_sent,
                server_errors=_errors_in(server.log_tail(200)),
            )
        finally:
            server.stop()
            await monitor.close()


def _errors_in(log: str) -> str:
    lines = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    return "\n".join(lines[-5:])


# --- report --------------------------------------------------------------------------


def print_report(report: DatabaseReport, args: argparse.Namespace) -> None:
    c, fc, o, fo = report.rs_closed, report.floor_closed, report.rs_open, report.floor_open
    print(
        f"\n== webhooks on {report.kind}: uvicorn {args.workers} worker{'s' if args.workers > 1 else ''} (uvloop, httptools), "
        f"{args.connections} keep-alive connections, closed loop {args.seconds:g} s "
        f"after {args.warmup:g} s warm-up; open loop {args.rate:g}/s for {args.seconds:g} s =="
    )
    where = {
        "in-process": "on a thread of the server (RAVENSEARCH_EVENTS_IN_PROCESS=true, the default)",
        "worker": "by one `ravensearch worker` process (RAVENSEARCH_EVENTS_IN_PROCESS=false)",
        "off": "OFF",
    }[args.applier]
    print(f"events applied {where}")
    if args.applier == "off" or args.engine_kw:
        print(
            f"!! DIAGNOSTIC run, not a production setting: applier {args.applier}, "
            f"engine kwargs {args.engine_kw or '{}'}"
        )
    head = (
        f"{'endpoint':<12} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"| {'@' + format(args.rate, 'g') + '/s: got/s':>14} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} | {'non-2xx':>7} {'errors':>6} | {'srv CPU ms/event':>16}"
    )
    print(head)
    print("-" * len(head))
    for name, closed, opened in (("ravensearch", c, o), ("floor", fc, fo)):
        print(
            f"{name:<12} {closed.rate:>9,.0f} {closed.ms(50):>7.1f} {closed.ms(99):>7.1f} "
            f"{closed.ms(100):>7.1f} | {opened.rate:>14,.0f} {opened.ms(50):>7.1f} "
            f"{opened.ms(99):>7.1f} {opened.ms(100):>7.1f} | "
            f"{closed.non_2xx + opened.non_2xx:>7} {closed.errors + opened.errors:>6} | "
            f"{closed.cpu_ms_per_event:>16.2f}"
        )
    ratio = c.rate / fc.rate if fc.rate else 0.0
    print(f"ratio ravensearch / floor (closed-loop events/s): {ratio:.2f}x")
    print(
        f"server CPU per event (closed loop): ravensearch {c.cpu_ms_per_event:.2f} ms, floor "
        f"{fc.cpu_ms_per_event:.2f} ms -> CPU-bound ceiling on one free core "
        f"~{1000 / c.cpu_ms_per_event:,.0f} vs ~{1000 / fc.cpu_ms_per_event:,.0f} events/s"
    )
    for stats in (o, fo):
        if stats.censored:
            print(
                f"open loop {stats.label}: {stats.censored} requests not answered "
                f"{OPEN_LOOP_GRACE:g} s after the schedule ended (counted in p99/max at the "
                "time waited)"
            )
    for name, stats in (("ravensearch", c), ("floor", fc), ("ravensearch@rate", o)):
        print(
            f"CPU during {name + ':':<17} server {stats.server_cpu:3.0f}%  "
            f"load generator {stats.client_cpu:3.0f}%  postgres (this db) "
            f"{stats.postgres_cpu:3.0f}%  "
            + (f"worker {stats.worker_cpu:3.0f}%  " if args.applier == "worker" else "")
            + f"other processes {stats.other_cpu:3.0f}%  (% of one core; host busy "
            f"{stats.host_cpu:.0f}% of {os.cpu_count()} cores)"
        )
    for label, drain in (("closed loop", report.drain_closed), ("open loop", report.drain_open)):
        if not drain.applier:
            print(f"applier after the {label}: off (diagnostic run); {drain.stored:,} stored")
            continue
        tail = (
            f"all applied {drain.lag_seconds:.1f} s after the load ended"
            if drain.left_pending == 0
            else f"{drain.left_pending} still pending {drain.lag_seconds:.0f} s after the load"
        )
        print(
            f"applier after the {label}: {drain.stored:,} events stored in "
            f"{drain.load_seconds:.1f} s of load ({drain.backlog} pending before); {tail} "
            f"-> applied/s {drain.applied_per_s:,.0f}"
        )
    statuses = Counter(c.statuses) + Counter(o.statuses)
    print(
        f"responses (ravensearch): {dict(sorted(statuses.items()))}; acknowledged as duplicate: "
        f"{c.duplicates_acked + o.duplicates_acked} (the generator sent "
        f"{report.duplicates_sent} exact redeliveries to it, warm-ups and unanswered included)"
    )
    print(f"webhook_events by state: {report.states}")
    print(f"job_dispatches by status: {report.dispatches}")
    print(f"bench_floor rows: {report.floor_rows:,}")
    if report.server_errors:
        print(f"server log errors:\n{report.server_errors}")
    tag = "" if report.kind == "postgres" else "  (targets are set for PostgreSQL; for reference)"
    checks = [
        (c.rate >= TARGET_EVENTS_PER_S, f"{c.rate:,.0f} events/s >= {TARGET_EVENTS_PER_S:,.0f}"),
        (ratio >= TARGET_RATIO, f"{ratio:.2f}x floor >= {TARGET_RATIO}x"),
        (
            o.ms(99) <= TARGET_P99_MS,
            f"p99 {o.ms(99):.1f} ms <= {TARGET_P99_MS:g} ms at {args.rate:g}/s",
        ),
        (c.non_2xx + o.non_2xx + c.errors + o.errors == 0, "every response 2xx"),
    ]
    for ok, text_ in checks:
        print(f"{verdict(ok)}  [{report.kind}] {text_}{tag}")


def found_py_spy(path: str | None) -> str | None:
    if path and not (shutil.which(path) or os.path.exists(path)):
        print(f"py-spy not found ({path}): `pip install py-spy` to profile; going on without")
        return None
    return path


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="closed-loop warm-up seconds")
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (`serve --workers`)"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop events/s offered")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--pg-url",
        help="PostgreSQL URL; its database (named rs_bench*) is re-created and dropped "
        "(default: database rs_bench_webhooks_<pid> on postgresql://postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--drain-timeout", type=float, default=20.0)
    parser.add_argument(
        "--prebuild-rate", type=float, default=4000.0,
        help="closed-loop requests pre-built per second of the phase (more are built on the fly)",
    )  # fmt: skip
    parser.add_argument(
        "--py-spy", nargs="?", const=shutil.which("py-spy") or "py-spy", default=None,
        help="profile the server during the ravensearch closed loop with this py-spy binary",
    )  # fmt: skip
    parser.add_argument(
        "--applier", choices=("in-process", "worker", "off"), default="in-process",
        help="where stored events are applied: a thread of the server (default), a separate "
        "`ravensearch worker` process, or off (diagnostic: nothing is applied)",
    )  # fmt: skip
    parser.add_argument(
        "--engine-kw", default="",
        help='diagnostic: JSON kwargs for the server\'s create_engine, e.g. \'{"pool_size": 50}\'',
    )  # fmt: skip
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    args.py_spy = found_py_spy(args.py_spy)
    load = os.getloadavg()
    print(
        f"host: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(other work on the host skews the figures)"
    )
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    reports = []
    with tempfile.TemporaryDirectory(prefix="rs-bench-webhooks-") as log_dir:
        if args.py_spy:
            log_dir = tempfile.mkdtemp(prefix="rs-bench-webhooks-profile-")  # kept for reading
        for kind in kinds:
            try:
                reports.append(await bench_database(kind, args, log_dir))
            except Exception as exc:  # noqa: BLE001  (one failing must not hide the other)
                print(f"!! {kind}: benchmark failed: {type(exc).__name__}: {exc}"[:2000])
    for report in reports:
        print_report(report, args)
    return 0


def run() -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    return uvloop.run(main())


if __name__ == "__main__":
    sys.exit(run())
