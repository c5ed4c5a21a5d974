"""Dispatch 10,000 ready technicians to one campaign against a fake Instantly with 100 ms
latency per call, on a fresh database; count the Instantly calls and time the whole flow.

    .venv/bin/python benchmarks/dispatch.py                       # SQLite (temp file)
    .venv/bin/python benchmarks/dispatch.py --database-url postgresql://postgres@127.0.0.1:5432/rs_bench_dispatch
    .venv/bin/python benchmarks/dispatch.py --both                # one after the other

Targets: <= 10 `POST /leads/add` calls and <= 10 s for the 10,000; a second run makes no
call at all; the same technicians all land in a second campaign, and a third campaign with
"skip technicians in another campaign" rejects every one with that reason. Exits 0 (it measures) unless --strict. The PostgreSQL database (its name must
start with `rs_bench`) is dropped and re-created first, and dropped at the end;
`--breakdown` also times the flow's main steps.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import httpx
from _common import bench_settings, fresh_database, seed_campaign, seed_targets, verdict

from ravensearch.dispatch import flows, service
from ravensearch.dispatch.flows import dispatch_targets
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState, create_fake_app
from ravensearch.logging import configure_logging
from ravensearch.runtime import build_instantly, build_runtime
from ravensearch.suppressions.service import suppression_service

FAKE_BASE_URL = "http://fake-instantly.local/api/v2"
ADD_PATH = "/api/v2/leads/add"
MAX_CALLS = 10
MAX_SECONDS = 10.0


@dataclass
class Result:
    label: str
    calls: int
    seconds: float
    cpu_seconds: float  # this process (app + in-process fake Instantly), not the database
    leads: int
    pushed: int
    rerun_calls: int
    rerun_seconds: float
    other_leads: int = 0  # the same technicians in a second campaign
    other_seconds: float = 0.0
    skip_rejected: int = 0  # ... and in a third one with "skip if in another campaign"
    skip_calls: int = 0  # add + list calls the third one took
    skip_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.calls <= MAX_CALLS
            and self.seconds <= MAX_SECONDS
            and self.leads == self.pushed
            and self.rerun_calls == 0
            and self.other_leads == self.pushed
            and self.skip_rejected == self.pushed
        )


class Breakdown:
    """Wall time spent in the main steps of the flow (wrappers installed with --breakdown).

    Steps nest (e.g. `flows._Pusher._record` contains `DispatchRepository.record_outcomes`), so
    the column does not add up to the total.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.seconds[name] += time.perf_counter() - started
                    self.calls[name] += 1

            return timed_async

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed

    @contextmanager
    def installed(self) -> Iterator[None]:
        targets: list[tuple[Any, str, str]] = [
            (DispatchRepository, m, f"DispatchRepository.{m}")
            for m in (
                "targets_by_id",
                "existing_for_campaign",
                "insert_pending",
                "unpushed",
                "mark_attempt",
                "record_outcomes",
                "count_unpushed",
                "ready_target_ids",
            )
        ]
        targets += [
            (service, "is_valid_email", "service.is_valid_email (x10k)"),
            (type(suppression_service), "suppressed_among", "suppression.suppressed_among"),
            (flows, "lead_for", "flows.lead_for (x10k)"),
            (flows._Pusher, "_record", "flows._Pusher._record"),
            (flows, "refresh_counters", "flows.refresh_counters"),
            (InstantlyClient, "add_leads", "InstantlyClient.add_leads"),
            (type(service.dispatch_service), "record", "DispatchService.record"),
            (flows, "push_pending", "flows.push_pending"),
        ]
        originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in targets]
        for owner, attr, name in targets:
            setattr(owner, attr, self._wrap(name, getattr(owner, attr)))
        try:
            yield
        finally:
            for owner, attr, original in originals:
                setattr(owner, attr, original)

    def print(self, total: float) -> None:
        print(f"  breakdown of the first run ({total:.2f} s wall):")
        for name, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<42} {seconds:7.2f} s  {self.calls[name]:>6} calls")


def add_calls(state: FakeInstantlyState) -> int:
    return sum(1 for method, path, _ in state.request_log if method == "POST" and path == ADD_PATH)


