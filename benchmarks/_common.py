"""Shared by the benchmarks: throw-away databases, bulk seeding, settings, small stats.

The benchmarks are run as scripts (`python benchmarks/dispatch.py`), so this module is
imported as `_common` from the benchmarks directory.
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ravensearch.config import Settings
from ravensearch.db.models import Campaign, CampaignStatus, Dispatch, Target
from ravensearch.kit.clock import utcnow

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Nothing in the benchmarks may reach the internet: any accidental Instantly call made
# by the real code lands on a closed local port instead of api.instantly.ai.
UNREACHABLE_INSTANTLY_URL = "http://127.0.0.1:9/api/v2"
BENCH_DB_PREFIX = "rs_bench"


def bench_settings(database_url: str, *, secret: str = "", api_url: str | None = None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=database_url,
        INSTANTLY_API_KEY="bench-key",
        INSTANTLY_WEBHOOK_SECRET=secret,
        INSTANTLY_API_URL=api_url or UNREACHABLE_INSTANTLY_URL,
        LOG_LEVEL="WARNING",
    )


def pg_database_url(name: str, base: str | None = None) -> str:
    """`base` (any URL on the server) with its database replaced by `name`."""
    url = make_url((base or DEFAULT_PG_ADMIN_URL).replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def _admin_async_url(url: str) -> str:
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg", database="postgres").render_as_string(
        hide_password=False
    )


@asynccontextmanager
async def fresh_database(kind: str, *, name: str, pg_url: str | None = None) -> AsyncIterator[str]:
    """Yield the URL of an empty database and drop it afterwards.

    kind="sqlite": a file in a temporary directory. kind="postgres": the database `name`
    (or the one named in `pg_url`) on the PostgreSQL server, dropped and re-created. Only
    databases whose name starts with `rs_bench` are ever dropped.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rs-bench-") as tmp:
            yield f"sqlite:///{os.path.join(tmp, name + '.db')}"
        return
    target = make_url(pg_url) if pg_url else None
    db_name = (target.database if target is not None else None) or name
    if not db_name.startswith(BENCH_DB_PREFIX):
        raise SystemExit(
            f"refusing to drop database {db_name!r}: its name must start with rs_bench"
        )
    url = pg_database_url(db_name, pg_url)
    admin = create_async_engine(_admin_async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        try:
            yield url
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def seed_targets(engine: AsyncEngine, count: int, *, tag: str) -> list[dict[str, Any]]:
    """Insert `count` completed targets with unique emails in bulk; returns the rows."""
    now = utcnow()
    trades = ("hvac", "plumbing", "electrical", "roofing")
    states = ("TX", "CA", "FL", "OH", "GA")
    rows = [
        {
            "id": uuid.uuid4(),
            "business_name": f"{trades[i % 4].title()} Pros {i}",
            "first_name": f"Pat{i}",
            "last_name": f"Lee{i}",
            "trade": trades[i % 4],
            "state": states[i % 5],
            "city": "Austin",
            "phone": f"+1512555{i % 10000:04d}",
            "email": f"owner{i}.{tag}@tech{i % 997}.example.com",
            "website": f"https://tech{i}.example.com",
            "source": "csv",
            "source_ids": {},
            "status": "completed",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    await _insert_chunks(engine, Target.__table__, rows)
    return rows


async def seed_campaign(engine: AsyncEngine, *, name: str, instantly_campaign_id: str) -> uuid.UUID:
    campaign_id = uuid.uuid4()
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            insert(Campaign.__table__),
            [
                {
                    "id": campaign_id,
                    "name": name,
                    "instantly_campaign_id": instantly_campaign_id,
                    "status": CampaignStatus.active.value,
                    "instantly_stats": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    return campaign_id


async def seed_dispatches(
    engine: AsyncEngine, campaign_id: uuid.UUID, targets: Sequence[dict[str, Any]]
) -> None:
    """One pushed dispatch per target, as left by a finished `dispatch_targets`."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "technician_id": t["id"],
            "campaign_id": campaign_id,
            "channel": "instantly",
            "status": "pending",
            "email": t["email"],
            "instantly_lead_id": str(uuid.uuid4()),
            "pushed_at": now,
            "attempts": 1,
            "created_at": now,
            "updated_at": now,
        }
        for t in targets
    ]
    await _insert_chunks(engine, Dispatch.__table__, rows)


async def _insert_chunks(engine: AsyncEngine, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(table), list(rows[start : start + 2000]))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(q / 100.0 * len(sorted_values))))
    return sorted_values[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
