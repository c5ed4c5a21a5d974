"""The collect flow in mock mode (in-process fakes), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ravensearch.db.models import BusinessStatus, Target, TargetStatus
from ravensearch.errors import InvalidInput
from ravensearch.sources.base import SourceUnavailable, TileSearch
from ravensearch.sources.flows import CollectProgress, collect
from ravensearch.sources.geo import Tile
from ravensearch.sources.patience import OUTAGE_WAITS
from ravensearch.sources.registry import SourceClients
from ravensearch.sources.universe import Universe
from tests.sources.conftest import STATE

Sessionmaker = async_sessionmaker[AsyncSession]


async def _rows(sessionmaker: Sessionmaker) -> list[Target]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Target))).all())


def _stored_ids(rows: list[Target]) -> set[str]:
    return {i for t in rows for v in t.source_ids.values() if isinstance(v, list) for i in v}


class TestCollect:
    async def test_every_open_business_once_and_honest_counts(
        self,
        engine: AsyncEngine,
        sessionmaker: Sessionmaker,
        mock_clients: SourceClients,
        universe: Universe,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        google = mock_clients.google
        assert google is not None
        search = google.search
        connections_during_http: list[int] = []

        async def watched(tile: Tile, trade: str) -> TileSearch:
            # No transaction may stay open while a provider is asked (SQLite's write lock).
            pool: Any = engine.sync_engine.pool
            connections_during_http.append(pool.checkedout())
            return await search(tile, trade)

        monkeypatch.setattr(google, "search", watched)
        progress: list[CollectProgress] = []
        report = await collect(
            sessionmaker, mock_clients, source="all", trade="garage_door", state=STATE,
            on_progress=progress.append,
        )  # fmt: skip
        rows = await _rows(sessionmaker)
        wanted = [
            b for b in universe.businesses(STATE) if "garage_door" in b.trades and not b.closed
        ]
        ids = _stored_ids(rows)
        assert all(b.google_id in ids or b.yelp_id in ids for b in wanted)
        assert report.new_targets == len(rows) == len(wanted)
        assert report.closed_skipped > 0
        assert report.merged > 0
        assert {t.status for t in rows} == {TargetStatus.pending}
        assert set(connections_during_http) == {0}
        assert mock_clients.google_fake is not None
        assert mock_clients.yelp_fake is not None
        assert report.google_api_calls == mock_clients.google_fake.calls
        assert report.yelp_api_calls == mock_clients.yelp_fake.calls
        # Yelp-only targets inside Google's complete answer for the trade: nothing to find.
        assert report.website_lookups_spared > 0
        assert progress[-1].tiles_done == progress[-1].tiles_total == report.tiles
        assert all(p.tiles_done <= p.tiles_total for p in progress)

    async def test_re_collect_adds_nothing_and_keeps_edits(
        self, sessionmaker: Sessionmaker, mock_clients: SourceClients
    ) -> None:
        first = await collect(
            sessionmaker, mock_clients, source="yelp", trade="locksmith", state=STATE
        )
        async with sessionmaker() as session:
            edited = await session.scalar(select(Target).where(Target.website.is_not(None)))
            assert edited is not None
            edited.business_name, edited.email = "Edited Name", "me@edited.example"
            edited.status = TargetStatus.completed
            await session.commit()
        again = await collect(
            sessionmaker, mock_clients, source="yelp", trade="locksmith", state=STATE
        )
        async with sessionmaker() as session:
            reloaded = await session.get(Target, edited.id)
            count = await session.scalar(select(func.count()).select_from(Target))
        assert first.websites_found > 0  # Yelp has no websites: Google supplied them
        assert (again.new_targets, again.website_lookups, count) == (0, 0, first.new_targets)
        assert reloaded is not None
        assert (reloaded.business_name, reloaded.email, reloaded.status) == (
            "Edited Name", "me@edited.example", TargetStatus.completed,
        )  # fmt: skip

    async def test_a_tile_that_keeps_failing_is_recorded_and_the_rest_is_collected(
        self,
        sessionmaker: Sessionmaker,
        mock_clients: SourceClients,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        google = mock_clients.google
        assert google is not None
        search = google.search
        broken: set[Tile] = set()
        pauses: list[float] = []

        async def failing(tile: Tile, trade: str) -> Any:
            if not broken or tile in broken:
                broken.add(tile)  # the first tile asked fails every time
                raise SourceUnavailable("down", provider="google")
            return await search(tile, trade)

        async def no_sleep(seconds: float) -> None:
            pauses.append(seconds)

        monkeypatch.setattr(google, "search", failing)
        report = await collect(
            sessionmaker, mock_clients, source="google", trade="hvac", state=STATE,
            sleep=no_sleep,
        )  # fmt: skip
        assert report.failed_tiles == 1
        assert len(report.tile_errors) == 1
        tries = len(OUTAGE_WAITS) + 1
        assert f"given up after {tries} tries: google: down" in report.tile_errors[0]
        assert pauses == list(OUTAGE_WAITS)  # waited for Google between the tries
        assert len(await _rows(sessionmaker)) == 0  # the root tile was the state

    async def test_a_tile_whose_5xx_outlasts_the_client_waits_and_resumes(
        self,
        sessionmaker: Sessionmaker,
        mock_clients: SourceClients,
        universe: Universe,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        google = mock_clients.google
        assert google is not None
        search = google.search
        failures: list[Tile] = []

        async def flaky(tile: Tile, trade: str) -> Any:
            if len(failures) < 2:
                failures.append(tile)  # the first tile fails twice, then Google is back
                raise SourceUnavailable("503 after retries", provider="google")
            return await search(tile, trade)

        pauses: list[float] = []

        async def no_sleep(seconds: float) -> None:
            pauses.append(seconds)

        monkeypatch.setattr(google, "search", flaky)
        progress: list[CollectProgress] = []
        report = await collect(
            sessionmaker, mock_clients, source="google", trade="plumbing", state=STATE,
            on_progress=progress.append, sleep=no_sleep,
        )  # fmt: skip
        assert failures[0] == failures[1]  # the same tile, asked again after the wait
        assert pauses == list(OUTAGE_WAITS[:2])
        assert (report.failed_tiles, report.tile_errors) == (0, [])
        waits = [p for p in progress if p.waiting_until is not None]
        assert [(p.waiting_for, p.waiting_why) for p in waits] == [("google", "outage")] * 2
        assert progress[-1].waiting_until is None
        wanted = [
            b for b in universe.businesses(STATE)
            if "plumbing" in b.trades and not b.closed and b.on_google
        ]  # fmt: skip
        ids = _stored_ids(await _rows(sessionmaker))
        assert all(b.google_id in ids for b in wanted)

    async def test_collects_everything_when_google_page_tokens_need_a_moment(
        self, sessionmaker: Sessionmaker, mock_clients: SourceClients, universe: Universe
    ) -> None:
        fake = mock_clients.google_fake
        assert fake is not None
        fake.token_delay = 0.3
        try:
            report = await collect(
                sessionmaker, mock_clients, source="google", trade="plumbing", state=STATE
            )
        finally:
            fake.token_delay = 0.0
        wanted = [
            b
            for b in universe.businesses(STATE)
            if "plumbing" in b.trades and not b.closed and b.on_google
        ]
        ids = _stored_ids(await _rows(sessionmaker))
        assert all(b.google_id in ids for b in wanted)
        assert report.google_api_calls == fake.calls  # refused tries count too
        assert report.failed_tiles == 0

    async def test_a_daily_quota_stops_cleanly_keeping_what_was_found(
        self, sessionmaker: Sessionmaker, mock_clients: SourceClients
    ) -> None:
        fake = mock_clients.yelp_fake
        assert fake is not None
        fake.daily_limit = fake.used_today + 12
        report = await collect(sessionmaker, mock_clients, source="yelp", trade="hvac", state=STATE)
        assert report.stopped.startswith("Yelp's daily quota is spent")
        assert "resumes" in report.stopped
        assert len(await _rows(sessionmaker)) > 0


class TestNotOpen:
    """Temporarily closed (and future) businesses: kept with a flag, or skipped on request."""

    @staticmethod
    def _not_open(universe: Universe) -> set[str]:
        return {
            b.key
            for b in universe.businesses(STATE)
            if "garage_door" in b.trades and b.temporarily_closed and not b.closed
        }

    async def test_kept_and_flagged_by_default(
        self, sessionmaker: Sessionmaker, mock_clients: SourceClients, universe: Universe
    ) -> None:
        expected = self._not_open(universe)
        report = await collect(
            sessionmaker, mock_clients, source="all", trade="garage_door", state=STATE
        )
        rows = await _rows(sessionmaker)
        flagged = [t for t in rows if t.business_status == BusinessStatus.closed_temporarily]
        assert expected
        assert len(flagged) == len(expected)
        assert {t.business_status for t in rows} == {
            BusinessStatus.operational,
            BusinessStatus.closed_temporarily,
        }
        assert report.not_open_kept >= len(expected)  # one per listing, Google's and Yelp's
        assert report.not_open_skipped == 0

    async def test_skipped_when_asked(
        self, sessionmaker: Sessionmaker, mock_clients: SourceClients, universe: Universe
    ) -> None:
        expected = self._not_open(universe)
        report = await collect(
            sessionmaker, mock_clients, source="all", trade="garage_door", state=STATE,
            skip_not_open=True,
        )  # fmt: skip
        rows = await _rows(sessionmaker)
        assert {t.business_status for t in rows} == {BusinessStatus.operational}
        by_id = {
            i: b.key for b in universe.businesses(STATE) for i in (b.google_id, b.yelp_id) if i
        }
        assert not {by_id[i] for i in _stored_ids(rows) if i in by_id} & expected
        assert report.not_open_skipped >= len(expected)
        assert report.not_open_kept == 0


class TestInput:
    @pytest.mark.parametrize(
        ("source", "trade", "state"),
        [("all", "baking", "RI"), ("all", "hvac", "ZZ"), ("bing", "hvac", "RI")],
    )
    async def test_bad_input_is_refused_before_any_call(
        self, mock_clients: SourceClients, source: str, trade: str, state: str
    ) -> None:
        unused: Any = None  # refused before the database is touched
        with pytest.raises(InvalidInput):
            await collect(unused, mock_clients, source=source, trade=trade, state=state)
        assert mock_clients.google_fake is not None
        assert mock_clients.google_fake.calls == 0
