"""Enrich generated small-business websites served over real HTTP, and time it.

    .venv/bin/python benchmarks/enrich.py                     # 200 sites, SQLite (temp file)
    .venv/bin/python benchmarks/enrich.py --sites 400 --database-url postgresql://postgres@127.0.0.1:5432/rs_bench_enrich

A uvicorn subprocess on 127.0.0.1 serves `ravensearch.enrichment.fake_web` with a fixed
latency per page (200 ms by default). Every site's name resolves to 127.0.0.1 through a
static resolver, with RAVENSEARCH_ALLOW_PRIVATE_NETWORK on, so the real crawler (SSRF
guard, pinned connections, redirects, size caps) speaks real HTTP. `enrich_targets` runs
over one pending target per site on a fresh database, and the emails it stores are
compared with the ones the sites show.

Targets: >= 30 sites/s, <= 5 pages (requests) per site, >= 95 % of the emails found right.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from _common import bench_settings, fresh_database, verdict
from sqlalchemy import insert, select

from ravensearch.db import migrate
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.models import Target
from ravensearch.enrichment.fake_web import SiteSpec, create_fake_web_app, generate_sites
from ravensearch.enrichment.flows import EnrichReport, enrich_targets
from ravensearch.enrichment.netguard import StaticHostResolver
from ravensearch.enrichment.service import build_enricher
from ravensearch.enrichment.verify import StaticMxResolver
from ravensearch.kit.clock import utcnow
from ravensearch.logging import configure_logging

MIN_SITES_PER_SECOND = 30.0
MAX_PAGES_PER_SITE = 5.0
MIN_ACCURACY = 0.95
SEED = 7


def serve(port: int, sites: int, latency: float) -> None:
    """The server side (run in a subprocess by the benchmark itself)."""
    import uvicorn

    by_domain = {site.domain: site for site in generate_sites(sites, seed=SEED)}
    app = create_fake_web_app(by_domain.get, latency_seconds=latency)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the fake web server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the fake web server did not start")


async def run(database_url: str, *, port: int, sites: int, concurrency: int) -> bool:
    specs = generate_sites(sites, seed=SEED)
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "business_name": spec.business_name,
            "website": f"http://{spec.domain}:{port}/",
            "website_domain": spec.domain,
            "status": "pending",
            "source": "csv",
            "source_ids": {},
            "enrich_attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for spec in specs
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(Target), rows)
    settings = bench_settings(database_url).model_copy(
        update={"ALLOW_PRIVATE_NETWORK": True, "CRAWL_CONCURRENCY": concurrency}
    )
    enricher = build_enricher(
        settings,
        resolver=StaticHostResolver(default="127.0.0.1"),
        mx_resolver=StaticMxResolver(),
    )
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = await enrich_targets(create_sessionmaker(engine), enricher)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await enricher.aclose()
    async with engine.connect() as conn:
        stored = {
            domain or "": email
            for domain, email in (
                await conn.execute(select(Target.website_domain, Target.email))
            ).all()
        }
    await engine.dispose()
    print(f"crawler process CPU:   {cpu:.2f} s")
    return _report(specs, stored, report, seconds)


def _report(
    specs: list[SiteSpec], stored: dict[str, str | None], report: EnrichReport, seconds: float
) -> bool:
    truth = {spec.domain: spec.email for spec in specs}
    right = sum(1 for domain, email in truth.items() if stored.get(domain) == email)
    with_email = sum(1 for email in truth.values() if email)
    found_right = sum(1 for d, e in truth.items() if e and stored.get(d) == e)
    wrong = sum(1 for d, e in truth.items() if stored.get(d) and stored.get(d) != e)
    sites = len(specs)
    rate = sites / seconds
    pages, requests = report.pages_fetched / sites, report.requests / sites
    accuracy = right / sites
    styles = Counter(spec.style for spec in specs)
    print(
        f"sites:                 {sites}  ({', '.join(f'{k} {v}' for k, v in sorted(styles.items()))})"
    )
    print(f"seconds:               {seconds:.2f}")
    print(f"sites per second:      {rate:.1f}")
    print(f"pages read per site:   {pages:.2f}")
    print(f"requests per site:     {requests:.2f}  (robots.txt, 404 probes and redirects included)")
    print(
        f"statuses:              completed {report.completed}, no_email {report.no_email}, failed {report.failed}"
    )
    print(f"emails found right:    {found_right}/{with_email}; wrong emails stored: {wrong}")
    print(f"accuracy (all sites):  {accuracy:.1%}")
    checks = [
        (rate >= MIN_SITES_PER_SECOND, f"{rate:.1f} sites/s >= {MIN_SITES_PER_SECOND:g}"),
        (requests <= MAX_PAGES_PER_SITE, f"{requests:.2f} requests/site <= {MAX_PAGES_PER_SITE:g}"),
        (accuracy >= MIN_ACCURACY, f"accuracy {accuracy:.1%} >= {MIN_ACCURACY:.0%}"),
    ]
    for ok, text in checks:
        print(f"  {verdict(ok)}  {text}")
    return all(ok for ok, _ in checks)


async def measure(args: argparse.Namespace, port: int) -> bool:
    kind = "postgres" if args.database_url else "sqlite"
    async with fresh_database(kind, name="rs_bench_enrich", pg_url=args.database_url) as url:
        print(
            f"== enrich benchmark: {args.sites} sites, {args.latency * 1000:.0f} ms/page, {kind} =="
        )
        return await run(url, port=port, sites=args.sites, concurrency=args.concurrency)


def main(args: argparse.Namespace) -> int:
    port = _free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
    command += ["--sites", str(args.sites), "--latency", str(args.latency)]
    server = subprocess.Popen(command)
    try:
        _wait_for(port, server)
        ok = asyncio.run(measure(args, port))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"\n{verdict(ok)}: enrich {args.sites} sites")
    return 0 if ok else 1


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=64, help="sites crawled at once")
    parser.add_argument(
        "--database-url", help="a PostgreSQL URL (database named rs_bench*); default: SQLite"
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _parse()
    if arguments.serve:
        serve(arguments.serve, arguments.sites, arguments.latency)
        sys.exit(0)
    configure_logging("WARNING")
    sys.exit(main(arguments))
