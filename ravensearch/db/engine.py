"""Async engines from a DATABASE_URL: aiosqlite for the embedded default, asyncpg in production."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from ravensearch.errors import DatabaseUnavailable

DEFAULT_POOL_SIZE = 10
DEFAULT_POOL_TIMEOUT = 10.0


class ReportingPool(AsyncAdaptedQueuePool):
    """A pool that, out of connections for `timeout` seconds, raises `DatabaseUnavailable`
    (a 503 with Retry-After) instead of SQLAlchemy's TimeoutError (a 500)."""

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except sa_exc.TimeoutError:
            raise DatabaseUnavailable(
                "Every database connection is busy; try again in a few seconds. If this "
                "persists, raise RAVENSEARCH_DB_POOL_SIZE within PostgreSQL's max_connections "
                "(see README, Scaling out)."
            ) from None


def async_url(url: str) -> str:
    """Accept the URLs operators write (`postgres://`, `sqlite:///x.db`) and pick async drivers."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(async_url(url)).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_timeout: float = DEFAULT_POOL_TIMEOUT,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine whose pool holds `pool_size` connections plus half as many in bursts, so a
    process never opens more than `pool_size * 3 // 2` (RAVENSEARCH_DB_POOL_SIZE sets it
    for every process of a deployment; see README, Scaling out)."""
    full = async_url(url)
    if not _is_in_memory(full):
        kwargs.setdefault("poolclass", ReportingPool)
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", pool_size // 2)
        kwargs.setdefault("pool_timeout", pool_timeout)
    if is_sqlite(full):
        engine = create_async_engine(full, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_transactional(engine)
        return engine
    # No pre-ping: on asyncpg it is three round trips per checkout; a connection that died
    # with the server fails one request (a webhook answers 503 and Instantly retries) and
    # recycling bounds their age.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(full, **kwargs)


def _is_in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy's
    # documented fix takes it over. BEGIN IMMEDIATE takes the write lock up front, so two
    # writers wait on busy_timeout instead of failing with SQLITE_BUSY on lock upgrade.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def ping(engine: AsyncEngine, *, timeout: float) -> bool:
    """True when the database answers `SELECT 1` within `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError):
        return False
    return True
