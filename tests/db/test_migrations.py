from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.db import migrate
from ravensearch.db.base import Base
from ravensearch.db.engine import create_engine
from ravensearch.db.migrate import include_object

DESIGN_COLUMNS = {
    "outreach_campaigns": {
        "id",
        "name",
        "instantly_campaign_id",
        "trade_filter",
        "status",
        "total_targets",
        "emails_sent",
        "emails_opened",
        "replies_received",
        "created_at",
    },
    "job_dispatches": {
        "id",
        "technician_id",
        "campaign_id",
        "channel",
        "status",
        "sent_at",
        "opened_at",
        "clicked_at",
        "replied_at",
        "bounced_at",
        "reply_text",
        "bounce_reason",
        "created_at",
    },
}


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    """The fixture database was built from an empty one by `alembic upgrade head`."""
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        columns = await connection.run_sync(_columns)
    for table, expected in DESIGN_COLUMNS.items():
        assert expected <= columns[table]
    for table in (
        "outreach_targets",
        "notifications",
        "webhook_events",
        "suppressions",
        "api_tokens",
    ):
        assert table in columns


async def test_upgrade_is_idempotent(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert version


async def test_fresh_sqlite_file_migrates_from_empty(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/fresh.db")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_unmatched_events_of_unlinked_campaigns_become_foreign(tmp_path: Path) -> None:
    """SQLite only: a data migration needs a database stopped at the revision before it."""
    from ravensearch.db.engine import create_sessionmaker
    from ravensearch.db.models import EventState, WebhookEvent
    from ravensearch.db.session import unit_of_work
    from tests.fixtures.factories import create_campaign

    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    try:
        await migrate.upgrade(engine, "5e8b1c4d7a26")  # the revision before it
        sessionmaker = create_sessionmaker(engine)
        async with unit_of_work(sessionmaker) as session:
            linked = await create_campaign(session)
            for n, remote_id in enumerate((linked.instantly_campaign_id, "not-linked")):
                session.add(
                    WebhookEvent(event_type="email_opened", raw_body="{}", dedupe_key=f"k{n}",
                                 instantly_campaign_id=remote_id, state=EventState.unmatched)
                )  # fmt: skip
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT instantly_campaign_id, state FROM webhook_events")
            )
            by_campaign = dict(rows.all())
        assert by_campaign == {linked.instantly_campaign_id: "unmatched", "not-linked": "foreign"}
    finally:
        await engine.dispose()
