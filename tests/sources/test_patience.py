"""One tile's patience: quota and outage waits, bounded, then the tile is given up."""

from __future__ import annotations

import asyncio
from datetime import datetime

from ravensearch.sources.base import SourceUnavailable, TileSearch
from ravensearch.sources.geo import Tile
from ravensearch.sources.google.client import GooglePlacesClient
from ravensearch.sources.google.fake import FakeGoogleState
from ravensearch.sources.patience import (
    ERROR_PAUSE,
    OUTAGE_WAITS,
    RUN_OUTAGE_WAITS,
    TILE_ATTEMPTS,
    PatientSearch,
    TileFailure,
)
from tests.sources.test_google_client import BBOX

TILE = Tile(41.8, -71.5, 41.9, -71.4)


class _Flaky:
    """A client whose first `failures` searches raise a persistent 5xx."""

    name = "google"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def fits(self, tile: Tile) -> bool:
        return True

    async def search(self, tile: Tile, trade: str) -> TileSearch:
        self.calls += 1
        if self.calls <= self.failures:
            raise SourceUnavailable("503 still, after retries", provider="google")
        return TileSearch((), saturated=False, api_calls=1)

    async def aclose(self) -> None:
        return None


class _Recorder:
    def __init__(self) -> None:
        self.pauses: list[float] = []
        self.notices: list[tuple[str, datetime | None, str]] = []

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)

    def on_wait(self, provider: str, until: datetime | None, why: str) -> None:
        self.notices.append((provider, until, why))


class _Gated(_Recorder):
    """Each wait lasts until the test opens its gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: list[asyncio.Event] = []

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()


def _patient(client: object, seen: _Recorder) -> PatientSearch:
    return PatientSearch(client, "hvac", sleep=seen.sleep, on_wait=seen.on_wait)  # type: ignore[arg-type]


class TestOutage:
    async def test_a_5xx_waits_and_resumes_the_same_tile(self) -> None:
        client, seen = _Flaky(failures=2), _Recorder()
        result = await _patient(client, seen).search(TILE)
        assert isinstance(result, TileSearch)
        assert seen.pauses == list(OUTAGE_WAITS[:2])
        # Each wait is announced with its end, then cleared: the job shows it meanwhile.
        assert [(n[0], n[1] is not None, n[2]) for n in seen.notices] == [
            ("google", True, "outage"), ("google", False, "outage"),
        ] * 2  # fmt: skip

    async def test_a_tile_is_given_up_after_a_bounded_number_of_waits(self) -> None:
        client, seen = _Flaky(failures=1000), _Recorder()
        result = await _patient(client, seen).search(TILE)
        assert isinstance(result, TileFailure)
        assert seen.pauses == list(OUTAGE_WAITS)
        assert client.calls == result.tries == len(OUTAGE_WAITS) + 1
        assert f"given up after {len(OUTAGE_WAITS) + 1} tries" in result.describe()

    async def test_once_the_run_spent_its_waits_a_tile_gets_quick_tries_only(self) -> None:
        client, seen = _Flaky(failures=1000), _Recorder()
        patient = _patient(client, seen)
        patient.outage_waits = RUN_OUTAGE_WAITS
        result = await patient.search(TILE)
        assert isinstance(result, TileFailure)
        assert seen.pauses == [ERROR_PAUSE] * (TILE_ATTEMPTS - 1)
        assert seen.notices == []

    async def test_overlapping_waits_keep_the_notice_until_the_last_one_ends(self) -> None:
        client, seen = _Flaky(failures=2), _Gated()
        patient = _patient(client, seen)
        first = asyncio.create_task(patient.search(TILE))
        second = asyncio.create_task(patient.search(Tile(41.9, -71.5, 42.0, -71.4)))
        while len(seen.gates) < 2:
            await asyncio.sleep(0)
        seen.gates[0].set()
        assert isinstance(await first, TileSearch)
        # The other tile still waits: the job must go on saying so.
        assert patient.waiting
        assert seen.notices[-1][1] is not None
        seen.gates[1].set()
        assert isinstance(await second, TileSearch)
        assert not patient.waiting
        assert seen.notices[-1][1] is None

    async def test_the_fakes_5xx_switch_after_the_clients_retries(
        self, google: GooglePlacesClient, google_fake: FakeGoogleState
    ) -> None:
        # The client tries 4 times (FAST: 3 retries); 4 injected 503s outlast them once.
        google_fake.inject(503, count=4)
        seen = _Recorder()
        result = await _patient(google, seen).search(BBOX)
        assert isinstance(result, TileSearch)
        assert len(result.listings) == 60
        assert seen.pauses == [OUTAGE_WAITS[0]]
        assert google_fake.calls == 4 + 3
