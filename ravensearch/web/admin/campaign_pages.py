"""Typed contexts of the campaign pages, and the functions that build them."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.schemas import InstantlyCampaignInfo
from ravensearch.campaigns.service import (
    CampaignAlreadyLinked,
    InvalidInstantlyCampaignId,
    campaign_service,
)
from ravensearch.db.models import (
    REJECT_REASON_TEXT,
    Campaign,
    Channel,
    Dispatch,
    DispatchStatus,
    Target,
)
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.flows import DispatchOutcome
from ravensearch.dispatch.repository import DispatchRepository
from ravensearch.errors import InvalidInput, RavensearchError
from ravensearch.kit.trades import TRADES, trade_label
from ravensearch.runtime import Runtime
from ravensearch.web.admin.forms import validate_form
from ravensearch.web.admin.paging import DEFAULT_PER_PAGE, Pager
from ravensearch.web.admin.sequence_pages import SendGridDetail, SequenceForm, sendgrid_detail

TRADE_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "Any trade"),
    *((trade, trade_label(trade)) for trade in TRADES),
)


@dataclass(frozen=True)
class CampaignRow:
    """One linked campaign with its counters (rates are computed in the template)."""

    id: uuid.UUID
    name: str
    instantly_campaign_id: str | None
    status: str
    trade_filter: str | None
    targets: int
    sent: int
    opened: int
    clicked: int
    replied: int
    bounced: int
    unsubscribed: int
    last_synced_at: datetime | None
    rejected: int = 0
    skip_if_in_other_campaign: bool = False
    channel: str = Channel.instantly
    # SendGrid's own counters (always 0 for an Instantly campaign).
    delivered: int = 0
    dropped: int = 0
    spam_reports: int = 0

    @property
    def is_sendgrid(self) -> bool:
        return self.channel == Channel.sendgrid

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignRow:
        return cls(
            id=campaign.id,
            name=campaign.name,
            instantly_campaign_id=campaign.instantly_campaign_id,
            status=campaign.status,
            trade_filter=campaign.trade_filter,
            targets=campaign.total_targets,
            sent=campaign.emails_sent,
            opened=campaign.emails_opened,
            clicked=campaign.emails_clicked,
            replied=campaign.replies_received,
            bounced=campaign.emails_bounced,
            unsubscribed=campaign.unsubscribed,
            last_synced_at=campaign.last_synced_at,
            rejected=campaign.leads_rejected,
            skip_if_in_other_campaign=campaign.skip_if_in_other_campaign,
            channel=campaign.channel,
            delivered=campaign.emails_delivered,
            dropped=campaign.emails_dropped,
            spam_reports=campaign.spam_reports,
        )


@dataclass(frozen=True)
class CampaignsPage:
    rows: list[CampaignRow]
    pager: Pager


@dataclass(frozen=True)
class CampaignLookup:
    """What the Instantly lookup found for the id typed so far (or why it failed)."""

    instantly_campaign_id: str = ""
    info: InstantlyCampaignInfo | None = None
    error: str | None = None
    linked_campaign_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CampaignForm:
    instantly_campaign_id: str = ""
    trade_filter: str = ""
    skip_if_in_other_campaign: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    linked_campaign_id: uuid.UUID | None = None
    status_code: int = 200


@dataclass(frozen=True)
class NewCampaignPage:
    form: CampaignForm = field(default_factory=CampaignForm)
    trades: tuple[tuple[str, str], ...] = TRADE_CHOICES
    # Mock mode: the simulated Instantly's campaigns to pick from (a demo user has no
    # app.instantly.ai account to copy an id from), and the lookup of the one picked.
    demo_campaigns: tuple[InstantlyCampaignInfo, ...] = ()
    lookup: CampaignLookup | None = None
    channel: str = Channel.instantly
    sequence: SequenceForm = field(default_factory=SequenceForm)


async def new_campaign_page(
    runtime: Runtime, instantly_campaign_id: str, channel: str = Channel.instantly
) -> NewCampaignPage:
    """The empty form; in mock mode with the demo campaigns, one of them chosen if asked."""
    if channel == Channel.sendgrid:
        return NewCampaignPage(channel=Channel.sendgrid)
    if not runtime.is_mock:
        return NewCampaignPage()
    demos = tuple(await campaign_service.list_remote(runtime.instantly))
    chosen = await look_up(runtime, instantly_campaign_id) if instantly_campaign_id else None
    form = CampaignForm(instantly_campaign_id=instantly_campaign_id.strip())
    return NewCampaignPage(form=form, demo_campaigns=demos, lookup=chosen)


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    value: int
    base: int  # what `value` is a share of: the leads for sends, the emails sent for the rest

    @property
    def width(self) -> float:
        """Bar width in percent (0–100)."""
        return 0.0 if self.base <= 0 else min(100.0, 100.0 * self.value / self.base)


@dataclass(frozen=True)
class DriftRow:
    label: str
    ours: int
    theirs: int | None

    @property
    def difference(self) -> int | None:
        return None if self.theirs is None else self.ours - self.theirs


@dataclass(frozen=True)
class CampaignStats:
    campaign: CampaignRow
    funnel: list[FunnelStep]
    outcomes: list[FunnelStep]
    drift: list[DriftRow]
    has_instantly_stats: bool

    @property
    def version(self) -> str:
        """Changes whenever anything shown changes: a poll that sees a new version tells
        the page to refresh its dispatch table too."""
        c = self.campaign
        parts = (
            *(c.targets, c.sent, c.opened, c.clicked, c.replied, c.bounced, c.unsubscribed),
            *(c.rejected, c.skip_if_in_other_campaign, c.delivered, c.dropped, c.spam_reports),
        )
        text = "|".join(map(str, (*parts, c.status, c.name, c.last_synced_at)))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class DispatchRow:
    id: uuid.UUID
    technician: str
    email: str
    status: str
    pushed_at: datetime | None
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    replied_at: datetime | None
    bounced_at: datetime | None
    unsubscribed_at: datetime | None
    reply_text: str | None
    bounce_reason: str | None
    last_error: str | None
    unibox_url: str | None
    rejected_because: str | None = None

    @classmethod
    def of(cls, dispatch: Dispatch, target: Target | None) -> DispatchRow:
        return cls(
            id=dispatch.id,
            technician=_technician(target, dispatch.email),
            email=dispatch.email,
            status=dispatch.status,
            pushed_at=dispatch.pushed_at,
            sent_at=dispatch.sent_at,
            opened_at=dispatch.opened_at,
            clicked_at=dispatch.clicked_at,
            replied_at=dispatch.replied_at,
            bounced_at=dispatch.bounced_at,
            unsubscribed_at=dispatch.unsubscribed_at,
            reply_text=dispatch.reply_text,
            bounce_reason=dispatch.bounce_reason,
            last_error=dispatch.last_error,
            unibox_url=dispatch.unibox_url,
            rejected_because=(
                REJECT_REASON_TEXT.get(dispatch.rejected_reason, dispatch.rejected_reason)
                if dispatch.rejected_reason
                else None
            ),
        )


@dataclass(frozen=True)
class CampaignDetailPage:
    stats: CampaignStats
    dispatches: list[DispatchRow]
    pager: Pager
    status_filter: str | None
    statuses: tuple[str, ...] = tuple(DispatchStatus)
    sendgrid: SendGridDetail | None = None  # the sequence, outbox and preview


class CampaignCreateForm(BaseModel):
    instantly_campaign_id: str = ""
    trade_filter: str = ""
    skip_if_in_other_campaign: bool = False

    @field_validator("instantly_campaign_id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Paste the Instantly Campaign ID (a UUID from the campaign's URL).")
        return value.strip()


def _technician(target: Target | None, email: str) -> str:
    if target is None:
        return email
    person = " ".join(part for part in (target.first_name, target.last_name) if part)
    return f"{person} · {target.business_name}" if person else target.business_name


# (label, our counter, Instantly analytics fields: the first one present wins)
_DRIFT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Leads", "total_targets", ("leads_count",)),
    ("Emails sent", "emails_sent", ("emails_sent_count",)),
    ("Opened", "emails_opened", ("open_count_unique", "open_count")),
    ("Clicked", "emails_clicked", ("link_click_count_unique", "link_click_count")),
    ("Replied", "replies_received", ("reply_count_unique", "reply_count")),
    ("Bounced", "emails_bounced", ("bounced_count",)),
    ("Unsubscribed", "unsubscribed", ("unsubscribed_count",)),
)


def _theirs(stats: dict[str, Any], names: tuple[str, ...]) -> int | None:
    values = [stats[name] for name in names if isinstance(stats.get(name), int)]
    # Instantly leaves the `_unique` variants at 0 on some plans; take the first non-zero.
    return next((v for v in values if v), values[0] if values else None)


def build_stats(campaign: Campaign) -> CampaignStats:
    row = CampaignRow.of(campaign)
    base = row.targets
    funnel = [
        FunnelStep("dispatched", "Dispatched", row.targets, base),
        FunnelStep("sent", "Sent", row.sent, base),
        FunnelStep("opened", "Opened", row.opened, row.sent),
        FunnelStep("clicked", "Clicked", row.clicked, row.sent),
        FunnelStep("replied", "Replied", row.replied, row.sent),
    ]
    outcomes = [
        FunnelStep("bounced", "Bounced", row.bounced, row.sent),
        FunnelStep("unsubscribed", "Unsubscribed", row.unsubscribed, row.sent),
    ]
    if row.is_sendgrid:  # SendGrid reports delivery itself; Instantly does not
        funnel.insert(2, FunnelStep("delivered", "Delivered", row.delivered, row.sent))
        outcomes.insert(1, FunnelStep("dropped", "Dropped", row.dropped, row.sent))
        outcomes.append(FunnelStep("spam_reports", "Spam reports", row.spam_reports, row.sent))
    if row.rejected:
        # Not part of the funnel's base: Instantly never held these leads.
        outcomes.append(
            FunnelStep(
                "rejected", "Rejected by Instantly", row.rejected, row.targets + row.rejected
            )
        )
    stats = campaign.instantly_stats or {}
    drift = [
        DriftRow(label, int(getattr(campaign, ours)), _theirs(stats, theirs))
        for label, ours, theirs in _DRIFT
    ]
    return CampaignStats(row, funnel, outcomes, drift, has_instantly_stats=bool(stats))


async def campaigns_page(session: AsyncSession, *, page: int) -> CampaignsPage:
    repository = CampaignRepository(session)
    pager = Pager.of(page, await repository.count())
    campaigns = await repository.list_page(limit=pager.per_page, offset=pager.offset)
    return CampaignsPage([CampaignRow.of(c) for c in campaigns], pager)


async def stats_page(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignStats:
    return build_stats(await campaign_service.get(session, campaign_id))


async def detail_page(
    session: AsyncSession, campaign_id: uuid.UUID, *, page: int, status: str | None
) -> CampaignDetailPage:
    campaign = await campaign_service.get(session, campaign_id)
    stats = build_stats(campaign)
    status = status if status in DispatchStatus.__members__ else None
    repository = DispatchRepository(session)
    wanted = Pager(page=max(1, page), per_page=DEFAULT_PER_PAGE, total=0)
    items, total = await repository.list_for_campaign(
        campaign_id, status=status, limit=wanted.per_page, offset=wanted.offset
    )
    pager = Pager.of(page, total)
    if pager.page != wanted.page:  # past the last page: show the last one
        items, _ = await repository.list_for_campaign(
            campaign_id, status=status, limit=pager.per_page, offset=pager.offset
        )
    targets = await repository.targets_by_id([d.technician_id for d in items])
    rows = [DispatchRow.of(d, targets.get(d.technician_id)) for d in items]
    sendgrid = await sendgrid_detail(session, campaign) if stats.campaign.is_sendgrid else None
    return CampaignDetailPage(stats, rows, pager, status, sendgrid=sendgrid)


def retry_summary(outcome: DispatchOutcome) -> str:
    """The toast after "Retry rejected": what Instantly took this time, and what not."""
    push = outcome.push
    text = (
        f"Sent {outcome.recorded.recorded:,} rejected lead(s) again: {push.pushed:,} in Instantly"
    )
    if push.rejected:
        reasons = Counter(REJECT_REASON_TEXT[r] for _t, r in push.rejected)
        text += ", still rejected: " + "; ".join(f"{n:,} {why}" for why, n in reasons.items())
    return text + (f". {push.error}" if push.error else ".")


async def look_up(runtime: Runtime, raw_id: str) -> CampaignLookup:
    """Validate the id (UUID, then Instantly) and say whether it is linked already."""
    raw_id = raw_id.strip()
    if not raw_id:
        return CampaignLookup()
    try:
        info = await campaign_service.validate(runtime.instantly, raw_id)
    except RavensearchError as exc:
        return CampaignLookup(raw_id, error=exc.message)
    async with unit_of_work(runtime.sessionmaker) as session:
        linked = await CampaignRepository(session).get_by_instantly_id(info.id)
    return CampaignLookup(raw_id, info=info, linked_campaign_id=linked.id if linked else None)


async def create_from_form(runtime: Runtime, data: dict[str, str]) -> Campaign | CampaignForm:
    """The linked campaign, or the form again with an inline error on the right field."""
    form = CampaignForm(
        data.get("instantly_campaign_id", ""),
        data.get("trade_filter", ""),
        skip_if_in_other_campaign=bool(data.get("skip_if_in_other_campaign")),
    )
    parsed, errors = validate_form(CampaignCreateForm, data)
    if parsed is None:
        return replace(form, errors=errors, status_code=422)
    try:
        return await campaign_flows.create_linked(
            runtime.sessionmaker,
            runtime.instantly,
            instantly_campaign_id=parsed.instantly_campaign_id,
            trade_filter=parsed.trade_filter or None,
            skip_if_in_other_campaign=form.skip_if_in_other_campaign,
        )
    except CampaignAlreadyLinked as exc:
        lookup = await look_up(runtime, parsed.instantly_campaign_id)
        errors = {"instantly_campaign_id": exc.message}
        return replace(
            form, errors=errors, linked_campaign_id=lookup.linked_campaign_id, status_code=409
        )
    except InvalidInstantlyCampaignId as exc:
        return replace(form, errors={"instantly_campaign_id": exc.message}, status_code=422)
    except InvalidInput as exc:  # the only other InvalidInput here: an unknown trade
        return replace(form, errors={"trade_filter": exc.message}, status_code=422)
    except RavensearchError as exc:  # not found in Instantly (404), Instantly failing (502)
        return replace(
            form, errors={"instantly_campaign_id": exc.message}, status_code=exc.status_code
        )
