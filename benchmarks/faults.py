"""The fault suite: Ravensearch on PostgreSQL under the faults a production deployment
meets, counting what was sent, acknowledged, stored, applied, lost and duplicated.

    .venv/bin/python benchmarks/faults.py            # the full run (~5 minutes)
    .venv/bin/python benchmarks/faults.py --short    # the CI size (tests/benchmarks/test_faults.py)
    .venv/bin/python benchmarks/faults.py --only kill-worker --keep

It starts a PostgreSQL cluster of its own (initdb into a temp directory, a free port, trust
auth; the shared server on 5432 is never touched), a fresh database per scenario, and real
processes: `ravensearch serve` (uvicorn), `ravensearch worker` (Redis queue at
127.0.0.1:6379 under a queue name of its own), `ravensearch fake-instantly`, `ravensearch
dispatch`. Scenarios:

- db-outage: webhook deliveries (re-sent until 2xx, as Instantly does) while PostgreSQL
  is stopped (`pg_ctl -m immediate`) and started again;
- kill-serve: `serve --workers 2` killed with SIGKILL under that load and restarted, events
  applied by a `worker`;
- kill-worker: the `worker` applying events killed with SIGKILL twice and restarted: every
  stored event applied, none twice, campaign counters equal to a recount of the rows;
- kill-dispatch: `ravensearch dispatch` of thousands of technicians killed while Instantly
  holds a batch it has not answered yet, then the sweep's flows finish it;
- storm-429: Instantly answers 429 to everything for a while during a dispatch;
- fuzz: the schemathesis CLI over /openapi.json, a bounded number of examples: no 5xx.

Exits 1 when any scenario lost or duplicated anything or left a problem (an event never
applied, a row never settled, a 5xx), 2 when it cannot run (no PostgreSQL binaries).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from _faults_dispatch import DispatchRun, kill_mid_dispatch, storm_429
from _faults_fuzz import FuzzRun, fuzz_api
from _faults_infra import Outcome, PostgresInstance, Workspace, pg_bin_dir
from _faults_webhooks import WebhookRun, database_outage, kill_serve, kill_worker

from ravensearch.logging import configure_logging


@dataclass
class Profile:
    webhooks: WebhookRun
    dispatch: DispatchRun
    fuzz: FuzzRun


FULL = Profile(
    webhooks=WebhookRun(seconds=30.0, rate=300.0, connections=32, outage=8.0),
    dispatch=DispatchRun(technicians=5000, kill_when_held=2000, storm_seconds=25.0),
    fuzz=FuzzRun(max_examples=50, phases="examples,coverage,fuzzing,stateful"),
)
SHORT = Profile(
    webhooks=WebhookRun(seconds=8.0, rate=150.0, connections=16, outage=3.0),
    dispatch=DispatchRun(technicians=2000, kill_when_held=900, storm_seconds=5.0),
    fuzz=FuzzRun(max_examples=5, phases="coverage,fuzzing"),
)

Scenario = Callable[[PostgresInstance, Workspace, Profile], Awaitable[Outcome]]
SCENARIOS: dict[str, Scenario] = {
    "db-outage": lambda pg, ws, p: database_outage(pg, ws, p.webhooks),
    "kill-serve": lambda pg, ws, p: kill_serve(pg, ws, p.webhooks),
    "kill-worker": lambda pg, ws, p: kill_worker(pg, ws, p.webhooks),
    "kill-dispatch": lambda pg, ws, p: kill_mid_dispatch(pg, ws, p.dispatch),
    "storm-429": lambda pg, ws, p: storm_429(pg, ws, p.dispatch),
    "fuzz": lambda pg, ws, p: fuzz_api(pg, ws, p.fuzz),
}


async def run_suite(profile: Profile, names: list[str], *, keep: bool) -> list[Outcome]:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    ws = Workspace()
    pg = PostgresInstance(bin_dir, ws.dir)
    print(f"PostgreSQL of its own on 127.0.0.1:{pg.port}; logs in {ws.dir}", flush=True)
    pg.init()
    pg.start()
    outcomes = []
    try:
        for name in names:
            started = time.monotonic()
            print(f"-- {name} …", flush=True)
            try:
                outcome = await SCENARIOS[name](pg, ws, profile)
            except Exception as exc:  # noqa: BLE001  (one scenario failing must not hide the rest)
                outcome = Outcome(name, problems=[f"crashed: {type(exc).__name__}: {exc}"[:600]])
            finally:
                ws.stop_all()
            outcome.detail += f"; {time.monotonic() - started:.0f} s"
            outcomes.append(outcome)
    finally:
        ws.stop_all()
        try:
            pg.stop("fast")
        finally:
            ws.cleanup(keep=keep)
    return outcomes


def print_table(outcomes: list[Outcome]) -> None:
    head = (
        f"{'scenario':<30} {'sent':>7} {'acked':>7} {'stored':>7} {'applied':>7} "
        f"{'lost':>5} {'dup':>5}  result"
    )
    print("\n" + head)
    print("-" * len(head))
    for o in outcomes:
        print(
            f"{o.scenario:<30} {o.sent:>7,} {o.acked:>7,} {o.stored:>7,} {o.applied:>7,} "
            f"{o.lost:>5} {o.duplicated:>5}  {'PASS' if o.ok else 'FAIL'}"
        )
    for o in outcomes:
        print(f"   {o.scenario}: {o.detail}")
    for o in outcomes:
        for problem in o.problems:
            print(f"!! {o.scenario}: {problem}")
    print(
        "\nwebhooks: sent = distinct deliveries, acked = answered 2xx, stored = rows in "
        "webhook_events (by email_id), applied = state applied, dup = stored twice or applied "
        "twice.\ndispatch: sent = technicians, acked = rows held or rejected, stored = leads "
        "in the fake campaign, applied = rows holding the lead's Instantly id, dup = a lead "
        "in the campaign twice.\nfuzz: sent = requests made, acked = answered below 500."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI size: fewer, shorter")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), help="repeatable")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the cluster dir")
    args = parser.parse_args(argv)
    configure_logging("ERROR")
    profile = SHORT if args.short else FULL
    try:
        outcomes = asyncio.run(run_suite(profile, args.only or list(SCENARIOS), keep=args.keep))
    except FileNotFoundError as exc:
        print(f"cannot run: {exc}")
        return 2
    print_table(outcomes)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
