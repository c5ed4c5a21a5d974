"""A collect job through a Google outage: it waits and resumes the tile, says so on the
job, and gives a tile up only after a bounded number of waits, keeping the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ravensearch.config import Settings
from ravensearch.db.models import Job, JobState
from ravensearch.jobs.execute import execute_job
from ravensearch.jobs.launch import launch_collect
from ravensearch.jobs.service import JobTracker
from ravensearch.runtime import Runtime
from ravensearch.sources import patience
from ravensearch.sources.base import SourceUnavailable
from ravensearch.sources.geo import Tile
from ravensearch.sources.registry import SourceClients, build_source_clients
from ravensearch.sources.universe import Universe

STATE = "RI"


@pytest.fixture
async def sources(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SourceClients]:
    settings = Settings(_env_file=None, GOOGLE_PLACES_API_KEY="", YELP_API_KEY="")  # type: ignore[call-arg]
    universe = Universe(states={STATE}, min_per_state=1500)
    # The real waits are minutes; what matters here is that they happen and are shown.
    monkeypatch.setattr(patience, "OUTAGE_WAITS", (0.01, 0.01, 0.01))
    async with build_source_clients(settings, universe=universe) as clients:
        runtime.sources = clients
        yield clients
    runtime.sources = None


def _failing_tile(
    clients: SourceClients, monkeypatch: pytest.MonkeyPatch, times: int
) -> list[Tile]:
    """The second tile asked answers a persistent 5xx `times` times."""
    google = clients.google
    assert google is not None
    search = google.search
    asked: list[Tile] = []
    failures: list[Tile] = []

    async def flaky(tile: Tile, trade: str) -> Any:
        if tile not in asked:
            asked.append(tile)
        if len(asked) >= 2 and tile == asked[1] and len(failures) < times:
            failures.append(tile)
            raise SourceUnavailable("503 after the client's retries", provider="google")
        return await search(tile, trade)

    monkeypatch.setattr(google, "search", flaky)
    return failures


def _waits_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    progress = JobTracker.progress

    def recorded(self: JobTracker, done: int, total: int | None = None, **counts: Any) -> None:
        if counts.get("waiting"):
            shown.append(counts["waiting"])
        progress(self, done, total, **counts)

    monkeypatch.setattr(JobTracker, "progress", recorded)
    return shown


async def _run(runtime: Runtime) -> Job:
    job = await launch_collect(
        runtime.sessionmaker, lambda _id: None, source="google", trade="plumbing", state=STATE
    )
    assert await execute_job(runtime, job.id) == JobState.succeeded
    async with runtime.sessionmaker() as session:
        row = await session.get(Job, job.id)
    assert row is not None
    return row


async def test_the_job_waits_for_google_and_resumes_the_tile(
    runtime: Runtime, sources: SourceClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = _failing_tile(sources, monkeypatch, times=2)
    shown = _waits_shown(monkeypatch)
    job = await _run(runtime)
    assert len(failures) == 2
    assert len(shown) == 2
    assert all(
        w.startswith("waiting for Google to answer again (server errors) until") for w in shown
    )
    assert (job.counts["failed_tiles"], job.errors) == (0, [])
    assert job.counts["waiting"] == ""  # cleared once Google answered
    assert job.counts["new_targets"] > 0


async def test_a_tile_down_past_the_waits_is_recorded_and_the_rest_kept(
    runtime: Runtime, sources: SourceClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = _failing_tile(sources, monkeypatch, times=1000)
    job = await _run(runtime)
    assert len(failures) == len(patience.OUTAGE_WAITS) + 1
    assert job.counts["failed_tiles"] == 1
    assert len(job.errors) == 1
    assert "given up after 4 tries" in job.errors[0]
    assert job.counts["new_targets"] > 0
