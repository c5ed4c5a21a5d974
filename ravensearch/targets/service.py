from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Target, TargetSource, TargetStatus
from ravensearch.errors import NotFound
from ravensearch.kit.clock import utcnow
from ravensearch.kit.cursor import Key
from ravensearch.targets.csv_import import CsvRow, parse_targets_csv
from ravensearch.targets.merge import Row, TargetMatcher, fill_empty, has_match_key, place_hash
from ravensearch.targets.phones import to_e164
from ravensearch.targets.repository import TargetRepository
from ravensearch.targets.schemas import (
    FoundEmail,
    ImportReport,
    RowError,
    TargetCreate,
    TargetDetail,
    TargetFilters,
)
from ravensearch.targets.websites import website_domain

NO_EMAIL_REASON = "no email yet"
# Rows looked up and flushed together: few enough keys for one IN list on either backend
# (SQLite allows 32,766 parameters), many enough that 10k rows take a few dozen queries.
IMPORT_CHUNK = 1000
_TICK = timedelta(microseconds=1)

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


@dataclass
class ImportRun:
    """What one import carries from chunk to chunk: its report, the place keys it has seen
    (see `TargetMatcher`) and the creation time of its newest row."""

    report: ImportReport = field(default_factory=ImportReport)
    places: dict[int, uuid.UUID] = field(default_factory=dict)
    # Stored rows are matched oldest first; strictly increasing stamps keep "the first row of
    # the file keeps the key" true across chunks, where a shared timestamp would tie.
    last_created: datetime = field(default_factory=utcnow)
    # A job keeps the first errors (their count is in `skipped`); a request keeps every one.
    errors_kept: int | None = None

    def stamps(self, count: int) -> list[datetime]:
        start = max(utcnow(), self.last_created + _TICK)
        stamps = [start + _TICK * i for i in range(count)]
        if stamps:
            self.last_created = stamps[-1]
        return stamps

    def add_errors(self, errors: Sequence[RowError]) -> None:
        self.report.skipped += len(errors)
        room = len(errors) if self.errors_kept is None else self.errors_kept
        self.report.errors.extend(errors[: max(0, room - len(self.report.errors))])


async def _load_matches(
    repository: TargetRepository, matcher: TargetMatcher, rows: Sequence[Row]
) -> dict[uuid.UUID, Row]:
    """Index the stored targets sharing a key with `rows` (earlier chunks included)."""
    keyless = [row for row in rows if not has_match_key(row)]
    found = await repository.get_matching_rows(
        emails={row["email"].lower() for row in rows if row["email"]},
        phones={row["phone_e164"] for row in rows if row["phone_e164"]},
        domains={row["website_domain"] for row in rows if row["website_domain"]},
        # Rows without any key match on their name (and place), see TargetMatcher.
        names={row["business_name"].lower() for row in keyless},
        ids={i for row in keyless if (i := matcher.places.get(place_hash(row)))},
    )
    for row in found:
        matcher.add(row)
    return {row["id"]: row for row in found}


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
        updated. Raises CsvImportError (4xx) when the file as a whole is unusable. The
        whole file is one transaction (the caller's); `flows.import_stream` commits chunk
        by chunk and holds only one chunk in memory.
        """
        # Parsing and validating is CPU work (about 1 s per 10k rows): keep the event loop free.
        parsed = await asyncio.to_thread(parse_targets_csv, content)
        run = ImportRun()
        run.report.encoding = parsed.encoding
        run.add_errors(parsed.errors)
        for start in range(0, len(parsed.rows), IMPORT_CHUNK):
            rows = parsed.rows[start : start + IMPORT_CHUNK]
            await self.import_chunk(session, rows=rows, run=run, source=source)
            if on_progress is not None:
                on_progress(start + len(rows), len(parsed.rows))
        return run.report

    async def import_chunk(
        self, session: AsyncSession, *, rows: Sequence[CsvRow], run: ImportRun, source: str
    ) -> None:
        """Create or merge one target per row (see `TargetService.import_csv`); flushes."""
        repository = TargetRepository(session)
        matcher = TargetMatcher(run.places)
        chunk = [_columns(row.data, source=source) for row in rows]
        stored = await _load_matches(repository, matcher, chunk)
        fresh: list[Row] = []
        changed: dict[uuid.UUID, Row] = {}
        for values in chunk:
            match = matcher.find(values)
            if match is None:
                values["id"] = uuid.uuid4()
                fresh.append(values)
                matcher.add(values)
                continue
            run.report.updated += 1
            if fill_empty(match, values):
                matcher.add(match)
                if match["id"] in stored:
                    changed[match["id"]] = match
        for values, stamp in zip(fresh, run.stamps(len(fresh)), strict=True):
            values["created_at"] = values["updated_at"] = stamp
        run.report.imported += len(fresh)
        await repository.insert_rows(fresh)
        await repository.update_rows(list(changed.values()))

    async def list(
        self, session: AsyncSession, *, filters: TargetFilters, limit: int, offset: int
    ) -> tuple[Sequence[Target], int]:
        return await TargetRepository(session).paginate(filters, limit=limit, offset=offset)

    async def list_ready_first(
        self, session: AsyncSession, *, filters: TargetFilters, limit: int, offset: int
    ) -> tuple[Sequence[Target], int]:
        """Ready to dispatch (completed) first, then the rest, each newest first; with a
        status filter, just that status. Two indexed queries, not one sort on an expression."""
        if filters.status is not None:
            return await self.list(session, filters=filters, limit=limit, offset=offset)
        repository = TargetRepository(session)
        ready = filters.model_copy(update={"status": TargetStatus.completed})
        items, ready_total = await repository.paginate(ready, limit=limit, offset=offset)
        if len(items) == limit:
            rest_total = await repository.count(filters, not_status=TargetStatus.completed)
            return items, ready_total + rest_total
        rest, rest_total = await repository.paginate(
            filters,
            limit=limit - len(items),
            offset=max(0, offset - ready_total),
            not_status=TargetStatus.completed,
        )
        return [*items, *rest], ready_total + rest_total

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

    async def detail(self, session: AsyncSession, target_id: uuid.UUID) -> TargetDetail:
        target = await self.get(session, target_id)
        found = await TargetRepository(session).found_emails([target_id])
        detail = TargetDetail.model_validate(target)
        detail.emails_found = [FoundEmail.model_validate(e) for e in found]
        return detail

    async def email_sources(
        self, session: AsyncSession, target_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, FoundEmail]:
        """Where each target's chosen address was found (targets without one are absent)."""
        found = await TargetRepository(session).found_emails(target_ids)
        return {e.target_id: FoundEmail.model_validate(e) for e in found if e.chosen}


target_service = TargetService()
