from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Target, TargetSource, TargetStatus
from ravensearch.errors import NotFound
from ravensearch.kit.cursor import Key
from ravensearch.targets.csv_import import parse_targets_csv
from ravensearch.targets.merge import Row, TargetMatcher, fill_empty, has_match_key
from ravensearch.targets.phones import to_e164
from ravensearch.targets.repository import TargetRepository
from ravensearch.targets.schemas import ImportReport, TargetCreate, TargetFilters
from ravensearch.targets.websites import website_domain

NO_EMAIL_REASON = "no email yet"
# Rows looked up and flushed together: few enough keys for one IN list on either backend
# (SQLite allows 32,766 parameters), many enough that 10k rows take a few dozen queries.
IMPORT_CHUNK = 1000

# Called with (rows done, rows total) while an import runs.
Progress = Callable[[int, int], None]


class TargetNotFound(NotFound):
    """No target has this id (404)."""


def _columns(data: TargetCreate, *, source: str) -> dict[str, Any]:
    values = data.model_dump()
    values["phone_e164"] = to_e164(data.phone)
    values["website_domain"] = website_domain(data.website)
    values["source"] = source
    values["status"] = TargetStatus.completed if data.email else TargetStatus.pending
    values["status_reason"] = None if data.email else NO_EMAIL_REASON
    return values


async def _load_matches(
    repository: TargetRepository,
    matcher: TargetMatcher,
    rows: Sequence[Row],
    looked_up: set[tuple[str, str]],
    stored: dict[uuid.UUID, Row],
) -> None:
    """Index the stored targets sharing a key with `rows`, asking once per key per import."""
    wanted = {
        (kind, row[kind].lower() if kind == "email" else row[kind])
        for row in rows
        for kind in ("email", "phone_e164", "website_domain")
        if row[kind]
    }
    # Rows without any key match on their name (and place), see TargetMatcher.
    wanted |= {("name", row["business_name"].lower()) for row in rows if not has_match_key(row)}
    wanted -= looked_up
    if not wanted:
        return
    looked_up |= wanted
    found = await repository.get_matching_rows(
        emails={key for kind, key in wanted if kind == "email"},
        phones={key for kind, key in wanted if kind == "phone_e164"},
        domains={key for kind, key in wanted if kind == "website_domain"},
        names={key for kind, key in wanted if kind == "name"},
    )
    for row in found:
        # A target may come back for a second key; the copy already indexed stays the one.
        if row["id"] not in stored:
            stored[row["id"]] = row
            matcher.add(row)


class TargetService:
    """Creates, imports and finds targets. Never commits: the caller's unit of work does."""

    async def create(self, session: AsyncSession, *, data: TargetCreate) -> Target:
        target = Target(**_columns(data, source=TargetSource.manual))
        repository = TargetRepository(session)
        repository.add(target)
        await repository.flush()
        return target

    async def import_csv(
        self,
        session: AsyncSession,
        *,
        content: bytes,
        source: str = TargetSource.csv,
        on_progress: Progress | None = None,
    ) -> ImportReport:
        """Create or merge one target per good row; bad rows are reported, not fatal.

        Idempotent: a row matching a known target (see `TargetMatcher`), including one
        earlier in the same file, only fills that target's empty fields and counts as
        updated. Raises CsvImportError (4xx) when the file as a whole is unusable.
        """
        # Parsing and validating is CPU work (about 1 s per 10k rows): keep the event loop free.
        parsed = await asyncio.to_thread(parse_targets_csv, content)
        report = ImportReport(skipped=len(parsed.errors), errors=parsed.errors)
        repository = TargetRepository(session)
        matcher = TargetMatcher()
        looked_up: set[tuple[str, str]] = set()
        stored: dict[uuid.UUID, Row] = {}
        for start in range(0, len(parsed.rows), IMPORT_CHUNK):
            rows = parsed.rows[start : start + IMPORT_CHUNK]
            chunk = [_columns(row.data, source=source) for row in rows]
            await _load_matches(repository, matcher, chunk, looked_up, stored)
            fresh: list[Row] = []
            changed: dict[uuid.UUID, Row] = {}
            for values in chunk:
                match = matcher.find(values)
                if match is None:
                    values["id"] = uuid.uuid4()
                    fresh.append(values)
                    matcher.add(values)
                    continue
                report.updated += 1
                if fill_empty(match, values):
                    matcher.add(match)
                    if match["id"] in stored:
                        changed[match["id"]] = match
            report.imported += len(fresh)
            await repository.insert_rows(fresh)
            await repository.update_rows(list(changed.values()))
            stored.update((row["id"], row) for row in fresh)
            if on_progress is not None:
                on_progress(start + len(chunk), len(parsed.rows))
        return report

    async def list(
        self, session: AsyncSession, *, filters: TargetFilters, limit: int, offset: int
    ) -> tuple[Sequence[Target], int]:
        return await TargetRepository(session).paginate(filters, limit=limit, offset=offset)

    async def list_after(
        self, session: AsyncSession, *, filters: TargetFilters, after: Key, limit: int
    ) -> tuple[Sequence[Target], int]:
        """Up to `limit` targets after the cursor key (newest first), and how many match."""
        repository = TargetRepository(session)
        items = await repository.page_after(filters, after=after, limit=limit)
        return items, await repository.count(filters)

    async def matching_ids(
        self, session: AsyncSession, *, filters: TargetFilters, limit: int
    ) -> Sequence[uuid.UUID]:
        """Ids of the targets matching `filters` (oldest first), at most `limit`."""
        return await TargetRepository(session).matching_ids(filters, limit=limit)

    async def get(self, session: AsyncSession, target_id: uuid.UUID) -> Target:
        target = await TargetRepository(session).get(target_id)
        if target is None:
            raise TargetNotFound(f"Target {target_id} not found")
        return target


target_service = TargetService()
