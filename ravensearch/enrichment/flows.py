"""Enrich targets across short transactions: claim → crawl (no transaction open) → save.

Claiming commits `enriching` (and one more attempt) before any website is fetched, and
results are written in their own short transactions afterwards: on SQLite an open
transaction holds the write lock, so none may span network I/O. A crash leaves rows in
`enriching` with their attempt counted; the sweep re-runs them by id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.enrichment.crawler import CrawlError, explain_crawl_error
from ravensearch.enrichment.repository import ClaimedTarget, EnrichmentRepository, TargetResult
from ravensearch.enrichment.service import Enricher, InvalidWebsite, UrlReport, parse_website
from ravensearch.kit.clock import utcnow

log = logging.getLogger(__name__)

# Nothing to crawl, nothing to find, or asked not to look: retrying will not help, so
# these are `no_email`.
_NO_EMAIL_ERRORS = frozenset({CrawlError.social_site, CrawlError.robots_disallowed})


@dataclass(frozen=True)
class Outcome:
    status: TargetStatus
    reason: str | None
    report: UrlReport | None = None

    @property
    def email(self) -> str | None:
        best = self.report.best if self.report else None
        return best.email if best else None


@dataclass
class EnrichReport:
    """Counts of one run; `reasons` counts why targets were left without email (no details)."""

    total: int = 0
    completed: int = 0
    no_email: int = 0
    failed: int = 0
    skipped: int = 0
    emails_found: int = 0
    pages_fetched: int = 0
    requests: int = 0  # HTTP requests, 404 probes and redirect hops included
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        if outcome.status is TargetStatus.completed:
            self.completed += 1
        elif outcome.status is TargetStatus.no_email:
            self.no_email += 1
        else:
            self.failed += 1
        if outcome.reason:
            self.reasons[outcome.reason.split(":")[0].split(" (")[0]] += 1
        if outcome.report is not None:
            self.emails_found += len(outcome.report.emails)
            self.pages_fetched += len(outcome.report.pages)
            self.requests += outcome.report.requests


def decide(website: str | None, report: UrlReport | None) -> Outcome:
    """The target's next status, from its website and what crawling it gave."""
    if not website or report is None:
        return Outcome(TargetStatus.no_email, "no website")
    if report.error is not None:
        error = CrawlError(report.error)
        reason = explain_crawl_error(error, report.detail)
        status = TargetStatus.no_email if error in _NO_EMAIL_ERRORS else TargetStatus.failed
        return Outcome(status, reason, report)
    if report.best is not None:
        return Outcome(TargetStatus.completed, None, report)
    if report.emails:
        return Outcome(TargetStatus.no_email, "only invalid emails found", report)
    return Outcome(TargetStatus.no_email, "no email found on the website", report)


async def enrich_targets(
    sessionmaker: async_sessionmaker[AsyncSession],
    enricher: Enricher,
    *,
    target_ids: Sequence[uuid.UUID] | None = None,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EnrichReport:
    """Enrich the given targets, or the `pending` ones (at most `limit`); returns the counts.

    Targets are claimed in slices as crawl slots free up, so a long run never holds
    thousands of rows in `enriching`.
    """
    report = EnrichReport()
    if target_ids is not None:
        async with unit_of_work(sessionmaker) as session:
            queue = await EnrichmentRepository(session).claim(target_ids=target_ids, limit=limit)
        report.total, report.skipped = len(queue), len(set(target_ids)) - len(queue)
        remaining = 0
    else:
        async with unit_of_work(sessionmaker) as session:
            pending = await EnrichmentRepository(session).count_pending()
        report.total = remaining = pending if limit is None else min(limit, pending)
        queue = []
    writer = _Writer(sessionmaker)
    in_flight: set[asyncio.Task[None]] = set()
    done = 0
    if on_progress is not None:
        on_progress(0, report.total)

    async def run(target: ClaimedTarget) -> None:
        outcome = await _enrich_one(enricher, target)
        await writer.save(target.id, outcome)
        report.add(outcome)

    try:
        while True:
            if remaining > 0 and len(queue) < enricher.concurrency:
                async with unit_of_work(sessionmaker) as session:
                    claimed = await EnrichmentRepository(session).claim(
                        target_ids=None, limit=min(remaining, 2 * enricher.concurrency)
                    )
                queue.extend(claimed)
                remaining = remaining - len(claimed) if claimed else 0
            while queue and len(in_flight) < enricher.concurrency:
                in_flight.add(asyncio.create_task(run(queue.pop(0))))
            if not in_flight:
                break
            finished, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                task.result()
                done += 1
                if on_progress is not None:
                    on_progress(done, report.total)
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
    return report


async def _enrich_one(enricher: Enricher, target: ClaimedTarget) -> Outcome:
    if not target.website:
        return decide(None, None)
    try:
        url = parse_website(target.website)
    except InvalidWebsite:
        return Outcome(TargetStatus.failed, "invalid website URL")
    try:
        return decide(url, await enricher.find(url))
    except Exception:
        # One broken site must not stop the batch; the row records it and the log has why.
        log.exception("enrich.target.error target_id=%s", target.id)
        return Outcome(TargetStatus.failed, "internal error while enriching")


class _Writer:
    """Saves outcomes in batches: whoever finds the lock busy leaves its row to the holder."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._lock = asyncio.Lock()
        self._buffer: list[tuple[uuid.UUID, Outcome]] = []

    async def save(self, target_id: uuid.UUID, outcome: Outcome) -> None:
        self._buffer.append((target_id, outcome))
        async with self._lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return
            results = [
                TargetResult(
                    target_id=target_id,
                    status=outcome.status,
                    reason=outcome.reason,
                    email=outcome.email,
                    emails=_email_rows(outcome.report),
                )
                for target_id, outcome in batch
            ]
            async with unit_of_work(self._sessionmaker) as session:
                await EnrichmentRepository(session).save_results(results, now=utcnow())


def _email_rows(report: UrlReport | None) -> list[dict[str, Any]]:
    if report is None:
        return []
    return [
        {
            "email": found.email,
            "method": found.method,
            "page_url": found.page_url[:1000],
            "on_own_domain": found.on_own_domain,
            "is_role": found.verification.is_role,
            "is_free": found.verification.is_free,
            "is_disposable": found.verification.is_disposable,
            "mx_ok": found.verification.mx_ok,
            "verdict": found.verification.verdict.value,
            "reason": (found.verification.reason or "")[:300] or None,
            "score": found.score,
            "chosen": found.chosen,
        }
        for found in report.emails
    ]
