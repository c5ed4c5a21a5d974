"""Suppressions ⇄ Instantly's block list: pushed once, retried when it fails, pulled back
with source `instantly`, and nothing ever removed by a sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import AuditEntry, Suppression
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.fake import FakeInstantlyState
from ravensearch.kit.clock import utcnow
from ravensearch.suppressions.blocklist import INSTANTLY_SOURCE, blocklist_sync_service
from ravensearch.suppressions.flows import INVALID, pull_blocklist, push_waiting, sync_blocklist
from ravensearch.suppressions.service import SuppressionEntry, suppression_service
from tests.fixtures.web import TEST_API_KEY

Sessionmaker = async_sessionmaker[AsyncSession]
SINGLE = ("POST", "/api/v2/block-lists-entries")
BULK = ("POST", "/api/v2/block-lists-entries/bulk-create")
LIST = ("GET", "/api/v2/block-lists-entries")


async def suppress(sessionmaker: Sessionmaker, *values: str, source: str = "manual") -> None:
    async with unit_of_work(sessionmaker) as session:
        await suppression_service.add_many(
            session, [SuppressionEntry(v, None, source) for v in values]
        )


async def rows(sessionmaker: Sessionmaker) -> dict[str, Suppression]:
    async with unit_of_work(sessionmaker) as session:
        return {s.value: s for s in (await session.scalars(select(Suppression))).all()}


def calls(state: FakeInstantlyState) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _ in state.request_log]


def blocked(state: FakeInstantlyState) -> dict[str, str]:
    return {entry.bl_value: entry.id for entry in state.blocklist.values()}


class TestPush:
    async def test_one_waiting_value_goes_in_one_post(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "Gone@Acme.com")
        report = await push_waiting(sessionmaker, instantly)
        assert (report.pushed, report.failed, report.error) == (1, 0, None)
        assert calls(fake_state) == [SINGLE]
        row = (await rows(sessionmaker))["gone@acme.com"]
        assert row.instantly_entry_id == blocked(fake_state)["gone@acme.com"]
        assert row.instantly_synced_at is not None
        assert row.instantly_error is None
        # Done: the next sweep finds nothing to send.
        assert (await push_waiting(sessionmaker, instantly, retry=True)).pushed == 0
        assert calls(fake_state) == [SINGLE]

    async def test_several_go_in_bulk_calls_of_at_most_1000(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        values = [f"t{i}@hvac.example" for i in range(1499)] + ["rival.example"]
        await suppress(sessionmaker, *values)
        report = await push_waiting(sessionmaker, instantly)
        assert (report.pushed, report.failed) == (1500, 0)
        assert calls(fake_state) == [BULK, BULK]
        stored = await rows(sessionmaker)
        on_instantly = blocked(fake_state)
        assert {v: r.instantly_entry_id for v, r in stored.items()} == on_instantly
        assert fake_state.blocklist[on_instantly["rival.example"]].is_domain

    async def test_a_failure_is_kept_and_retried_never_lost(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "a@acme.com", "b@acme.com")
        fake_state.fail_next(4, 503, path="/block-lists-entries")
        report = await push_waiting(sessionmaker, instantly)
        assert (report.pushed, report.failed) == (0, 2)
        assert (
            report.error == "Instantly answered with a server error (HTTP 503); try again shortly."
        )
        stored = await rows(sessionmaker)
        assert all(r.instantly_synced_at is None for r in stored.values())
        assert {r.instantly_error for r in stored.values()} == {report.error}
        # The minutely sweep sends only new ones; the back-off holds the sync for a while.
        assert (await push_waiting(sessionmaker, instantly)).pushed == 0
        assert (await push_waiting(sessionmaker, instantly, retry=True)).pushed == 0
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(Suppression).values(instantly_attempted_at=utcnow() - timedelta(minutes=11))
            )
        retried = await push_waiting(sessionmaker, instantly, retry=True)
        assert (retried.pushed, retried.failed) == (2, 0)
        assert set(blocked(fake_state)) == {"a@acme.com", "b@acme.com"}
        assert all(r.instantly_error is None for r in (await rows(sessionmaker)).values())

    async def test_force_retries_now(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "a@acme.com")
        fake_state.fail_next(4, 500, path="/block-lists-entries")
        assert (await push_waiting(sessionmaker, instantly)).failed == 1
        async with unit_of_work(sessionmaker) as session:
            # Not while a push may still be in flight (another process's).
            assert (
                await blocklist_sync_service.claim(session, limit=10, retry=True, force=True) == []
            )
            await session.execute(
                update(Suppression).values(instantly_attempted_at=utcnow() - timedelta(minutes=3))
            )
        assert (await push_waiting(sessionmaker, instantly, force=True)).pushed == 1

    async def test_a_value_instantly_counts_invalid_says_so(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "ok@acme.com")
        async with unit_of_work(sessionmaker) as session:
            # Stored before today's checks: Instantly refuses the underscore.
            session.add(Suppression(value="old@under_score.example", kind="email", source="bounce"))
        report = await push_waiting(sessionmaker, instantly)
        assert (report.pushed, report.failed) == (1, 1)
        stored = await rows(sessionmaker)
        assert stored["old@under_score.example"].instantly_error == INVALID
        assert stored["old@under_score.example"].instantly_synced_at is None
        assert stored["ok@acme.com"].instantly_synced_at is not None

    async def test_two_pushers_never_claim_the_same_row(self, sessionmaker: Sessionmaker) -> None:
        await suppress(sessionmaker, "a@acme.com", "b@acme.com")
        async with unit_of_work(sessionmaker) as session:
            first = await blocklist_sync_service.claim(session, limit=10, retry=True, force=True)
        async with unit_of_work(sessionmaker) as session:
            second = await blocklist_sync_service.claim(session, limit=10, retry=True, force=True)
        assert sorted(v for _, v in first) == ["a@acme.com", "b@acme.com"]
        assert second == []


class TestPull:
    async def test_every_page_becomes_a_suppression_from_instantly(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        for i in range(230):
            fake_state.add_blocklist_entry(f"t{i}@hvac.example")
        fake_state.add_blocklist_entry("Rival.example")
        await suppress(sessionmaker, "only-here@acme.com")
        report = await pull_blocklist(sessionmaker, instantly)
        assert (report.pulled, report.matched, report.error) == (231, 0, None)
        assert calls(fake_state).count(LIST) >= 3  # paged to the end
        stored = await rows(sessionmaker)
        rival = stored["rival.example"]
        assert (rival.kind, rival.source, rival.reason) == (
            "domain",
            INSTANTLY_SOURCE,
            "On Instantly's block list",
        )
        assert rival.instantly_entry_id == blocked(fake_state)["rival.example"]
        # Never pushed back; and ours, missing there, is neither deleted nor changed.
        before = len(fake_state.request_log)
        assert (await push_waiting(sessionmaker, instantly, force=True)).pushed == 1
        assert calls(fake_state)[before:] == [SINGLE]
        assert "only-here@acme.com" in blocked(fake_state)
        assert len(await rows(sessionmaker)) == 232

    async def test_a_push_a_crash_left_unrecorded_is_found_not_sent_again(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "a@acme.com", "b@acme.com")
        async with unit_of_work(sessionmaker) as session:
            claimed = await blocklist_sync_service.claim(session, limit=10, retry=False)
        await instantly.bulk_add_to_blocklist([value for _, value in claimed])
        # ...and the process died before recording it. Later, the periodic sync:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(Suppression).values(instantly_attempted_at=utcnow() - timedelta(hours=1))
            )
        before = len(fake_state.request_log)
        report = await sync_blocklist(sessionmaker, instantly)
        assert (report.matched, report.pulled, report.pushed) == (2, 0, 0)
        assert BULK not in calls(fake_state)[before:]
        assert SINGLE not in calls(fake_state)[before:]
        stored = await rows(sessionmaker)
        assert {v: r.instantly_entry_id for v, r in stored.items()} == blocked(fake_state)

    async def test_a_value_a_person_removed_here_stays_removed(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        await suppress(sessionmaker, "was-wrong@acme.com")
        await push_waiting(sessionmaker, instantly)
        async with unit_of_work(sessionmaker) as session:
            await suppression_service.remove_by_user(session, "was-wrong@acme.com", user=None)
        fake_state.add_blocklist_entry("blocked-later@acme.com")
        async with unit_of_work(sessionmaker) as session:
            await suppression_service.add(session, "x.example", source="manual")
            await suppression_service.remove_by_user(session, "x.example", user=None)
            # A minute ago: Instantly's times have milliseconds only, so not the same one.
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.subject == "x.example")
                .values(created_at=utcnow() - timedelta(minutes=1))
            )
        fake_state.add_blocklist_entry("x.example")  # blocked in Instantly after the removal
        report = await sync_blocklist(sessionmaker, instantly)
        assert (report.kept_removed, report.pulled) == (1, 2)
        assert set(await rows(sessionmaker)) == {"blocked-later@acme.com", "x.example"}


class TestScopes:
    @pytest.fixture(autouse=True)
    def limited_key(self, fake_state: FakeInstantlyState) -> None:
        fake_state.key_scopes[TEST_API_KEY] = {"campaigns:all", "leads:all"}

    async def test_push_names_the_missing_scope(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient
    ) -> None:
        await suppress(sessionmaker, "a@acme.com", "b@acme.com")
        report = await push_waiting(sessionmaker, instantly)
        assert report.failed == 2
        assert report.error is not None
        assert "works but lacks the block_list_entries:create scope" in report.error
        assert "Instantly → Settings → API keys" in report.error
        stored = await rows(sessionmaker)
        assert {r.instantly_error for r in stored.values()} == {report.error}

    async def test_pull_names_the_missing_scope(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient
    ) -> None:
        report = await pull_blocklist(sessionmaker, instantly)
        assert report.error is not None
        assert "lacks the block_list_entries:read scope" in report.error

    async def test_a_broken_key_is_not_called_a_missing_scope(
        self, sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
    ) -> None:
        fake_state.api_keys.clear()
        report = await pull_blocklist(sessionmaker, instantly)
        assert report.error is not None
        assert report.error.startswith("Instantly rejected the API key")


async def test_summary_counts_what_the_page_shows(
    sessionmaker: Sessionmaker, instantly: InstantlyClient, fake_state: FakeInstantlyState
) -> None:
    await suppress(sessionmaker, "a@acme.com")
    await push_waiting(sessionmaker, instantly)
    await suppress(sessionmaker, "b@acme.com", "c@acme.com")
    fake_state.fail_next(4, 503, path="/block-lists-entries")
    await push_waiting(sessionmaker, instantly)
    await suppress(sessionmaker, "d@acme.com")
    async with unit_of_work(sessionmaker) as session:
        summary = await blocklist_sync_service.summary(session)
    assert (summary.on_instantly, summary.waiting, summary.failing) == (1, 3, 2)
    assert (
        summary.last_error
        == "Instantly answered with a server error (HTTP 503); try again shortly."
    )
