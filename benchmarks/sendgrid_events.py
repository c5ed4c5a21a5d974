"""Signed SendGrid event intake: `POST /api/webhooks/sendgrid` under wrk, over real HTTP.

    .venv/bin/python benchmarks/sendgrid_events.py              # needs wrk: apt-get install -y wrk
    .venv/bin/python benchmarks/sendgrid_events.py --seconds 10 --batch 100 --connections 16

In a fresh PostgreSQL database (`rs_bench_sendgrid_<pid>`, dropped at the end) seeded with
one SendGrid campaign and `--dispatches` dispatches, `ravensearch serve` (events applied on
a thread of the server, as in production) gets `--seconds` of closed-loop load from wrk:
Event Webhook batches of `--batch` events (delivered, open, click, processed, a few bounces),
each carrying its dispatch's custom_args, each signed (ECDSA P-256, as SendGrid signs)
when the file is written: the bodies stay well inside the 600 s signature tolerance.

Reported: events/s and batches/s answered 2xx, p50/p99 per batch, whether every event
answered is stored (rows counted after the load), how long the applier took to apply them,
and, measured in this process, the CPU one batch costs to verify and to parse. It exits 0
whatever the figures: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import fresh_database, seed_targets
from _processes import CpuMeter, floor_process, serve_process
from _server import FLOOR_TABLE_SQL
from _wrk import LUA_REPORT, LUA_THREADS, parse_wrk, wrk_binary
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from ravensearch.db import migrate
from ravensearch.db.engine import create_engine
from ravensearch.db.models import Campaign, Channel, Dispatch
from ravensearch.events.sendgrid_deliveries import event_deliveries
from ravensearch.kit.clock import utcnow
from ravensearch.sendgrid import signature
from ravensearch.sendgrid.events import parse_event_batch

PATH = "/api/webhooks/sendgrid"
FLOOR_MODE = "group"
WRK_THREADS = 2
# Roughly a cold campaign's day: most events are delivery reports, few are engagement.
MIX = {"processed": 30, "delivered": 40, "open": 20, "click": 6, "deferred": 3, "bounce": 1}

# Each line of the bodies file is "<signature>\t<timestamp>\t<body>"; each wrk thread sends
# the lines i ≡ thread (mod threads), in order.
LUA = (
    LUA_THREADS
    + r"""
function init(args)
  local count = tonumber(args[2])
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == id then lines[#lines + 1] = line end
    n = n + 1
  end
  at, sent, wraps, ok, duplicates, refused = 0, 0, 0, 0, 0, 0
end
function request()
  at = at + 1
  if at > #lines then at, wraps = 1, wraps + 1 end
  sent = sent + 1
  local sig, ts, body = string.match(lines[at], "^([^\t]*)\t([^\t]*)\t(.*)$")
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/json",
    ["X-Twilio-Email-Event-Webhook-Signature"] = sig,
    ["X-Twilio-Email-Event-Webhook-Timestamp"] = ts,
    ["X-Webhook-Secret"] = "bench-secret",  -- what the floor checks; the product ignores it
  }, body)
end
function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if body and string.find(body, '"duplicates":0', 1, true) == nil then
      duplicates = duplicates + 1
    end
  else
    refused = refused + 1
  end
