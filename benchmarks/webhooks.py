"""Webhook intake at the machine's limit: `POST /api/webhooks/instantly` under wrk, beside
three floors measured in the same run against the same PostgreSQL.

    .venv/bin/python benchmarks/webhooks.py                      # needs wrk: apt-get install -y wrk
    .venv/bin/python benchmarks/webhooks.py --seconds 10 --connections 48 --py-spy

In a fresh database (`rs_bench_webhooks_<pid>` on the local PostgreSQL, dropped at the end)
seeded with 1 linked campaign, 20,000 targets and their pushed dispatches, each endpoint runs
in its own process and gets, from wrk (`--connections` keep-alive connections, 2 threads), a
warm-up and then `--seconds` of closed-loop load: realistic Instantly v2 bodies replayed from
a pre-generated file, 3 % of them exact redeliveries.

- floors (`_floors.py`, uvicorn with uvloop, httptools, no access log): `nodb` answers without
  a database; `insert` does one INSERT per event; `group` makes concurrent requests wait on one
  shared `INSERT … SELECT FROM unnest(…)`, sent as soon as the previous one finished;
- Ravensearch: `ravensearch serve` (the embedded topology: events applied on a thread of the
  server; `--applier worker` moves that to a `ravensearch worker` process).

Reported per endpoint: answered events/s, p50/p99 (wrk `--latency`), CPU of the server, of
PostgreSQL and of wrk; the ratio to the group-commit floor; whether every event answered 2xx
is in the database (rows counted after the load); and how long after the load the applier
had no event pending. Then an open-loop phase (`--rate`, Python, see `_openloop.py`) gives the
latency at a steady production-like rate. It exits 0 even when a target is missed: it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import fresh_database, verdict
from _openloop import OpenLoopStats, RequestStream, open_loop
from _processes import CpuMeter, CpuShares, Process, floor_process, serve_process, worker_process
from _webhook_events import SECRET, WEBHOOK_PATH, EventFactory, prepare_database, write_bodies
from _wrk import WrkResult, run_wrk, wrk_binary
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from ravensearch.db.engine import async_url

TARGET_RATIO = 0.5  # of the group-commit floor
TARGET_P99_MS = 50.0
FLOORS = ("nodb", "insert", "group")
WRK_THREADS = 2


class Monitor:
    """Counts rows from this process, on its own connection."""

    def __init__(self, database_url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(database_url), poolclass=NullPool)

    async def scalar(self, sql: str) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar() or 0)

    async def rows(self, table: str) -> int:
        return await self.scalar(f"SELECT count(*) FROM {table}")

    async def pending(self) -> int:
        return await self.scalar("SELECT count(*) FROM webhook_events WHERE state = 'pending'")

    async def states(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT state, count(*) FROM webhook_events GROUP BY state ORDER BY state")
            )
            return {str(state): int(n) for state, n in rows}

    async def settled_rows(self, table: str, timeout: float = 15.0) -> int:
        """Rows once requests still in flight when wrk stopped have been written."""
        deadline = time.monotonic() + timeout
        last = await self.rows(table)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            now = await self.rows(table)
            if now == last:
                return now
            last = now
        return last

    async def close(self) -> None:
        await self.engine.dispose()


@dataclass
class Measured:
    name: str
    load: WrkResult
    cpu: CpuShares
    table: str | None  # where its events are stored (None: not stored)
    stored: int = 0  # rows added by the measured run
    drain_seconds: float | None = None  # load end → nothing pending (Ravensearch)
    left_pending: int = 0
    pending_before: int = 0
    open_loop: OpenLoopStats | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def events_per_s(self) -> float:
        """2xx answers per second (what the sender saw acknowledged)."""
        return self.load.ok / self.load.seconds if self.load.seconds else 0.0

    @property
    def server_ms_per_event(self) -> float:
        """Server CPU per answered event: what the endpoint costs, whatever else the host runs."""
        return self.cpu.server * 10.0 / self.events_per_s if self.events_per_s else float("nan")

    @property
    def new_acked(self) -> int:
        return self.load.ok - self.load.duplicates

    def stored_ok(self, connections: int) -> bool:
        """Every event acknowledged as new is stored; at most one per connection more (sent,
        and written, but its answer came after wrk stopped listening)."""
        return self.new_acked <= self.stored <= self.new_acked + connections


@dataclass
class Bench:
    args: argparse.Namespace
    url: str
    work_dir: str
    monitor: Monitor
    cpu_database: str

    async def load(self, name: str, proc: Process, path: str, bodies: str) -> WrkResult:
        return await asyncio.to_thread(
            run_wrk,
            f"http://127.0.0.1:{proc.port}{path}",
            bodies,
            secret=SECRET,
            connections=self.args.connections,
            seconds=self.args.seconds if name != "warm-up" else self.args.warmup,
            threads=WRK_THREADS,
            script_dir=self.work_dir,
        )

    async def measure(
        self, name: str, proc: Process, path: str, bodies: dict[str, str], table: str | None
    ) -> Measured:
        await self.load("warm-up", proc, path, bodies["warm"])
        before = await self.monitor.settled_rows(table) if table else 0
        meter = CpuMeter(proc.pids(), self.cpu_database)
        result = await self.load(name, proc, path, bodies["measured"])
        measured = Measured(name, result, meter.shares(), table)
        if table:
            measured.stored = await self.monitor.settled_rows(table) - before
        return measured

    async def floor(self, mode: str, bodies: dict[str, str]) -> Measured:
        proc = floor_process(mode, self.url, SECRET, self.work_dir)
        try:
            await proc.wait_ready("/")
            return await self.measure(
                f"floor: {mode}", proc, "/", bodies, None if mode == "nodb" else "bench_floor"
            )
        finally:
            proc.stop()

    async def ravensearch(self, bodies: dict[str, str], factory: EventFactory) -> Measured:
        args = self.args
        proc = serve_process(
            self.url, SECRET, self.work_dir, workers=args.workers, applier=args.applier
        )
        worker = worker_process(self.url, self.work_dir) if args.applier == "worker" else None
        try:
            await proc.wait_ready("/healthz")
            await self.load("warm-up", proc, WEBHOOK_PATH, bodies["warm"])
            await self.wait_drained(args.drain_timeout)
            before = await self.monitor.settled_rows("webhook_events")
            pending_before = await self.monitor.pending()
            spy = proc.start_py_spy(args.py_spy, args.seconds) if args.py_spy else None
            meter = CpuMeter(proc.pids() + (worker.pids() if worker else []), self.cpu_database)
            result = await self.load("ravensearch", proc, WEBHOOK_PATH, bodies["measured"])
            measured = Measured("Ravensearch", result, meter.shares(), "webhook_events")
            measured.pending_before = pending_before
            ended = time.monotonic()
            measured.stored = await self.monitor.settled_rows("webhook_events") - before
            measured.left_pending = await self.wait_drained(args.drain_timeout, since=ended)
            measured.drain_seconds = time.monotonic() - ended
            if spy is not None:
                measured.notes.append(f"py-spy profile of the loaded server: {spy.wait()}")
            if args.rate > 0:
                stream = RequestStream(factory, proc.port, WEBHOOK_PATH)
                stream.prepare(int((args.seconds + 1) * args.rate))
                measured.open_loop = await open_loop(
                    "ravensearch", proc.port, stream, connections=args.connections,
                    rate=args.rate, warmup=1.0, seconds=args.seconds,
                )  # fmt: skip
            errors = proc.errors_in_log()
            if errors:
                measured.notes.append(f"server log errors:\n{errors}")
            return measured
        finally:
            if worker is not None:
                worker.stop()
            proc.stop()

    async def wait_drained(self, timeout: float, since: float | None = None) -> int:
        """Poll until no event is pending (or `timeout` s after `since`); returns those left."""
        deadline = (since or time.monotonic()) + timeout
        while True:
            left = await self.monitor.pending()
            if left == 0 or time.monotonic() >= deadline:
                return left
            await asyncio.sleep(0.1)


def body_files(factory: EventFactory, work_dir: str, args: argparse.Namespace) -> dict[str, str]:
    """A warm-up file and a measured-run file of distinct bodies, sized so that wrk should
    not run out (`--bodies-per-second` × seconds)."""
    files = {}
    for phase, seconds in (("warm", args.warmup), ("measured", args.seconds)):
        files[phase] = os.path.join(work_dir, f"bodies-{phase}-{len(factory.recent)}.jsonl")
        write_bodies(files[phase], factory, int(args.bodies_per_second * max(seconds, 1.0)))
    return files


# --- report --------------------------------------------------------------------------


def print_report(results: list[Measured], args: argparse.Namespace, load_before: str) -> None:
    group = next((m for m in results if m.name == "floor: group"), None)
    rs = next((m for m in results if m.name == "Ravensearch"), None)
    print(
        f"\n== webhook intake on PostgreSQL: wrk {args.connections} connections "
        f"({WRK_THREADS} threads), {args.seconds:g} s after {args.warmup:g} s warm-up; "
        f"Ravensearch = `ravensearch serve --workers {args.workers}`, events applied "
        + ("on a thread of the server ==" if args.applier == "in-process" else "by a worker ==")
    )
    print(f"host: {os.cpu_count()} CPUs, load average before {load_before}, after {loadavg()}")
    head = (
        f"{'endpoint':<14} {'events/s':>9} {'x group':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'non-2xx':>7} {'stored check':>22} | {'srv ms/ev':>9} | CPU % of one "
        f"core: {'server':>6} {'postgres':>8} {'wrk':>5} {'other':>5}"
    )
    print(head)
    print("-" * len(head))
    for m in results:
        ratio = "-"
        if group is not None and group.events_per_s:
            ratio = f"{m.events_per_s / group.events_per_s:.2f}x"
        check = "-"
        if m.table:
            ok = "ok" if m.stored_ok(args.connections) else "MISSING"
            check = f"{ok} {m.stored:,}/{m.new_acked:,}"
        print(
            f"{m.name:<14} {m.events_per_s:>9,.0f} {ratio:>7} {m.load.ms(50):>7.1f} "
            f"{m.load.ms(99):>7.1f} {m.load.max_ms:>7.1f} "
            f"{m.load.refused + m.load.socket_errors:>7} {check:>22} | {m.server_ms_per_event:>9.3f} | "
            f"{'':>17} "
            f"{m.cpu.server:>6.0f} {m.cpu.postgres:>8.0f} {m.cpu.load:>5.0f} {m.cpu.other:>5.0f}"
        )
    print(
        "stored check: rows added / 2xx answers that were not redeliveries; ok when every one "
        f"is stored (at most {args.connections} more: written, answered after wrk stopped)"
    )
    for m in results:
        if m.load.wraps and m.table:
            print(
                f"!! {m.name}: wrk ran out of bodies and replayed them (raise --bodies-per-second)"
            )
    if rs is None:
        return
    print(
        f"Ravensearch: {rs.load.duplicates:,} answers said duplicate (3 % of the bodies are exact "
        f"redeliveries); {rs.pending_before:,} events pending when the load started"
    )
    if rs.left_pending:
        print(f"applier: {rs.left_pending:,} still pending {rs.drain_seconds:.1f} s after the load")
    else:
        print(f"applier: no event pending {rs.drain_seconds:.1f} s after the load ended")
    o = rs.open_loop
    if o is not None:
        print(
            f"open loop {o.offered_rate:g}/s (Python, latency from each request's due time): "
            f"{o.rate:,.0f}/s answered, p50 {o.ms(50):.1f} ms, p99 {o.ms(99):.1f} ms, "
            f"max {o.ms(100):.1f} ms, non-2xx {o.non_2xx + o.errors}, unanswered {o.censored}"
        )
    for note in rs.notes:
        print(note)
    if group is None:
        return
    ratio = rs.events_per_s / group.events_per_s if group.events_per_s else 0.0
    checks = [
        (ratio >= TARGET_RATIO, f"{ratio:.2f}x the group-commit floor >= {TARGET_RATIO}x"),
        (
            rs.load.ms(99) <= TARGET_P99_MS,
            f"p99 {rs.load.ms(99):.1f} ms <= {TARGET_P99_MS:g} ms at {args.connections} connections",
        ),
        (rs.load.refused + rs.load.socket_errors == 0, "every response 2xx"),
        (rs.stored_ok(args.connections), "every event answered 2xx is stored"),
        (rs.left_pending == 0, f"applier caught up within {args.drain_timeout:g} s"),
    ]
    for ok, text_ in checks:
        print(f"{verdict(ok)}  {text_}")


def clean_up(work_dir: str, *, keep_logs: bool) -> None:
    """Remove the work dir, or, when logs and profiles are kept, the bodies (hundreds of MB)."""
    if not keep_logs:
        shutil.rmtree(work_dir, ignore_errors=True)
        return
    for path in Path(work_dir).glob("bodies-*"):
        path.unlink()


def py_spy_binary() -> str:
    """py-spy on PATH, else next to this interpreter (`pip install py-spy` in the venv)."""
    return shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_all(args: argparse.Namespace, floors: list[str], work_dir: str) -> list[Measured]:
    """Every floor, then Ravensearch, each in its own process, on one fresh database."""
    name = f"rs_bench_webhooks_{os.getpid()}"
    async with fresh_database("postgres", name=name, pg_url=args.pg_url) as url:
        print(f"seeding {url} …", flush=True)
        factory = EventFactory(await prepare_database(url))
        bodies = body_files(factory, work_dir, args)
        monitor = Monitor(url)
        bench = Bench(args, url, work_dir, monitor, make_url(url).database or "")
        results = []
        try:
            for mode in floors:
                results.append(await bench.floor(mode, bodies))
                print(f"   floor {mode}: {results[-1].events_per_s:,.0f}/s", flush=True)
            rs_bodies = body_files(factory, work_dir, args)  # new events, not the floors'
            results.append(await bench.ravensearch(rs_bodies, factory))
            print(f"   ravensearch: {results[-1].events_per_s:,.0f}/s", flush=True)
        finally:
            await monitor.close()
    return results


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per endpoint")
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers`")
    parser.add_argument(
        "--applier", choices=("in-process", "worker"), default="in-process",
        help="apply events on a thread of `serve` (default) or in a `ravensearch worker`",
    )  # fmt: skip
    parser.add_argument("--floors", default=",".join(FLOORS), help="floors to run, comma-separated")
    parser.add_argument(
        "--rate", type=float, default=500.0, help="open-loop events/s afterwards (0: skip)"
    )
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--bodies-per-second", type=float, default=16_000.0)
    parser.add_argument(
        "--pg-url",
        help="PostgreSQL URL; its database (named rs_bench*) is re-created and dropped "
        "(default: database rs_bench_webhooks_<pid> on postgresql://postgres@127.0.0.1:5432)",
    )
    parser.add_argument(
        "--py-spy", nargs="?", const=py_spy_binary(), default=None,
        help="profile Ravensearch's server during its measured run with this py-spy binary",
    )  # fmt: skip
    args = parser.parse_args(argv)
    wrk_binary()  # exits with how to install it
    if args.py_spy and not shutil.which(args.py_spy):
        parser.error(f"py-spy not found ({args.py_spy}): `pip install py-spy`")
    floors = [f for f in args.floors.split(",") if f]
    if unknown := set(floors) - set(FLOORS):
        parser.error(f"unknown floors {sorted(unknown)}; choose from {', '.join(FLOORS)}")
    load_before = loadavg()
    print(f"host: {os.cpu_count()} CPUs, load average {load_before} (other work skews figures)")
    work_dir = tempfile.mkdtemp(prefix="rs-bench-webhooks-")
    try:
        results = await run_all(args, floors, work_dir)
    finally:
        clean_up(work_dir, keep_logs=bool(args.py_spy))
    print_report(results, args, load_before)
    if args.py_spy:
        print(f"logs and profile kept in {work_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
