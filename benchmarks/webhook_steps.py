"""Where the time of one webhook goes: CPU and wall time per step, in process, one at a time.

    .venv/bin/python benchmarks/webhook_steps.py              # SQLite and PostgreSQL
    .venv/bin/python benchmarks/webhook_steps.py --only postgres -n 2000

A companion to `webhooks.py`: that one measures the server under load (and so depends on
what else the host is doing); this one calls each layer directly, sequentially, and
reports the CPU this process spends per event (`time.process_time`, all its threads),
which a busy host disturbs far less. Layers:

- parse:   `parse_delivery(body)` (UTF-8, JSON, dedupe key);
- record:  `events_service.record(runtime.engine, delivery)` (the endpoint's INSERT);
- floor:   one `INSERT INTO bench_floor` through `runtime.engine` (as `_server.py` does);
- floor, no pre-ping: the same through an engine with `pool_pre_ping=False`;
- raw driver: the same INSERT on a bare asyncpg / sqlite3 connection (no SQLAlchemy);
- ASGI endpoint / ASGI floor: the whole app called as ASGI (no sockets, no applier);
- applier: `EventApplier.drain()` over the events stored above, per event applied;
- what-if rows (not the app's code, to size the suggestions): the same row INSERTed with a
  statement built once instead of per call, and 50 deliveries per transaction (group
  commit) through the same engine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _common import bench_settings, fresh_database
from _server import FLOOR_PATH, FLOOR_TABLE_SQL, with_floor
from _webhook_events import SECRET, WEBHOOK_PATH, EventFactory, prepare_database
from sqlalchemy import Insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url

from ravensearch.db.engine import create_engine
from ravensearch.db.models import WebhookEvent
from ravensearch.events.parsing import Delivery, parse_delivery
from ravensearch.events.service import delivery_row, events_service
from ravensearch.kit.clock import utcnow
from ravensearch.logging import configure_logging
from ravensearch.runtime import build_runtime
from ravensearch.web.app import create_app

INSERT = text("INSERT INTO bench_floor (body) VALUES (:b)")
GROUP = 50


def prebuilt_insert(dialect: str) -> Insert:
    """The endpoint's INSERT … ON CONFLICT DO NOTHING, built once; rows come as parameters."""
    builder = postgresql.insert if dialect == "postgresql" else sqlite_dialect.insert
    return builder(WebhookEvent.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])


def event_row(delivery: Delivery) -> dict[str, Any]:
    return delivery_row(delivery, received_at=utcnow())


async def measure(label: str, n: int, step: Callable[[int], Awaitable[Any]]) -> None:
    for i in range(min(50, n)):  # warm caches, pools and prepared statements
        await step(i)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(n):
        await step(i)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(f"  {label:<44} {1000 * cpu / n:7.3f} ms CPU  {1000 * wall / n:7.3f} ms wall")