end
"""
    + LUA_REPORT
)


async def seed(url: str, dispatches: int) -> list[tuple[str, str, str]]:
    """One SendGrid campaign and its sent dispatches: (campaign id, dispatch id, email)."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        targets = await seed_targets(engine, dispatches, tag="sendgrid")
        campaign_id, now = uuid.uuid4(), utcnow()
        rows = [
            {
                "id": uuid.uuid4(),
                "technician_id": t["id"],
                "campaign_id": campaign_id,
                "channel": Channel.sendgrid.value,
                "status": "sent",
                "email": t["email"],
                "sent_at": now,
                "attempts": 1,
                "created_at": now,
                "updated_at": now,
            }
            for t in targets
        ]
        async with engine.begin() as conn:
            await conn.execute(
                insert(Campaign.__table__),
                [
                    {
                        "id": campaign_id,
                        "name": "Electricians — SendGrid",
                        "channel": Channel.sendgrid.value,
                        "status": "active",
                        "instantly_stats": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(Dispatch.__table__), rows[start : start + 2000])
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return [(str(campaign_id), str(r["id"]), str(r["email"])) for r in rows]


def batch(leads: list[tuple[str, str, str]], size: int, rng: random.Random) -> list[dict[str, Any]]:
    names, weights = list(MIX), list(MIX.values())
    events = []
    for _ in range(size):
        campaign_id, dispatch_id, email = rng.choice(leads)
        event = rng.choices(names, weights)[0]
        body: dict[str, Any] = {
            "email": email,
            "timestamp": int(time.time()) - rng.randint(0, 3600),
            "event": event,
            "sg_event_id": uuid.uuid4().hex,
            "sg_message_id": f"{uuid.uuid4().hex[:22]}.filter0001.{rng.randint(1, 99999)}.0",
            "smtp-id": f"<{uuid.uuid4().hex}@ravensearch.example>",
            "category": ["cold-outreach"],
            "dispatch_id": dispatch_id,
            "campaign_id": campaign_id,
            "step": "1",
        }
        if event == "click":
            body["url"] = "https://ravensearch.example/jobs/electricians"
        if event in ("open", "click"):
            body["useragent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
            body["ip"] = "203.0.113.7"
        if event == "bounce":
            body.update(reason="550 5.1.1 The email account does not exist", type="bounce")
        if event == "delivered":
            body["response"] = "250 2.0.0 OK  1700000000 abc.123 - gsmtp"
        events.append(body)
    return events


def write_bodies(
    path: str, leads: list[tuple[str, str, str]], private: Any, args: argparse.Namespace
) -> int:
    """Signed batches, one per line; returns how many."""
    rng = random.Random(11)
    count = int(args.batches_per_second * (args.seconds + args.warmup))
    stamp = str(int(time.time()))
    with open(path, "w") as f:
        for _ in range(count):
            body = json.dumps(batch(leads, args.batch, rng), separators=(",", ":"))
            sig = signature.sign(private, timestamp=stamp, body=body.encode())
            f.write(f"{sig}\t{stamp}\t{body}\n")
    return count


def in_process_costs(path: str, public_key: str, samples: int = 200) -> tuple[float, float]:
    """µs of CPU to verify one batch's signature, and to parse it into rows."""
    key = signature.load_public_key(public_key)
    with open(path) as f:
        lines = [next(f).rstrip("\n").split("\t", 2) for _ in range(samples)]
    started = time.process_time()
    for sig, stamp, body in lines:
        signature.verify(key, signature=sig, timestamp=stamp, body=body.encode(), now=time.time())
    verify_us = (time.process_time() - started) / samples * 1e6
    started = time.process_time()
    for _, _, body in lines:
        event_deliveries(parse_event_batch(body.encode()))
    parse_us = (time.process_time() - started) / samples * 1e6
    return verify_us, parse_us


def run_wrk(url: str, bodies: str, script: str, *, connections: int, seconds: float) -> Any:
    command = [
        *(wrk_binary(), "--latency", "--timeout", "10s"),
        *("-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"),
        *("-s", script, url, "--", bodies, str(WRK_THREADS)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return parse_wrk(done.stdout)


async def count(engine: Any, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar() or 0)


async def settled(engine: Any, sql: str, timeout: float = 15.0) -> int:
    deadline, last = time.monotonic() + timeout, await count(engine, sql)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = await count(engine, sql)
        if now == last:
            return now
        last = now
    return last


async def run(args: argparse.Namespace, work_dir: str) -> None:
    name = f"rs_bench_sendgrid_{os.getpid()}"
    async with fresh_database("postgres", name=name, pg_url=args.pg_url) as url:
        print(f"seeding {url} with {args.dispatches:,} SendGrid dispatches …", flush=True)
        leads = await seed(url, args.dispatches)
        bodies = os.path.join(work_dir, "batches.tsv")
        private, public_key = signature.generate_key_pair()
        batches = write_bodies(bodies, leads, private, args)
        print(f"{batches:,} signed batches of {args.batch} events written", flush=True)
        verify_us, parse_us = in_process_costs(bodies, public_key)
        script = os.path.join(work_dir, "sendgrid.lua")
        Path(script).write_text(LUA)  # noqa: ASYNC240 (once, before the load)
        floor = await floor_batches_per_second(url, bodies, script, args, work_dir)
        proc = serve_process(
            url, "bench-secret", work_dir, workers=1, applier="in-process",
            SENDGRID_WEBHOOK_PUBLIC_KEY=public_key,
        )  # fmt: skip
        monitor = create_engine(url)
        try:
            await proc.wait_ready("/healthz")
            target = f"http://127.0.0.1:{proc.port}{PATH}"
            await asyncio.to_thread(
                run_wrk, target, bodies, script, connections=args.connections, seconds=args.warmup
            )
            rows = "SELECT count(*) FROM webhook_events"
            before = await settled(monitor, rows)
            meter = CpuMeter(proc.pids(), make_url(url).database or "")
            result = await asyncio.to_thread(
                run_wrk, target, bodies, script, connections=args.connections, seconds=args.seconds
            )
            cpu = meter.shares()
            ended = time.monotonic()
            stored = await settled(monitor, rows) - before
            pending = "SELECT count(*) FROM webhook_events WHERE state = 'pending'"
            while await count(monitor, pending) and time.monotonic() - ended < args.drain_timeout:
                await asyncio.sleep(0.2)
            drained = time.monotonic() - ended
            left = await count(monitor, pending)
            async with monitor.connect() as conn:
                states = dict(
                    (await conn.execute(
                        text("SELECT state, count(*) FROM webhook_events GROUP BY state")
                    )).all()
                )  # fmt: skip
            errors = proc.errors_in_log()
        finally:
            await monitor.dispose()
            proc.stop()
    events_per_s = result.ok * args.batch / result.seconds if result.seconds else 0.0
    acked = (result.ok - result.duplicates) * args.batch
    print(
        f"\n== signed SendGrid event intake on PostgreSQL: `ravensearch serve --workers 1`, wrk "
        f"{args.connections} connections ({WRK_THREADS} threads), {args.seconds:g} s after "
        f"{args.warmup:g} s warm-up, batches of {args.batch} events =="
    )
    print(
        f"host: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"events/s answered 2xx: {events_per_s:,.0f}   batches/s: {result.ok / result.seconds:,.1f}"
        f"   per batch p50 {result.ms(50):.1f} ms, p99 {result.ms(99):.1f} ms, "
        f"max {result.max_ms:.1f} ms   non-2xx {result.refused + result.socket_errors}"
    )
    batches_per_s = result.ok / result.seconds if result.seconds else 0.0
    print(
        f"floor ({FLOOR_MODE} commit, bare ASGI in its own process, one row per batch, same wrk "
        f"and bodies, same run): {floor:,.1f} batches/s → Ravensearch "
        f"{batches_per_s / floor if floor else float('nan'):.2f}x the floor"
    )
    check = "ok" if acked <= stored <= acked + args.connections * args.batch else "MISSING"
    print(f"stored check: {check} — {stored:,} rows added for {acked:,} events answered as new")
    if result.wraps:
        print("!! wrk ran out of batches and replayed them (raise --batches-per-second)")
    server_ms = cpu.server * 10.0 / events_per_s if events_per_s else float("nan")
    print(
        f"server CPU per event: {server_ms:.3f} ms (what the endpoint costs, whatever else "
        "the host runs)"
    )
    print(
        f"CPU % of one core during the load: server {cpu.server:.0f}, postgres "
        f"{cpu.postgres:.0f}, wrk {cpu.load:.0f}, other {cpu.other:.0f}"
    )
    print(
        f"in this process, per batch of {args.batch}: verify the signature {verify_us:,.0f} µs, "
        f"parse into rows {parse_us:,.0f} µs"
    )
    state = f"{left:,} still pending" if left else "none pending"
    print(
        f"applier: {state} {drained:.1f} s after the load; rows by state: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()))
    )
    if errors:
        print(f"server log errors:\n{errors}")


async def floor_batches_per_second(
    url: str, bodies: str, script: str, args: argparse.Namespace, work_dir: str
) -> float:
    """The same load on `_floors.py`'s group-commit endpoint: what storing each request's
    body costs a bare Python endpoint on this host, now (no signature, no parsing)."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(FLOOR_TABLE_SQL["postgresql"]))
    await engine.dispose()
    proc = floor_process(FLOOR_MODE, url, "bench-secret", work_dir)
    try:
        await proc.wait_ready("/")
        target = f"http://127.0.0.1:{proc.port}/"
        await asyncio.to_thread(
            run_wrk, target, bodies, script, connections=args.connections, seconds=args.warmup
        )
        result = await asyncio.to_thread(
            run_wrk, target, bodies, script, connections=args.connections, seconds=args.seconds
        )
    finally:
        proc.stop()
    return result.ok / result.seconds if result.seconds else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100, help="events per signed batch")
    parser.add_argument("--batches-per-second", type=float, default=150.0)
    parser.add_argument("--dispatches", type=int, default=5000)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument(
        "--pg-url",
        help="PostgreSQL URL; its database (named rs_bench*) is re-created and dropped "
        "(default: database rs_bench_sendgrid_<pid> on postgresql://postgres@127.0.0.1:5432)",
    )
    args = parser.parse_args(argv)
    wrk_binary()  # exits with how to install it
    work_dir = tempfile.mkdtemp(prefix="rs-bench-sendgrid-")
    try:
        asyncio.run(run(args, work_dir))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
