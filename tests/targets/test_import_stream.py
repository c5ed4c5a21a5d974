"""Imports a chunk per transaction: the same targets as one in-memory import, a large file
as a resumable job, and lookups served by the lower(…) indexes."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import Job, JobState, Target, Upload, UploadPart
from ravensearch.db.session import unit_of_work
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.launch import launch_import
from ravensearch.runtime import Runtime
from ravensearch.targets import flows
from ravensearch.targets.repository import TargetRepository, matching_rows_query
from ravensearch.targets.schemas import ImportReport
from ravensearch.targets.service import target_service
from ravensearch.web.admin.job_cards import load_job

# Chunks of 3 rows put each duplicate below in another chunk than the row it repeats.
TRICKY = b"""business_name,first_name,email,phone,website,city,state
Acme Plumbing,,Pat@Acme.com,,,Austin,TX
Best Heating,Sam,,(512) 555-0101,,Dallas,TX
Joe's Plumbing LLC,,,,,San Diego,CA
Acme Plumbing,Pat,pat@ACME.com,(512) 555-0100,,Austin,TX
Best Heating Co,,,512-555-0101,https://bestheat.com,,
not an email,,nope,,,,
joes plumbing,,,,,san  diego,CA
Acme Roofing,,,,https://www.acme-roof.com,Austin,TX
ACME ROOFING,Lee,,,https://acme-roof.com/contact,,
,,missing@name.com,,,,
Other Contact,,sam@bestheat.com,512.555.0101,,,
Best Heating,,,,,Dallas,TX
Keyless Co,,,,,Waco,TX
keyless co.,,,,,Waco,TX
Pat Again,,PAT@acme.com,,,,
"""


async def _snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    columns = (
        Target.business_name,
        Target.first_name,
        Target.email,
        Target.phone_e164,
        Target.website_domain,
        Target.city,
        Target.state,
        Target.status,
    )
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.execute(select(*columns))).all()
    return sorted((tuple(row) for row in rows), key=repr)


async def _clear(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with unit_of_work(sessionmaker) as session:
        await session.execute(delete(Target))


async def _import_in_memory(
    sessionmaker: async_sessionmaker[AsyncSession], content: bytes
) -> ImportReport:
    async with unit_of_work(sessionmaker) as session:
        return await target_service.import_csv(session, content=content)


def _counts(report: ImportReport) -> tuple[int, int, int, list[int]]:
    return report.imported, report.updated, report.skipped, [e.line for e in report.errors]


class TestChunkedImport:
    async def test_same_targets_as_one_in_memory_import(
        self, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        whole = await _import_in_memory(sessionmaker, TRICKY)
        expected = await _snapshot(sessionmaker)
        assert whole.skipped == 2
        # Acme Plumbing, Best Heating (by phone, then its email), Joe's (name spelt two ways),
        # Acme Roofing (by domain and name), Keyless Co.
        assert len(expected) == 5
        await _clear(sessionmaker)

        monkeypatch.setattr(flows, "IMPORT_CHUNK", 3)
        chunked = await flows.import_stream(sessionmaker, io.BytesIO(TRICKY))
        assert await _snapshot(sessionmaker) == expected
        assert _counts(chunked) == _counts(whole)

    async def test_an_unterminated_quote_across_chunks_is_one_error(
        self, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(flows, "IMPORT_CHUNK", 2)
        content = (
            "name,email,city,state\n"
            "Acme Plumbing,pat@acme.com,Austin,TX\n"
            '"Broken Heating,sam@broken.com,Dallas,TX\n'
            "Swallowed Roofing,lee@swallowed.com,Waco,TX\n"
            "Later Electric,kim@later.com,Tyler,TX\n"
        ).encode("cp1252")
        content = content.replace(b"Later", "Läter".encode("cp1252"))
        report = await flows.import_stream(sessionmaker, io.BytesIO(content))
        assert _counts(report) == (1, 0, 1, [3])
        assert report.encoding == "Windows-1252 (Excel on Windows)"
        names = [row[0] for row in await _snapshot(sessionmaker)]
        assert names == ["Acme Plumbing"]

    async def test_again_merges_everything_and_blanks_nothing(
        self, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(flows, "IMPORT_CHUNK", 3)
        first = await flows.import_stream(sessionmaker, io.BytesIO(TRICKY))
        before = await _snapshot(sessionmaker)
        again = await flows.import_stream(sessionmaker, io.BytesIO(TRICKY))
        assert await _snapshot(sessionmaker) == before
        assert again.imported == 0
        assert again.updated == first.imported + first.updated


def _large_file(rows: int) -> bytes:
    lines = ["business_name,email,city,state"]
    for n in range(rows):
        # Every fifth row repeats an earlier one in other case; every seventh is bad.
        email = f"tech{n - 3}@Example.com" if n % 5 == 4 else f"tech{n}@example.com"
        lines.append(f"Tech {n},{'bad' if n % 7 == 6 else email},Austin,TX")
    return ("\n".join(lines) + "\n").encode()


class _Crash(BaseException):
    """The process dying between two chunks (not an error the job could report)."""


class TestImportJob:
    async def test_resumes_after_a_crash_without_doubling_a_row(
        self, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        content = _large_file(40)
        monkeypatch.setattr(flows, "IMPORT_CHUNK", 6)
        queued: list[uuid.UUID] = []
        job = await launch_import(
            runtime.sessionmaker,
            queued.append,
            stream=io.BytesIO(content),
            filename="big.csv",
            rows_estimate=40,
        )
        assert queued == [job.id]
        upload_id = uuid.UUID(job.params["upload_id"])

        def crash_after_two_chunks(done: int, _total: int | None, _r: ImportReport) -> None:
            if done >= 12:
                raise _Crash

        with pytest.raises(_Crash):
            await flows.import_upload(
                runtime.sessionmaker, upload_id, on_progress=crash_after_two_chunks
            )
        async with unit_of_work(runtime.sessionmaker) as session:
            upload = await session.get(Upload, upload_id)
            assert upload is not None
            assert upload.rows_done == 12

        assert await execute_job(runtime, job.id) == JobState.succeeded
        resumed = await _snapshot(runtime.sessionmaker)
        async with unit_of_work(runtime.sessionmaker) as session:
            finished = await session.get(Job, job.id)
            assert finished is not None
            counts, errors = dict(finished.counts), list(finished.errors)
            assert await session.scalar(select(func.count()).select_from(UploadPart)) == 0
            assert await session.get(Upload, upload_id) is None

        await _clear(runtime.sessionmaker)
        once = await _import_in_memory(runtime.sessionmaker, content)
        assert await _snapshot(runtime.sessionmaker) == resumed
        assert (counts["imported"], counts["updated"], counts["skipped"]) == _counts(once)[:3]
        # The bad rows of the chunks before the crash are counted; only later ones are listed.
        after_crash = [f"Line {e.line}: {e.reason}" for e in once.errors if e.line > 13]
        assert errors == after_crash

    async def test_api_answers_202_and_the_job_imports_the_stored_file(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        runtime: Runtime,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        queued: list[uuid.UUID] = []
        app.state.enqueue = queued.append
        monkeypatch.setattr(flows, "SYNC_MAX_ROWS", 10)
        content = _large_file(30)
        response = await client.post(
            "/api/targets/import", files={"file": ("big.csv", content, "text/csv")}
        )
        assert response.status_code == 202
        job_id = uuid.UUID(response.json()["jobId"])
        assert queued == [job_id]
        async with unit_of_work(runtime.sessionmaker) as session:
            stored = await session.scalar(select(Upload))
            assert stored is not None
            assert stored.size_bytes == len(content)

        assert await execute_job(runtime, job_id) == JobState.succeeded
        job = (await client.get(f"/api/jobs/{job_id}")).json()
        assert (job["kind"], job["state"]) == ("import", "succeeded")
        assert job["counts"]["imported"] + job["counts"]["updated"] == 30 - 4
        assert job["counts"]["skipped"] == 4
        assert job["progress"] == {"done": 30, "total": 30}
        assert job["counts"]["encoding"] == "UTF-8"  # said on the job card too
        async with unit_of_work(runtime.sessionmaker) as session:
            card = await load_job(session, job_id)
        assert "read as UTF-8" in card.facts

    async def test_a_large_file_without_a_name_column_is_refused_at_once(
        self, client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        queued: list[uuid.UUID] = []
        app.state.enqueue = queued.append
        monkeypatch.setattr(flows, "SYNC_MAX_ROWS", 10)
        content = b"email\n" + b"a@b.com\n" * 20
        response = await client.post(
            "/api/targets/import", files={"file": ("big.csv", content, "text/csv")}
        )
        assert response.status_code == 400
        assert "no business name column" in response.json()["detail"]
        assert queued == []


class TestLookupIndexes:
    async def test_email_lookup_uses_the_lower_email_index(
        self, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        rows = [
            {"id": uuid.uuid4(), "business_name": f"Tech {n}", "email": f"t{n}@example.com"}
            for n in range(5000)
        ]
        async with unit_of_work(sessionmaker) as session:
            await TargetRepository(session).insert_rows(rows)
        query = matching_rows_query(
            emails={"t1@example.com", "t2@example.com"},
            phones=(),
            domains=(),
            names=(),
            dialect=engine.dialect.name,
        )
        sql = str(query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
        postgres = engine.dialect.name == "postgresql"
        async with engine.connect() as connection:
            if postgres:
                await connection.execute(text("ANALYZE outreach_targets"))
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = "\n".join(str(r[-1]) for r in await connection.execute(text(explain + sql)))
        assert "ix_outreach_targets_email_lower" in plan
        assert "Seq Scan" not in plan
        assert "SCAN outreach_targets" not in plan
