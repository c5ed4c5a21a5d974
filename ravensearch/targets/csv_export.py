"""Targets → CSV, streamed: keyset pages of 1,000 rows, each read in its own short session.

The header uses the import's column names, so an exported file imports back as it is.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Target
from ravensearch.kit.clock import as_utc
from ravensearch.targets.phones import to_national
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
    "address_suite",
    "city",
    "state",
    "zip",
    "trade",
    "source",
    "status",
    "status_reason",
    "business_status",
    "pipeline_stage",
    "created_at",
)
# A cell that starts with one of these is a formula to Excel, LibreOffice or Google Sheets
# ("CSV injection"); a leading apostrophe makes it text. The check runs on the NFKC form
# (full-width "＝" is "=") after what a spreadsheet skips or shows as nothing (spaces,
# zero-width and control characters), and a tab or CR in first place counts on its own.
_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r", "\n")
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}
# A phone number and nothing else: what `phone_cell` may rewrite.
_PHONE = re.compile(r"^\+?[\d\s().\-]+$")


def is_formula(text: str) -> bool:
    if text.startswith(_CONTROL_START):
        return True
    probe = unicodedata.normalize("NFKC", text)
    start = next((char for char in probe if unicodedata.category(char) not in _INVISIBLE), "")
    return start in _FORMULA_START


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    text = str(value)
    return "'" + text if is_formula(text) else text


def phone_cell(value: str | None) -> str:
    """A phone number in a form no spreadsheet evaluates and people still read.

    "+1 512-555-1000" starts like a formula ("+1-512-555-1000" computes to -1066), and an
    apostrophe in front shows in the cell when the file is opened rather than typed, so a
    real (NANP) number that would be evaluated is written "(512) 555-1000" instead; it
    imports back to the same number. Anything else is treated like every other cell.
    """
    if value and is_formula(value) and _PHONE.match(value.strip()):
        national = to_national(value)
        if national is not None:
            return national
    return safe_cell(value)


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
    return [
        phone_cell(target.phone) if name == "phone" else safe_cell(getattr(target, name))
        for name in EXPORT_COLUMNS
    ]
