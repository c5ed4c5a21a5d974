"""Job cards of the Targets tab: a collect, enrich or dispatch job as its card shows it
(title, progress, counts, skipped reasons). A card polls `targets:job` while its job runs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.db.models import Job, JobKind, JobState
from ravensearch.dispatch.service import SkipReason
from ravensearch.jobs.service import EARLIER_ATTEMPTS, PROGRESS_DONE, PROGRESS_TOTAL, job_service
from ravensearch.kit.trades import trade_label

Choices = tuple[tuple[str, str], ...]

COLLECT_SOURCES: Choices = (("all", "Google and Yelp"), ("google", "Google"), ("yelp", "Yelp"))
SKIP_LABELS: dict[str, str] = {
    SkipReason.not_found: "No longer exists",
    SkipReason.no_email: "No email address",
    SkipReason.invalid_email: "Email address is invalid",
    SkipReason.not_completed: "Not enriched yet",
    SkipReason.suppressed: "On the suppression list",
    SkipReason.already_dispatched: "Already in this campaign",
    SkipReason.duplicate_email: "Email already used in this campaign",
    SkipReason.wrong_trade: "Another trade than the campaign's",
}


@dataclass(frozen=True)
class SkipGroup:
    reason: str
    label: str
    count: int


def skip_groups(counts: Mapping[str, int]) -> tuple[SkipGroup, ...]:
    groups = [SkipGroup(r, SKIP_LABELS.get(r, r.replace("_", " ")), n) for r, n in counts.items()]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.label)))


@dataclass(frozen=True)
class JobView:
    """A collect, enrich or dispatch job as its card shows it (the card polls while active)."""

    id: uuid.UUID
    kind: str
    state: str
    title: str
    done: int
    total: int | None
    facts: tuple[str, ...]
    skipped: tuple[SkipGroup, ...]
    errors: tuple[str, ...]
    message: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.queued, JobState.running)

    @property
    def percent(self) -> int | None:
        """0–100, or None while the total is unknown (an indeterminate bar)."""
        if not self.is_active:
            return 100
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _title(job: Job, campaign_names: Mapping[uuid.UUID, str]) -> str:
    params = job.params or {}
    if job.kind == JobKind.collect:
        source = dict(COLLECT_SOURCES).get(str(params.get("source")), "?")
        trade = trade_label(str(params.get("trade") or "any"))
        return f"Collect {trade} technicians in {params.get('state')} from {source}"
    if job.kind == JobKind.import_csv:
        return f"Import {params.get('filename') or 'a CSV file'}"
    ids = params.get("target_ids")
    who = _plural(len(ids), "technician") if ids else "every ready technician"
    if job.kind == JobKind.enrich:
        return f"Enrich {who if ids else 'every technician not enriched yet'}"
    campaign_id = _uuid(params.get("campaign_id"))
    name = campaign_names.get(campaign_id, "a campaign") if campaign_id else "a campaign"
    return f"Dispatch {who} to “{name}”"


def _facts(job: Job) -> tuple[str, ...]:
    counts: dict[str, Any] = job.counts or {}
    facts = _facts_of(job, counts)
    earlier = counts.get(EARLIER_ATTEMPTS)
    if not isinstance(earlier, list) or not earlier:
        return facts
    runs = [c for c in earlier if isinstance(c, dict)]
    said = [" · ".join(_facts_of(job, c, earlier_run=True)) or "nothing" for c in runs]
    return (*facts, f"run {len(runs) + 1} times; before, a lost run had done: {'; '.join(said)}")


def _facts_of(job: Job, counts: dict[str, Any], *, earlier_run: bool = False) -> tuple[str, ...]:
    """What `counts` say for a job of this kind; an earlier run's are said without its state."""
    state = None if earlier_run else job.state
    done = counts.get(PROGRESS_DONE, 0) if earlier_run else job.progress_done
    total = counts.get(PROGRESS_TOTAL) if earlier_run else job.progress_total

    def number(key: str) -> int:
        value = counts.get(key)
        return value if isinstance(value, int) else 0

    if job.kind == JobKind.collect:
        facts = [_plural(number("new_targets"), "new technician"), f"{number('merged'):,} merged"]
        if "listings_seen" in counts:
            facts.append(_plural(number("listings_seen"), "listing") + " seen")
        if number("outside_trades_dropped"):
            facts.append(f"{number('outside_trades_dropped'):,} of no trade of ours dropped")
        if number("not_open_kept"):
            facts.append(f"{number('not_open_kept'):,} temporarily closed or not open yet, kept")
        if number("not_open_skipped"):
            facts.append(
                f"{number('not_open_skipped'):,} temporarily closed or not open yet, skipped"
            )
        if number("failed_tiles"):
            facts.append(_plural(number("failed_tiles"), "area") + " failed (see errors)")
        if state == JobState.running and counts.get("waiting"):
            facts.append(str(counts["waiting"]))
        if state == JobState.succeeded and job.message:
            facts.append(job.message)
        return tuple(facts)
    if job.kind == JobKind.import_csv:
        facts = [
            _plural(number("imported"), "new technician"),
            f"{number('updated'):,} merged into known technicians",
            f"{number('skipped'):,} bad row{'' if number('skipped') == 1 else 's'} skipped",
        ]
        if isinstance(counts.get("encoding"), str):
            facts.append(f"read as {counts['encoding']}")
        return tuple(facts)
    if job.kind == JobKind.enrich:
        if "completed" not in counts:
            return (f"{done:,} of {total or 0:,} checked",)
        return (
            _plural(number("completed"), "email") + " found",
            f"{number('no_email'):,} without email",
            f"{number('failed'):,} failed",
        )
    facts = [f"{number('pushed') or done:,} pushed to Instantly"]
    if "recorded" in counts:
        facts.insert(0, f"{number('recorded'):,} recorded")
    if number("pending"):
        facts.append(f"{number('pending'):,} waiting to be pushed")
    rejected = counts.get("rejected")
    if isinstance(rejected, dict) and rejected:
        total = sum(v for v in rejected.values() if isinstance(v, int))
        facts.append(f"{total:,} rejected by Instantly (see the campaign)")
    return tuple(facts)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def job_view(job: Job, campaign_names: Mapping[uuid.UUID, str]) -> JobView:
    skipped = (job.counts or {}).get("skipped")
    return JobView(
        id=job.id,
        kind=job.kind,
        state=job.state,
        title=_title(job, campaign_names),
        done=job.progress_done,
        total=job.progress_total,
        facts=_facts(job),
        skipped=skip_groups(skipped) if isinstance(skipped, dict) else (),
        errors=tuple((job.errors or [])[:3]),
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def job_views(session: AsyncSession, jobs: Sequence[Job]) -> list[JobView]:
    wanted = {
        _uuid((j.params or {}).get("campaign_id")) for j in jobs if j.kind == JobKind.dispatch
    }
    names = await CampaignRepository(session).names_by_id({i for i in wanted if i is not None})
    return [job_view(job, names) for job in jobs]


async def load_job(session: AsyncSession, job_id: uuid.UUID) -> JobView:
    return (await job_views(session, [await job_service.get(session, job_id)]))[0]
