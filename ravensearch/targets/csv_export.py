"""Targets → CSV, streamed: keyset pages of 1,000 rows, each read in its own short session.

The header uses the import's column names, so an exported file imports back as it is.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Target
from ravensearch.kit.clock import as_utc
from ravensearch.targets.repository import TargetRepository
from ravensearch.targets.schemas import TargetFilters

EXPORT_CHUNK = 1000
EXPORT_COLUMNS: tuple[str, ...] = (
    "business_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "website",
    "address",
    "city",
    "state",
    "zip",
    "trade",
    "source",
    "status",
    "status_reason",
    "pipeline_stage",
    "created_at",
)
# A cell starting with one of these is a formula to Excel and LibreOffice ("CSV injection");
# a leading apostrophe keeps it text. Phone numbers (+1 512 …) are left alone.
_FORMULA_START = ("=", "@", "\t", "\r", "+", "-")
_PHONE = re.compile(r"^[+\-]?[\d\s().\-]+$")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PHONE.match(text):
        return "'" + text
    return text


def _lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession], filters: TargetFilters
) -> AsyncIterator[str]:
    """The header, then one chunk of lines per page of matching targets, newest first."""
    yield _lines([list(EXPORT_COLUMNS)])
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with sessionmaker() as session:
            targets = await TargetRepository(session).page_after(
                filters, after=after, limit=EXPORT_CHUNK
            )
        if not targets:
            return
        yield _lines([_row(target) for target in targets])
        if len(targets) < EXPORT_CHUNK:
            return
        last: Target = targets[-1]
        after = (last.created_at, last.id)


def _row(target: Target) -> list[str]:
    return [safe_cell(getattr(target, name)) for name in EXPORT_COLUMNS]
