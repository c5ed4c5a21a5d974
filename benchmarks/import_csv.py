"""Import a realistic 200,000-row CSV twice through the job path (the file stored, then read
back and imported a chunk per transaction) and print rows/s, seconds, the process's peak
resident memory and the counts, checked against what the file was built to contain.

The file: mixed-case emails; every tenth row repeats an earlier row of the file (its email
in upper case, or its phone with no email), every tenth other row is an existing target
(its email in other case), one row in a hundred is bad. 50,000 targets exist beforehand.

    python benchmarks/import_csv.py --db postgres   # or --db sqlite; --rows N
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import bench_settings, fresh_database, seed_targets
from sqlalchemy import func, select

from ravensearch.db.models import Job, JobState, Target
from ravensearch.db.session import unit_of_work
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.launch import launch_import
from ravensearch.runtime import Runtime, build_runtime

SEEDED = 50_000
TRADES = ("hvac", "plumbing", "electrical", "roofing")
STATES = ("TX", "CA", "FL", "OH", "GA")
HEADER = "business_name,first_name,last_name,email,phone,website,address,city,state,zip,trade\n"


def _unique_row(i: int) -> str:
    trade, state = TRADES[i % 4], STATES[i % 5]
    return (
        f"{trade.title()} Masters {i} LLC,Sam{i},Ortiz,Sam.Ortiz{i}@Masters{i % 991}.Example.com,"
        f"(2{i % 89 + 10:02d}) 5{i // 10000 % 100:02d}-{i % 10000:04d},"
        f"https://www.masters{i}.example.com,{i % 900 + 100} Main St,Austin,{state},"
        f"{73301 + i % 500},{trade}\n"
    )


def _row(i: int) -> str:
    if i % 100 == 99:
        return f"Broken {i},,,not-an-email,,,,,,,\n"
    if i % 10 == 9:
        source = _unique_row(i - 5).split(",")
        if i % 20 == 9:  # the same email in upper case
            return f"{source[0]},,,{source[3].upper()},,,,,,,\n"
        return f"{source[0]} Inc,,,,{source[4]},,,,,,\n"  # the same phone, no email
    if i % 10 == 8:
        j = i % SEEDED  # an existing target, its email in other case
        return f"Tech {j},,,OWNER{j}.BENCH@TECH{j % 997}.EXAMPLE.COM,,,,,,,\n"
    return _unique_row(i)


def expected(rows: int) -> tuple[int, int, int]:
    """(imported, merged, errors) of the first run."""
    bad = sum(1 for i in range(rows) if i % 100 == 99)
    merged = sum(1 for i in range(rows) if i % 100 != 99 and i % 10 in (8, 9))
    return rows - bad - merged, merged, bad


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(_row(i))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def import_once(runtime: Runtime, path: Path, rows: int) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        job = await launch_import(
            runtime.sessionmaker,
            lambda _id: None,
            stream=stream,
            filename=path.name,
            rows_estimate=rows,
        )
    state = await execute_job(runtime, job.id)
    seconds = time.perf_counter() - started
    async with unit_of_work(runtime.sessionmaker) as session:
        done = await session.get(Job, job.id)
        assert done is not None
        if state != JobState.succeeded:
            raise SystemExit(f"the import job failed: {done.message} {done.errors[:3]}")
        counts = {k: int(v) for k, v in done.counts.items() if isinstance(v, int)}
    return seconds, counts


async def run(kind: str, rows: int) -> bool:
    async with fresh_database(kind, name=f"rs_bench_import_{uuid.uuid4().hex[:6]}") as url:
        runtime = await build_runtime(bench_settings(url), migrate_db=True)
        try:
            await seed_targets(runtime.engine, SEEDED, tag="bench")
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "technicians.csv"
                write_file(path, rows)
                size_mb = path.stat().st_size / 1_048_576
                print(f"[{kind}] {rows:,} rows, {size_mb:.1f} MB, {SEEDED:,} targets before")
                baseline = peak_rss_mb()
                imported, merged, errors = expected(rows)
                ok = True
                for label, want in (
                    ("fresh", (imported, merged, errors)),
                    ("again", (0, rows - errors, errors)),
                ):
                    seconds, counts = await import_once(runtime, path, rows)
                    got = (counts["imported"], counts["updated"], counts["skipped"])
                    ok &= got == want
                    print(
                        f"  {label}: {seconds:6.1f} s, {rows / seconds:,.0f} rows/s, "
                        f"imported={got[0]:,} merged={got[1]:,} errors={got[2]:,} "
                        f"({'as built' if got == want else f'EXPECTED {want}'})"
                    )
            async with unit_of_work(runtime.sessionmaker) as session:
                total = await session.scalar(select(func.count()).select_from(Target))
            ok &= total == SEEDED + imported
            print(
                f"  targets: {total:,} (expected {SEEDED + imported:,}); peak RSS "
                f"{peak_rss_mb():.0f} MB (before the imports {baseline:.0f} MB)"
            )
            return ok
        finally:
            await runtime.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    return 0 if asyncio.run(run(args.db, args.rows)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
