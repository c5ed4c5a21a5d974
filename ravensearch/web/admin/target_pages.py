"""Typed contexts of the Targets tab (the table, its filters, the forms) and their builders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.db.models import (
    BusinessStatus,
    JobKind,
    Target,
    TargetSource,
    TargetStatus,
)
from ravensearch.jobs.service import job_service
from ravensearch.kit.trades import TRADES, trade_label
from ravensearch.pipeline.service import STAGE_LABELS
from ravensearch.targets.addresses import US_STATES
from ravensearch.targets.phones import to_national
from ravensearch.targets.schemas import FoundEmail, TargetFilters
from ravensearch.targets.service import target_service
from ravensearch.web.admin.forms import validate_form
from ravensearch.web.admin.job_cards import COLLECT_SOURCES, JobView, job_views
from ravensearch.web.admin.paging import DEFAULT_PER_PAGE, Pager

Choices = tuple[tuple[str, str], ...]

FILTER_FIELDS = ("q", "trade", "state", "status", "source", "has_email")
TARGET_JOB_KINDS = (JobKind.collect, JobKind.enrich, JobKind.dispatch)

STATUS_LABELS: dict[str, str] = {
    TargetStatus.pending: "Not enriched",
    TargetStatus.enriching: "Enriching",
    TargetStatus.completed: "Has email",
    TargetStatus.no_email: "No email",
    TargetStatus.failed: "Failed",
}
SOURCE_LABELS: dict[str, str] = {
    TargetSource.google: "Google",
    TargetSource.yelp: "Yelp",
    TargetSource.csv: "CSV",
    TargetSource.manual: "Manual",
}
_NO_EMAIL_NOTES: dict[str, str] = {
    TargetStatus.pending: "Not enriched yet",
    TargetStatus.enriching: "Looking for an email…",
    TargetStatus.no_email: "No email found",
    TargetStatus.failed: "Enrichment failed",
}
# Collected while temporarily closed or before opening: kept (unless the collect skipped
# them), and flagged so nobody recruits a shop that cannot answer.
_NOT_OPEN_LABELS: dict[str, str] = {
    BusinessStatus.closed_temporarily: "Temporarily closed",
    BusinessStatus.future_opening: "Not open yet",
}

TRADE_CHOICES: Choices = tuple((trade, trade_label(trade)) for trade in TRADES)
STATE_CHOICES: Choices = tuple((code, f"{code} · {name}") for code, name in US_STATES.items())
STATUS_CHOICES: Choices = tuple(STATUS_LABELS.items())
SOURCE_CHOICES: Choices = tuple(SOURCE_LABELS.items())
HAS_EMAIL_CHOICES: Choices = (("", "Email: any"), ("yes", "With email"), ("no", "Without email"))


@dataclass(frozen=True)
class TargetFilterForm:
    """The filters as shown in the form (normalised), with a message per rejected value."""

    q: str = ""
    trade: str = ""
    state: str = ""
    status: str = ""
    source: str = ""
    has_email: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTER_FIELDS if getattr(self, name)}

    @property
    def query(self) -> str:
        return urlencode(self.params())

    @property
    def is_filtered(self) -> bool:
        return bool(self.params())


def parse_filters(query: Mapping[str, str]) -> tuple[TargetFilters, TargetFilterForm]:
    """Query-string filters → the repository's filters; a bad value is dropped and reported
    (a stale link shows the unfiltered table with a message, never an error page)."""
    raw = {name: (query.get(name) or "").strip() for name in FILTER_FIELDS}
    data = {name: value for name, value in raw.items() if value}
    filters, errors = validate_form(TargetFilters, data)
    if filters is None:
        kept = {name: value for name, value in data.items() if name not in errors}
        filters, _ = validate_form(TargetFilters, kept)
    filters = filters or TargetFilters()
    has_email = "" if filters.has_email is None else ("yes" if filters.has_email else "no")
    form = TargetFilterForm(
        q=filters.q or "",
        trade=filters.trade or "",
        state=filters.state or "",
        status=filters.status or "",
        source=filters.source or "",
        has_email=has_email,
        errors={name: _filter_error(name, raw[name], message) for name, message in errors.items()},
    )
    return filters, form


def _filter_error(name: str, value: str, message: str) -> str:
    label = {"has_email": "email filter", "q": "search"}.get(name, name)
    return f"Ignored the {label} “{value[:40]}”: {message}"


@dataclass(frozen=True)
class TargetRow:
    id: uuid.UUID
    business_name: str
    contact_name: str | None
    email: str | None
    phone: str | None
    website: str | None
    city: str | None
    state: str | None
    trade: str | None
    source: str
    status: str
    status_reason: str | None
    pipeline_stage: str | None
    created_at: datetime
    email_source: str | None = None  # "mailto on https://…/contact"
    business_status: str | None = None

    @classmethod
    def of(cls, target: Target, found: FoundEmail | None = None) -> TargetRow:
        return cls(
            id=target.id,
            business_name=target.business_name,
            contact_name=target.contact_name,
            email=target.email,
            phone=to_national(target.phone) or target.phone,
            website=target.website,
            city=target.city,
            state=target.state,
            trade=target.trade,
            source=target.source,
            status=target.status,
            status_reason=target.status_reason,
            pipeline_stage=target.pipeline_stage,
            created_at=target.created_at,
            business_status=target.business_status,
            email_source=(
                f"Found by {found.method} on {found.page_url or 'the site'}" if found else None
            ),
        )

    @property
    def not_open_label(self) -> str | None:
        """What the listing said of a business not operational, for a flag by its name."""
        return _NOT_OPEN_LABELS.get(self.business_status or "")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def enrichment_note(self) -> str | None:
        """Why there is no email (None when there is one)."""
        if self.email:
            return None
        default = _NO_EMAIL_NOTES.get(self.status, "No email")
        reason = self.status_reason
        return reason[:1].upper() + reason[1:] if reason else default


@dataclass(frozen=True)
class CampaignChoice:
    id: uuid.UUID
    name: str
    trade_filter: str | None

    @property
    def label(self) -> str:
        trade = trade_label(self.trade_filter) if self.trade_filter else "any trade"
        return f"{self.name} ({trade})"


@dataclass(frozen=True)
class CollectForm:
    source: str = "all"
    trade: str = ""
    state: str = ""
    skip_not_open: bool = False
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectSection:
    """The "Collect Technicians" form; `job` is the one it just started (its card is
    added to the job list out of band)."""

    form: CollectForm = field(default_factory=CollectForm)
    job: JobView | None = None
    trades: Choices = TRADE_CHOICES
    states: Choices = STATE_CHOICES
    sources: Choices = COLLECT_SOURCES


@dataclass(frozen=True)
class TargetsPage:
    rows: list[TargetRow]
    pager: Pager
    filters: TargetFilterForm
    campaigns: list[CampaignChoice] = field(default_factory=list)
    jobs: list[JobView] = field(default_factory=list)
    collect: CollectSection = field(default_factory=CollectSection)
    trades: Choices = TRADE_CHOICES
    states: Choices = STATE_CHOICES
    statuses: Choices = STATUS_CHOICES
    sources: Choices = SOURCE_CHOICES
    has_email_choices: Choices = HAS_EMAIL_CHOICES
    stage_labels: Mapping[str, str] = field(default_factory=lambda: STAGE_LABELS)


async def campaign_choices(session: AsyncSession) -> list[CampaignChoice]:
    """Campaigns one can dispatch to (completed ones are left out), by name."""
    rows = await CampaignRepository(session).dispatch_choices()
    return [CampaignChoice(*row) for row in rows]


async def targets_page(
    session: AsyncSession, query: Mapping[str, str], *, page: int, full: bool
) -> TargetsPage:
    """The table for `query`'s filters and page; `full` adds the recent job cards and the
    campaign chooser (the whole page; a refresh of the table needs neither)."""
    filters, form = parse_filters(query)
    wanted = Pager(page=max(1, page), per_page=DEFAULT_PER_PAGE, total=0)
    items, total = await target_service.list_ready_first(
        session, filters=filters, limit=wanted.per_page, offset=wanted.offset
    )
    pager = Pager.of(page, total)
    if pager.page != wanted.page:  # past the last page: show the last one
        items, _ = await target_service.list_ready_first(
            session, filters=filters, limit=pager.per_page, offset=pager.offset
        )
    sources = await target_service.email_sources(session, [t.id for t in items])
    jobs: list[JobView] = []
    campaigns: list[CampaignChoice] = []
    if full:
        recent = await job_service.list_recent(session, limit=20)
        jobs = await job_views(session, [j for j in recent if j.kind in TARGET_JOB_KINDS][:4])
        campaigns = await campaign_choices(session)
    return TargetsPage(
        rows=[TargetRow.of(t, sources.get(t.id)) for t in items],
        pager=pager,
        filters=form,
        campaigns=campaigns,
        jobs=jobs,
    )
