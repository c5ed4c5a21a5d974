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
    """SQLite only: a data migration needs a database stopped at the revision before it.

    Rows are written in SQL: the models describe the head schema, not the one of then."""
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    linked_id = "6f0b2a52-4f7e-4b4e-9d5c-1a2b3c4d5e6f"
    try:
        await migrate.upgrade(engine, "5e8b1c4d7a26")  # the revision before it
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO outreach_campaigns (id, name, instantly_campaign_id, status, "
                    "total_targets, emails_sent, emails_opened, emails_clicked, "
                    "replies_received, emails_bounced, unsubscribed, leads_rejected, "
                    "skip_if_in_other_campaign, instantly_stats, created_at, updated_at) "
                    "VALUES ('0123456789abcdef0123456789abcdef', 'Linked', :remote, 'active', "
                    "0, 0, 0, 0, 0, 0, 0, 0, 0, '{}', '2026-12-01', '2026-12-01')"
                ),
                {"remote": linked_id},
            )
            for n, remote_id in enumerate((linked_id, "not-linked")):
                await connection.execute(
                    text(
                        "INSERT INTO webhook_events (id, source, dedupe_key, event_type, "
                        "instantly_campaign_id, raw_body, received_at, state, attempts) "
                        "VALUES (:id, 'instantly', :key, 'email_opened', :remote, '{}', "
                        "'2026-12-01', 'unmatched', 0)"
                    ),
                    {"id": f"{n:032x}", "key": f"k{n}", "remote": remote_id},
                )
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT instantly_campaign_id, state FROM webhook_events")
            )
            by_campaign = dict(rows.all())
        assert by_campaign == {linked_id: "unmatched", "not-linked": "foreign"}
    finally:
        await engine.dispose()
