"""CSV imports across transactions: a large file is stored, then streamed by a job chunk by
chunk, each chunk committed with the checkpoint a restarted job resumes from."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import TargetSource
from ravensearch.db.session import unit_of_work
from ravensearch.errors import NotFound
from ravensearch.targets.csv_import import (
    MAX_IMPORT_BYTES,
    CsvImportError,
    CsvRow,
    encoding_name,
    open_csv_text,
    read_targets_csv,
)
from ravensearch.targets.schemas import ImportReport, RowError
from ravensearch.targets.service import IMPORT_CHUNK, ImportRun, target_service
from ravensearch.uploads.repository import PART_BYTES, UploadRepository

# Files with more rows than this are imported by a job (the request answers 202 at once).
SYNC_MAX_ROWS = 10_000
# A job's report keeps the first bad rows by line; `skipped` counts them all.
JOB_ERRORS_KEPT = 1000

# Called with (rows done, rows expected, the report so far) after each committed chunk.
StreamProgress = Callable[[int, int | None, ImportReport], None]


class UploadGone(NotFound):
    """The import job's stored file was deleted (404)."""


def measure(stream: BinaryIO) -> tuple[int, int]:
    """(bytes, data rows) of a file, read in parts; a quoted line break counts as a row."""
    stream.seek(0)
    size = lines = 0
    last = b"\n"
    while part := stream.read(PART_BYTES):
        size += len(part)
        lines += part.count(b"\n")
        last = part[-1:]
    stream.seek(0)
    return size, max(0, lines + (last != b"\n") - 1)


def is_small(size: int, rows: int) -> bool:
    """Whether a request imports the file itself (in memory, in one transaction)."""
    return rows <= SYNC_MAX_ROWS and size <= MAX_IMPORT_BYTES


def _next_chunk(items: Iterator[CsvRow | RowError]) -> list[CsvRow | RowError]:
    return list(itertools.islice(items, IMPORT_CHUNK))


async def import_stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    stream: BinaryIO,
    *,
    source: str = TargetSource.csv,
    upload_id: uuid.UUID | None = None,
    rows_expected: int | None = None,
    on_progress: StreamProgress | None = None,
) -> ImportReport:
    """Import a seekable CSV stream a chunk per transaction, with one chunk in memory.

    With `upload_id`, each chunk's transaction also records how far the import got, and
    the rows before that point are passed over: calling again after a crash finishes the
    file without counting or writing a row twice.
    """
    run = ImportRun(errors_kept=JOB_ERRORS_KEPT)
    done = 0
    if upload_id is not None:
        async with unit_of_work(sessionmaker) as session:
            upload = await UploadRepository(session).get(upload_id)
            if upload is None:
                raise UploadGone("The file of this import is gone: upload it again.")
            done = upload.rows_done
            run.report = ImportReport(
                imported=upload.imported, updated=upload.updated, skipped=upload.skipped
            )
    text = await asyncio.to_thread(open_csv_text, stream)
    run.report.encoding = encoding_name(text)
    try:
        return await _import_chunks(
            sessionmaker,
            read_targets_csv(text, skip=done),
            run,
            done,
            source=source,
            upload_id=upload_id,
            rows_expected=rows_expected,
            on_progress=on_progress,
        )
    finally:
        text.detach()  # the stream is the caller's to close


async def _import_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    items: Iterator[CsvRow | RowError],
    run: ImportRun,
    done: int,
    *,
    source: str,
    upload_id: uuid.UUID | None,
    rows_expected: int | None,
    on_progress: StreamProgress | None,
) -> ImportReport:
    # Parsing and validating is CPU work: each chunk is read off the event loop.
    while chunk := await asyncio.to_thread(_next_chunk, items):
        async with unit_of_work(sessionmaker) as session:
            rows = [item for item in chunk if isinstance(item, CsvRow)]
            await target_service.import_chunk(session, rows=rows, run=run, source=source)
            run.add_errors([item for item in chunk if isinstance(item, RowError)])
            done += len(chunk)
            if upload_id is not None:
                await UploadRepository(session).save_checkpoint(
                    upload_id,
                    rows_done=done,
                    imported=run.report.imported,
                    updated=run.report.updated,
                    skipped=run.report.skipped,
                )
        if on_progress is not None:
            on_progress(done, rows_expected, run.report)
    return run.report


async def import_upload(
    sessionmaker: async_sessionmaker[AsyncSession],
    upload_id: uuid.UUID,
    *,
    on_progress: StreamProgress | None = None,
) -> ImportReport:
    """The body of an import job: the stored file, copied to a local temporary file (so
    memory stays flat however large it is), imported, then deleted."""
    with tempfile.TemporaryFile() as spool:
        async with unit_of_work(sessionmaker) as session:
            uploads = UploadRepository(session)
            upload = await uploads.get(upload_id)
            if upload is None:
                raise UploadGone("The file of this import is gone: upload it again.")
            rows_expected = upload.rows_estimate
            async for part in uploads.parts(upload_id):
                spool.write(part)
        spool.seek(0)
        try:
            report = await import_stream(
                sessionmaker,
                spool,
                upload_id=upload_id,
                rows_expected=rows_expected,
                on_progress=on_progress,
            )
        except CsvImportError:
            await _forget(sessionmaker, upload_id)  # the file can never be imported
            raise
    await _forget(sessionmaker, upload_id)
    return report


async def _forget(sessionmaker: async_sessionmaker[AsyncSession], upload_id: uuid.UUID) -> None:
    async with unit_of_work(sessionmaker) as session:
        await UploadRepository(session).delete(upload_id)