class AsgiCaller:
    """Calls an ASGI app with one POST, as uvicorn would, and checks the status."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, body: bytes) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"x-webhook-secret", SECRET.encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        if status != 200:
            raise RuntimeError(f"{self.path} answered {status}")
        return status


async def run(kind: str, n: int) -> None:
    async with fresh_database(kind, name=f"rs_bench_steps_{os.getpid()}") as url:
        leads = await prepare_database(url)
        print(f"\n== {kind}: per event, sequential, n={n} ==", flush=True)
        settings = bench_settings(url, secret=SECRET)
        runtime = await build_runtime(settings, migrate_db=False)
        factory = EventFactory(leads)
        bodies = [factory.body() for _ in range(8 * n + 600)]
        bodies = list(dict.fromkeys(bodies))  # drop the deliberate redeliveries
        feed = iter(bodies)
        no_ping = create_engine(url, pool_pre_ping=False) if kind == "postgres" else None
        app = create_app(settings, runtime=runtime, background=False)
        endpoint = AsgiCaller(app, WEBHOOK_PATH)
        floor_app = AsgiCaller(with_floor(app, SECRET.encode()), FLOOR_PATH)
        raw: Any = None
        try:
            await measure("parse_delivery", n, lambda i: _parse(bodies[i]))

            async def record(_: int) -> None:
                await events_service.record(runtime.engine, parse_delivery(next(feed)))

            await measure("parse + events_service.record", n, record)

            async def floor(i: int) -> None:
                async with runtime.engine.begin() as conn:
                    await conn.execute(INSERT, {"b": bodies[i].decode()})

            await measure("floor INSERT via runtime.engine", n, floor)
            if no_ping is not None:
                engine = no_ping

                async def floor_no_ping(i: int) -> None:
                    async with engine.begin() as conn:
                        await conn.execute(INSERT, {"b": bodies[i].decode()})

                await measure("floor INSERT, engine without pre-ping", n, floor_no_ping)
            raw = await _raw_connection(kind, url)
            await measure("floor INSERT on the bare driver", n, lambda i: raw.insert(bodies[i]))
            await measure(
                "ASGI app: POST /api/webhooks/instantly", n, lambda i: endpoint(next(feed))
            )
            await measure("ASGI app: POST /_bench/floor", n, lambda i: floor_app(bodies[i]))
            stmt = prebuilt_insert(runtime.engine.dialect.name)

            async def prebuilt(_: int) -> None:
                async with runtime.engine.begin() as conn:
                    await conn.execute(stmt, event_row(parse_delivery(next(feed))))

            await measure("what-if: record with a prebuilt statement", n, prebuilt)

            async def grouped(_: int) -> None:
                rows = [event_row(parse_delivery(next(feed))) for _ in range(GROUP)]
                async with runtime.engine.begin() as conn:
                    await conn.execute(stmt, rows)

            groups = max(1, n // GROUP)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for i in range(groups):
                await grouped(i)
            cpu = (time.process_time() - cpu0) / (groups * GROUP)
            wall = (time.perf_counter() - wall0) / (groups * GROUP)
            label = f"what-if: {GROUP} records per transaction"
            print(f"  {label:<44} {1000 * cpu:7.3f} ms CPU  {1000 * wall:7.3f} ms wall")
            async with runtime.engine.connect() as conn:
                pending = (
                    await conn.execute(
                        text("SELECT count(*) FROM webhook_events WHERE state = 'pending'")
                    )
                ).scalar_one()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            applied = await runtime.events.drain()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            print(
                f"  {'applier drain (per event applied)':<44} {1000 * cpu / max(applied, 1):7.3f}"
                f" ms CPU  {1000 * wall / max(applied, 1):7.3f} ms wall"
                f"  ({applied} of {pending} pending applied)"
            )
        finally:
            if raw is not None:
                await raw.close()
            if no_ping is not None:
                await no_ping.dispose()
            await runtime.aclose()


async def _parse(body: bytes) -> None:
    parse_delivery(body)


class _RawPostgres:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def insert(self, body: bytes) -> None:
        async with self.conn.transaction():
            await self.conn.execute("INSERT INTO bench_floor (body) VALUES ($1)", body.decode())

    async def close(self) -> None:
        await self.conn.close()


class _RawSqlite:
    """sqlite3 on the event loop's thread (no aiosqlite hop), as the app's pragmas set it."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    async def insert(self, body: bytes) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO bench_floor (body) VALUES (?)", (body.decode(),))
        self.conn.execute("COMMIT")

    async def close(self) -> None:
        self.conn.close()


async def _raw_connection(kind: str, url: str) -> Any:
    parsed = make_url(url)
    if kind == "postgres":
        import asyncpg

        conn = await asyncpg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
        )
        await conn.execute(FLOOR_TABLE_SQL["postgresql"])
        return _RawPostgres(conn)
    return _RawSqlite(str(parsed.database))


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="events per step")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    for kind in [args.only] if args.only else ["sqlite", "postgres"]:
        await run(kind, args.n)
    return 0


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        sys.exit(asyncio.run(main()))
    sys.exit(uvloop.run(main()))
