"""`enrich_targets` on SQLite and PostgreSQL, against the local corpus."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Target, TargetEmail
from ravensearch.db.session import unit_of_work
from ravensearch.enrichment.crawler import CrawlError
from ravensearch.enrichment.flows import decide, enrich_targets
from ravensearch.enrichment.netguard import StaticHostResolver
from ravensearch.enrichment.service import Enricher, UrlReport
from ravensearch.enrichment.verify import MxStatus
from tests.enrichment.conftest import PUBLIC_IP, make_enricher
from tests.fixtures.factories import create_target

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def enricher() -> AsyncIterator[Enricher]:
    resolver = StaticHostResolver({"intranet-hvac.com": "10.0.0.8"}, default=PUBLIC_IP)
    mx = {"topnotch-roofing.com": MxStatus.no_domain}
    async with make_enricher(mx=mx, resolver=resolver) as enricher:
        yield enricher


async def _targets(sessionmaker: Maker, **websites: str | None) -> dict[str, uuid.UUID]:
    async with unit_of_work(sessionmaker) as session:
        ids = {}
        for name, website in websites.items():
            target = await create_target(
                session, business_name=name, website=website, email=None, status="pending"
            )
            ids[name] = target.id
        return ids


async def _load(sessionmaker: Maker, target_id: uuid.UUID) -> tuple[Target, list[TargetEmail]]:
    async with sessionmaker() as session:
        target = await session.get(Target, target_id)
        assert target is not None
        emails = await session.scalars(
            select(TargetEmail)
            .where(TargetEmail.target_id == target_id)
            .order_by(TargetEmail.score.desc())
        )
        return target, list(emails)


async def test_each_target_ends_with_its_status_and_reason(
    sessionmaker: Maker, enricher: Enricher
) -> None:
    ids = await _targets(
        sessionmaker,
        found="https://acme-plumbing.com/",
        free_mail="pest-away.com",
        nothing="https://quiet-roofing.com",
        invalid="topnotch-roofing.com",
        no_site=None,
        facebook="https://www.facebook.com/acmeplumbing",
        private="http://intranet-hvac.com/",
        gone="https://gone-plumbing.com/",
        keep_out="keepout-plumbing.com",
    )
    async with unit_of_work(sessionmaker) as session:
        untouched = await create_target(session, website="https://sparky-electric.com")
    progress: list[tuple[int, int]] = []

    report = await enrich_targets(
        sessionmaker, enricher, on_progress=lambda done, total: progress.append((done, total))
    )

    expected: dict[str, tuple[str, str | None, str | None]] = {
        "found": ("completed", None, "office@acme-plumbing.com"),
        "free_mail": ("completed", None, "pestaway.tx@gmail.com"),
        "nothing": ("no_email", "no email found on the website", None),
        "invalid": ("no_email", "only invalid emails found", None),
        "no_site": ("no_email", "no website", None),
        "facebook": ("no_email", "social-only website (facebook.com)", None),
        "private": ("failed", "refused: website resolves to a private address (10.0.0.8)", None),
        "gone": ("failed", "website answered HTTP 404", None),
        "keep_out": ("no_email", "the website's robots.txt asks crawlers not to read it", None),
    }
    for name, (status, reason, email) in expected.items():
        target, _ = await _load(sessionmaker, ids[name])
        assert (target.status, target.status_reason, target.email) == (status, reason, email), name
        assert target.enrich_attempts == 1
        assert target.enriched_at is not None
    assert (report.completed, report.no_email, report.failed) == (2, 5, 2)
    assert (report.total, report.emails_found) == (9, 5 + 2 + 2)
    assert progress[0] == (0, 9)
    assert progress[-1] == (9, 9)
    target, _ = await _load(sessionmaker, untouched.id)
    assert (target.enrich_attempts, target.enriched_at) == (0, None)


async def test_found_addresses_are_stored_with_method_page_and_check(
    sessionmaker: Maker, enricher: Enricher
) -> None:
    ids = await _targets(sessionmaker, found="acme-plumbing.com", invalid="topnotch-roofing.com")
    await enrich_targets(sessionmaker, enricher)
    _, rows = await _load(sessionmaker, ids["found"])
    assert len(rows) == 5
    best = rows[0]
    assert (best.email, best.method, best.page_url) == (
        "office@acme-plumbing.com",
        "mailto",
        "https://acme-plumbing.com/",
    )
    assert (best.chosen, best.verdict, best.mx_ok, best.is_role, best.on_own_domain) == (
        True,
        "valid",
        True,
        True,
        True,
    )
    assert [row.chosen for row in rows].count(True) == 1
    _, invalid = await _load(sessionmaker, ids["invalid"])
    assert {(r.verdict, r.reason, r.chosen) for r in invalid} == {
        ("invalid", "domain does not exist", False)
    }


async def test_given_ids_re_enrich_failed_targets_and_skip_completed_ones(
    sessionmaker: Maker, enricher: Enricher
) -> None:
    async with unit_of_work(sessionmaker) as session:
        retry = await create_target(
            session, website="sparky-electric.com", email=None, status="failed", enrich_attempts=1
        )
        done = await create_target(session, website="acme-plumbing.com", email="x@acme.com")
        marked_done = await create_target(session, website="pest-away.com", email=None)
    ids = [retry.id, done.id, marked_done.id]
    report = await enrich_targets(sessionmaker, enricher, target_ids=ids)
    assert (report.total, report.skipped, report.completed) == (1, 2, 1)
    target, _ = await _load(sessionmaker, retry.id)
    assert (target.status, target.email, target.enrich_attempts) == (
        "completed",
        "sparky@sparky-electric.com",
        2,
    )
    target, rows = await _load(sessionmaker, done.id)
    assert (target.email, target.enrich_attempts, rows) == ("x@acme.com", 0, [])
    target, rows = await _load(sessionmaker, marked_done.id)
    assert (target.status, target.enrich_attempts, rows) == ("completed", 0, [])


async def test_an_email_already_on_the_target_is_kept(
    sessionmaker: Maker, enricher: Enricher
) -> None:
    async with unit_of_work(sessionmaker) as session:
        target = await create_target(
            session, website="acme-plumbing.com", email="owner@elsewhere.com", status="pending"
        )
    await enrich_targets(sessionmaker, enricher)
    stored, rows = await _load(sessionmaker, target.id)
    assert (stored.status, stored.email) == ("completed", "owner@elsewhere.com")
    assert len(rows) == 5


async def test_limit_and_a_crash_on_one_site(
    sessionmaker: Maker, enricher: Enricher, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _targets(
        sessionmaker, a="acme-plumbing.com", b="pest-away.com", c="garage-pros.com"
    )
    real_find = enricher.find

    async def find(url: str) -> Any:
        if "pest-away" in url:
            raise RuntimeError("parser exploded")
        return await real_find(url)

    monkeypatch.setattr(enricher, "find", find)
    report = await enrich_targets(sessionmaker, enricher, limit=2)
    assert (report.total, report.completed, report.failed) == (2, 1, 1)
    statuses = {name: (await _load(sessionmaker, ids[name]))[0].status for name in ids}
    assert statuses == {"a": "completed", "b": "failed", "c": "pending"}
    failed, _ = await _load(sessionmaker, ids["b"])
    assert failed.status_reason == "internal error while enriching"


@pytest.mark.parametrize("error", list(CrawlError))
def test_every_crawl_error_has_a_status_and_a_reason(error: CrawlError) -> None:
    outcome = decide(
        "https://acme.com/", UrlReport(url="https://acme.com/", error=error, detail="x")
    )
    assert outcome.status in ("no_email", "failed")
    assert outcome.reason
    assert "{" not in outcome.reason
