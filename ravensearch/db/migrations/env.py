"""Alembic environment: run against a connection handed in by `ravensearch.db.migrate`, or a URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from ravensearch.db import models  # noqa: F401  (registers every table)
from ravensearch.db.base import Base
from ravensearch.db.engine import create_engine
from ravensearch.db.migrate import include_object

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from ravensearch.config import get_settings

        url = get_settings().DATABASE_URL
    asyncio.run(_run_from_url(url))
