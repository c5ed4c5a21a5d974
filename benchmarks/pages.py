"""Admin page latency at scale, on PostgreSQL, through the real app in process.

    .venv/bin/python benchmarks/pages.py
    .venv/bin/python benchmarks/pages.py --proposed-indexes      # with the trigram indexes
    .venv/bin/python benchmarks/pages.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres \
        --requests 60 --explain --pages targets

Loads a fresh database `rs_bench_pages` (migrated with `ravensearch.db.migrate.upgrade`)
with the data set of `_page_data.py` (100,000 targets, 1,000 campaigns, 1,000,000 dispatches
and 1,000,000 webhook events …) in about 100 s. Then, signed in as an admin through the
login form, it requests each page in turn with httpx over ASGITransport and prints p50 and
p95 per page, PASS when p50 <= 150 ms.

`--proposed-indexes` first adds the trigram indexes proposed for the text search (not in
the migrations yet); `--explain` EXPLAIN ANALYZEs every query of a few pages; `--pages`
keeps the pages whose label contains a word; `--profile` runs cProfile over the requests.
The database is dropped at the end. Exits 0 (it measures) unless --strict.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from _common import bench_settings, fresh_database, percentile, verdict
from _page_data import (
    CAMPAIGNS,
    EVENTS,
    NOTIFICATIONS,
    PROPOSED_INDEXES,
    SUPPRESSIONS,
    TARGETS,
    load,
)
from sqlalchemy import event

from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.models import Role
from ravensearch.db.session import unit_of_work
from ravensearch.logging import configure_logging
from ravensearch.runtime import build_runtime
from ravensearch.users.service import user_service
from ravensearch.web.app import create_app

DB_NAME = "rs_bench_pages"
P50_TARGET_MS = 150.0
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-123"


# --- Measuring ---------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    url: str
    htmx: bool
    times_ms: list[float]
    status: int

    @property
    def p50(self) -> float:
        return percentile(sorted(self.times_ms), 50)

    @property
    def p95(self) -> float:
        return percentile(sorted(self.times_ms), 95)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.p50 <= P50_TARGET_MS


async def _sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the login page"
    form = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": match.group(1)}
    response = await client.post("/login", data=form)
    assert response.status_code == 303, f"login failed: {response.status_code}"


async def measure(app: Any, pages: list[tuple[str, str, bool]], requests: int) -> list[Figure]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    figures = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await _sign_in(client)
        for label, url, htmx in pages:
            headers = {"HX-Request": "true"} if htmx else {}
            times: list[float] = []
            status = 200
            for n in range(requests + 3):
                started = time.perf_counter()
                response = await client.get(url, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    status = response.status_code
                if n >= 3:  # the first requests warm caches and the pool
                    times.append(elapsed)
            figures.append(Figure(label, url, htmx, times, status))
    return figures


async def explain(app: Any, url: str) -> None:
    """EXPLAIN ANALYZE every query one request of `url` runs (captured as sent to the
    driver, with its parameters): its time, and its plan when it takes over 10 ms."""
    runtime = app.state.runtime
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        await _sign_in(client)
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", capture)
        try:
            await client.get(url)
        finally:
            event.remove(runtime.engine.sync_engine, "before_cursor_execute", capture)
    print(f"\n-- {url}")
    async with runtime.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for statement, params in captured:
            plan = [row[0] for row in await raw.fetch(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, *(params or ())
            )]  # fmt: skip
            took = float(plan[-1].split(":")[1].split()[0])
            print(f"   {took:7.1f} ms  {' '.join(statement.split())[:110]}")
            if took > 10:
                print("\n".join("              " + line for line in plan))


async def main(args: argparse.Namespace) -> int:
    configure_logging("WARNING")
    async with fresh_database("postgres", name=DB_NAME, pg_url=args.pg_url) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        started = time.perf_counter()
        data = await load(url)
        load_seconds = time.perf_counter() - started
        print(
            f"Loaded {TARGETS:,} targets, {CAMPAIGNS:,} campaigns, "
            f"{len(data.dispatch_ids):,} dispatches, {EVENTS:,} webhook events, "
            f"{SUPPRESSIONS:,} suppressions, {NOTIFICATIONS:,} notifications "
            f"in {load_seconds:.1f} s"
        )
        async with unit_of_work(create_sessionmaker(engine)) as session:
            await user_service.create(
                session, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role=Role.admin
            )
        if args.proposed_indexes:
            started = time.perf_counter()
            conn = await asyncpg.connect(url)
            try:
                for ddl in PROPOSED_INDEXES:
                    await conn.execute(ddl)
            finally:
                await conn.close()
            print(f"Proposed trigram indexes built in {time.perf_counter() - started:.1f} s")
        runtime = await build_runtime(bench_settings(url, secret="bench-webhook-secret"))
        app = create_app(runtime=runtime, background=False)
        campaign = data.campaign_ids[CAMPAIGNS // 2]
        pages = [
            ("Campaigns", "/outreach/campaigns", False),
            ("Campaigns, page 10", "/outreach/campaigns?page=10", False),
            ("Campaign detail", f"/outreach/campaigns/{campaign}", False),
            ("Campaign detail, replied", f"/outreach/campaigns/{campaign}?status=replied", True),
            ("Targets", "/outreach/targets", False),
            ("Targets trade+state+status", "/outreach/targets?trade=hvac&state=TX&status=completed", False),
            ("Targets trade+state, page 3 (HTMX)", "/outreach/targets?trade=plumbing&state=CA&page=3", True),
            ("Targets search 'smithford'", "/outreach/targets?q=smithford", False),
            ("Targets search, no match", "/outreach/targets?q=zzqx", True),
            ("Targets search + trade", "/outreach/targets?q=comfort&trade=roofing", True),
            ("Recruiting pipeline (board)", "/outreach/pipeline", False),
            ("Suppression list", "/outreach/suppressions", False),
        ]  # fmt: skip
        if args.pages:
            pages = [page for page in pages if args.pages.lower() in page[0].lower()]
        try:
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            figures = await measure(app, pages, args.requests)
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            if args.explain:
                for _label, url, _htmx in pages:
                    await explain(app, url)
        finally:
            await runtime.aclose()
            await engine.dispose()
    print(
        f"\n{'page':<38} {'p50 ms':>8} {'p95 ms':>8}  (n={args.requests}, target p50 <= {P50_TARGET_MS:.0f} ms)"
    )
    for f in figures:
        note = "" if f.status == 200 else f"  HTTP {f.status}"
        print(f"{f.label:<38} {f.p50:>8.1f} {f.p95:>8.1f}  {verdict(f.ok)}{note}")
    ok = all(f.ok for f in figures)
    print(f"\nOverall: {verdict(ok)}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=None, help="any URL on the PostgreSQL server")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--explain", action="store_true", help="print the Targets query plans")
    parser.add_argument(
        "--proposed-indexes", action="store_true", help="add the proposed trigram indexes"
    )
    parser.add_argument("--pages", default="", help="only the pages whose label has this")
    parser.add_argument("--profile", action="store_true", help="cProfile the requests")
    parser.add_argument("--strict", action="store_true", help="exit 1 unless every page passes")
    sys.exit(asyncio.run(main(parser.parse_args())))
