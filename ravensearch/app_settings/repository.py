"""SQL for the `app_settings` key/value table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import AppSetting
from ravensearch.db.upsert import insert_ignoring_conflicts


class AppSettingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        return await self.session.scalar(select(AppSetting.value).where(AppSetting.key == key))

    async def insert_if_absent(self, key: str, value: str) -> None:
        dialect = self.session.get_bind().dialect.name
        table = AppSetting.__table__
        await self.session.execute(
            insert_ignoring_conflicts(table, dialect, {"key": key, "value": value})  # type: ignore[arg-type]
        )

    async def put(self, key: str, value: str) -> None:
        setting = await self.session.get(AppSetting, key)
        if setting is None:
            self.session.add(AppSetting(key=key, value=value))
        else:
            setting.value = value
        await self.session.flush()
