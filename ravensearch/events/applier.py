# Placeholder until the events domain lands (being written now).
from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class EventApplier:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    def wake(self) -> None:
        pass

    async def run(self) -> None:
        while True:
            await asyncio.sleep(3600)

    async def drain(self) -> int:
        return 0