async def run_one(
    label: str, database_url: str, count: int, latency: float, breakdown: bool
) -> Result:
    state = FakeInstantlyState(api_keys={"bench-key"})
    state.latency_seconds = latency
    fake_campaign = state.add_campaign("Bench — 10k technicians")  # draft: no simulation
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_fake_app(state)), base_url=FAKE_BASE_URL
    )
    settings = bench_settings(database_url, api_url=FAKE_BASE_URL)
    instantly = build_instantly(settings, http_client=http)
    runtime = await build_runtime(settings, instantly=instantly, migrate_db=True)
    try:
        targets = await seed_targets(runtime.engine, count, tag="dispatch")
        campaign_id = await seed_campaign(
            runtime.engine, name="Bench campaign", instantly_campaign_id=fake_campaign.id
        )
        target_ids = [t["id"] for t in targets]

        steps = Breakdown()
        with steps.installed() if breakdown else nullcontext():
            started, cpu_started = time.perf_counter(), time.process_time()
            outcome = await dispatch_targets(
                runtime.sessionmaker,
                runtime.instantly,
                campaign_id=campaign_id,
                target_ids=target_ids,
            )
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
        if breakdown:
            steps.print(seconds)
        calls = add_calls(state)
        leads = len(state.leads_by_campaign(fake_campaign.id))
        if outcome.push.error:
            print(f"  [{label}] push error: {outcome.push.error}")
        print(
            f"  [{label}] first run: recorded={outcome.recorded.recorded} "
            f"skipped={len(outcome.recorded.skipped)} pushed={outcome.push.pushed} "
            f"pending={outcome.push.pending}"
        )

        started = time.perf_counter()
        again = await dispatch_targets(
            runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id, target_ids=target_ids
        )
        rerun_seconds = time.perf_counter() - started
        rerun_calls = add_calls(state) - calls
        reasons: dict[str, int] = {}
        for _, reason in again.recorded.skipped:
            reasons[str(reason)] = reasons.get(str(reason), 0) + 1
        print(
            f"  [{label}] re-run: recorded={again.recorded.recorded} skipped={reasons} "
            f"pushed={again.push.pushed}"
        )
        result = Result(
            label, calls, seconds, cpu_seconds, leads, count, rerun_calls, rerun_seconds
        )
        await other_campaigns(runtime, state, target_ids, result)
        return result
    finally:
        await runtime.aclose()
        await http.aclose()


async def other_campaigns(
    runtime: Any, state: FakeInstantlyState, target_ids: list[Any], result: Result
) -> None:
    """The same technicians into a second campaign (all of them must land), then into a
    third with the skip option (all rejected, each with its reason)."""
    for name, skip in (("second", False), ("third", True)):
        remote = state.add_campaign(f"Bench — {name} campaign")
        campaign_id = await seed_campaign(
            runtime.engine, name=f"Bench {name}", instantly_campaign_id=remote.id
        )
        before = len(state.request_log)
        started = time.perf_counter()
        outcome = await dispatch_targets(
            runtime.sessionmaker,
            runtime.instantly,
            campaign_id=campaign_id,
            target_ids=target_ids,
            skip_if_in_other_campaign=skip,
        )
        seconds = time.perf_counter() - started
        if skip:
            result.skip_rejected = sum(r == "in_other_campaign" for _t, r in outcome.push.rejected)
            result.skip_calls = len(state.request_log) - before
            result.skip_seconds = seconds
        else:
            result.other_leads = len(state.leads_by_campaign(remote.id))
            result.other_seconds = seconds


def report(result: Result) -> None:
    print(f"\n== dispatch benchmark: {result.label} ==")
    print(f"  Instantly calls (POST /leads/add): {result.calls}")
    print(f"  seconds:                           {result.seconds:.2f}")
    print(f"  CPU seconds of this process:       {result.cpu_seconds:.2f} (app + fake)")
    print(f"  leads in the fake campaign:        {result.leads} (expected {result.pushed})")
    print(
        f"  re-run: {result.rerun_calls} Instantly calls, {result.rerun_seconds:.2f} s "
        "(expected 0 calls)"
    )
    print(f"  {verdict(result.calls <= MAX_CALLS)}  calls {result.calls} <= {MAX_CALLS}")
    print(
        f"  {verdict(result.seconds <= MAX_SECONDS)}  time {result.seconds:.2f} s <= {MAX_SECONDS:g} s"
    )
    print(f"  {verdict(result.leads == result.pushed)}  leads in fake == {result.pushed}")
    print(f"  {verdict(result.rerun_calls == 0)}  re-run made 0 calls")
    print(
        f"  {verdict(result.other_leads == result.pushed)}  same technicians, second campaign: "
        f"{result.other_leads} in Instantly, {result.other_seconds:.2f} s"
    )
    print(
        f"  {verdict(result.skip_rejected == result.pushed)}  third campaign, skip option on: "
        f"{result.skip_rejected} rejected (in another campaign), {result.skip_calls} calls, "
        f"{result.skip_seconds:.2f} s"
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL whose database (named rs_bench*) is re-created; default: SQLite",
    )
    parser.add_argument("--both", action="store_true", help="SQLite, then PostgreSQL")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1, help="fake Instantly seconds/call")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the main steps of the first run"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    configure_logging("WARNING")

    runs: list[tuple[str, str | None]] = []
    if args.both or not args.database_url:
        runs.append(("sqlite", None))
    if args.both or args.database_url:
        runs.append(("postgres", args.database_url))
    results = []
    for kind, url in runs:
        async with fresh_database(
            kind, name=f"rs_bench_dispatch_{os.getpid()}", pg_url=url
        ) as database_url:
            print(f"-- {kind}: {database_url}")
            results.append(
                await run_one(kind, database_url, args.count, args.latency, args.breakdown)
            )
    for result in results:
        report(result)
    print()
    for result in results:
        print(f"{verdict(result.ok)}: dispatch {args.count} on {result.label}")
    return 0 if all(r.ok for r in results) or not args.strict else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
