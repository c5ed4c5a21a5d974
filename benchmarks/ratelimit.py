"""N processes on one Instantly workspace against a fake Instantly that enforces 100
requests/s (answering 429 above it): the 429s and the peak request rate with each
process's own limiter (before) and with the limiter shared through Redis (after).

    .venv/bin/python benchmarks/ratelimit.py
    .venv/bin/python benchmarks/ratelimit.py --processes 6 --requests 300 --per-second 90

Each process runs the real `InstantlyClient` (no retries, so every 429 is seen) with the
configured per-second limit, sending `GET /workspaces/current` 16 at a time; the peak is the
most answers in any 1 s. Redis is the
one at --redis-url (a fresh workspace key per run; its keys expire a minute later).
Exits 0 (it measures) unless --strict, which fails when the shared limiter saw a 429.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
import uuid
from dataclasses import dataclass

from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyError, InstantlyStatusError
from ravensearch.instantly.fake.server import FakeInstantlyServer
from ravensearch.instantly.fake.state import FakeInstantlyState
from ravensearch.kit.ratelimit import share_limits_through
from ravensearch.logging import configure_logging

FAKE_LIMIT_PER_SECOND = 100
IN_FLIGHT = 16


@dataclass(frozen=True)
class Run:
    base_url: str
    redis_url: str
    api_key: str
    requests: int
    per_second: int
    start_at: float


async def _hammer(run: Run) -> list[tuple[float, int]]:
    share_limits_through(run.redis_url)
    client = InstantlyClient(
        run.api_key,
        base_url=run.base_url,
        max_retries=0,
        max_per_second=run.per_second,
        max_per_minute=6000,
    )
    gate = asyncio.Semaphore(IN_FLIGHT)
    seen: list[tuple[float, int]] = []

    async def one() -> None:
        async with gate:
            # Timed when the answer arrives: the client waits for its limiter first.
            try:
                await client.get_current_workspace()
                seen.append((time.time(), 200))
            except InstantlyStatusError as exc:
                seen.append((time.time(), exc.status_code))
            except InstantlyError:
                seen.append((time.time(), 0))

    await asyncio.sleep(max(0.0, run.start_at - time.time()))
    await asyncio.gather(*(one() for _ in range(run.requests)))
    await client.aclose()
    return seen


def _process(run: Run) -> list[tuple[float, int]]:
    configure_logging("ERROR")  # a line per request (and per 429) would drown the table
    return asyncio.run(_hammer(run))


def _peak_per_second(times: list[float]) -> int:
    ordered = sorted(times)
    peak, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def measure(label: str, args: argparse.Namespace, base_url: str, redis_url: str) -> int:
    runs = [
        Run(
            base_url=base_url,
            redis_url=redis_url,
            api_key=f"bench-{uuid.uuid4().hex}",
            requests=args.requests,
            per_second=args.per_second,
            start_at=time.time() + 3.0,
        )
        for _ in range(args.processes)
    ]
    # One workspace: every process uses the same key.
    runs = [Run(**{**r.__dict__, "api_key": runs[0].api_key}) for r in runs]
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        results = pool.map(_process, runs)
    seen = [entry for result in results for entry in result]
    times = [t for t, _ in seen]
    limited = sum(1 for _, status in seen if status == 429)
    other = sum(1 for _, status in seen if status not in (200, 429))
    elapsed = max(times) - min(times)
    print(
        f"{label:<22} {len(seen):>8,} {_peak_per_second(times):>10,} {limited:>6,} "
        f"{other:>6,} {elapsed:>9.1f}"
    )
    return limited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--requests", type=int, default=250, help="per process")
    parser.add_argument("--per-second", type=int, default=90, help="each client's limit")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    state = FakeInstantlyState(accept_any_key=True, rate_limit_per_second=FAKE_LIMIT_PER_SECOND)
    print(
        f"{args.processes} processes × {args.requests} requests, each client limited to "
        f"{args.per_second}/s; the fake answers 429 above {FAKE_LIMIT_PER_SECOND}/s"
    )
    print(
        f"{'limiter':<22} {'requests':>8} {'peak req/s':>10} {'429s':>6} {'other':>6} {'seconds':>9}"
    )
    with FakeInstantlyServer(state) as server:
        measure("per process (before)", args, server.base_url, "")
        shared = measure("Redis, shared (after)", args, server.base_url, args.redis_url)
    return 1 if args.strict and shared else 0


if __name__ == "__main__":
    sys.exit(main())
