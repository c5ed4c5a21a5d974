from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.campaigns.repository import CampaignRepository
from ravensearch.campaigns.schemas import InstantlyCampaignInfo
from ravensearch.db.models import Campaign, CampaignStatus
from ravensearch.errors import Conflict, InvalidInput, NotFound
from ravensearch.events.service import events_service
from ravensearch.instantly.client import InstantlyClient
from ravensearch.instantly.errors import InstantlyError, InstantlyNotFound
from ravensearch.instantly.schemas import CampaignAnalytics, InstantlyCampaign
from ravensearch.instantly.upstream import explain_instantly_failure
from ravensearch.kit.clock import utcnow

NOT_FOUND_MESSAGE = "Campaign not found in Instantly. Please check the Campaign ID."


class InvalidInstantlyCampaignId(InvalidInput):
    pass


class InstantlyCampaignNotFound(NotFound):
    pass


class CampaignAlreadyLinked(Conflict):
    pass


class CampaignNotFound(NotFound):
    pass


class NotAnInstantlyCampaign(Conflict):
    pass


def instantly_id_of(campaign: Campaign) -> str:
    """The linked Instantly campaign's id; a SendGrid campaign has none to act on."""
    if campaign.instantly_campaign_id is None:
        raise NotAnInstantlyCampaign(
            f"Campaign “{campaign.name}” sends through {campaign.channel}, not Instantly; "
            "this action only applies to campaigns linked to Instantly."
        )
    return campaign.instantly_campaign_id


def parse_instantly_campaign_id(value: str) -> str:
    """Instantly campaign ids are UUIDs; anything else is a typo or a v1-era `cam_…` id."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        raise InvalidInstantlyCampaignId(
            f"'{value}' is not an Instantly campaign id: Instantly campaign ids are UUIDs "
            "like 0199e9d9-cc23-785a-a736-aaa9cabece0f (copy it from the campaign's URL "
            "or settings in Instantly)."
        ) from None


def _already_linked(instantly_campaign_id: str) -> CampaignAlreadyLinked:
    return CampaignAlreadyLinked(
        f"Instantly campaign {instantly_campaign_id} is already linked to a Ravensearch campaign."
    )


def _status_word(campaign: InstantlyCampaign) -> str:
    word = campaign.status_word
    return word if word in CampaignStatus.__members__ else CampaignStatus.draft


def _info(campaign: InstantlyCampaign, stats: CampaignAnalytics | None) -> InstantlyCampaignInfo:
    return InstantlyCampaignInfo(
        id=campaign.id,
        name=campaign.name,
        status=campaign.status_word,
        total_leads=stats.leads_count if stats else 0,
        emails_sent=stats.emails_sent_count if stats else 0,
        opens=(stats.open_count_unique or stats.open_count) if stats else 0,
        replies=(stats.reply_count_unique or stats.reply_count) if stats else 0,
    )


class CampaignService:
    async def fetch_from_instantly(
        self, instantly: InstantlyClient, instantly_campaign_id: str
    ) -> tuple[InstantlyCampaign, CampaignAnalytics | None]:
        """Look the campaign and its analytics up in Instantly.

        Raises InvalidInstantlyCampaignId, InstantlyCampaignNotFound or UpstreamError (502).
        """
        campaign_id = parse_instantly_campaign_id(instantly_campaign_id)
        try:
            campaign = await instantly.get_campaign(campaign_id)
            stats = await instantly.get_campaign_analytics(campaign_id)
        except InstantlyNotFound:
            raise InstantlyCampaignNotFound(NOT_FOUND_MESSAGE) from None
        except InstantlyError as exc:
            raise explain_instantly_failure(exc) from exc
        return campaign, stats

    async def validate(
        self, instantly: InstantlyClient, instantly_campaign_id: str
    ) -> InstantlyCampaignInfo:
        campaign, stats = await self.fetch_from_instantly(instantly, instantly_campaign_id)
        return _info(campaign, stats)

    async def link(
        self,
        session: AsyncSession,
        *,
        remote: InstantlyCampaign,
        stats: CampaignAnalytics | None,
        trade_filter: str | None,
        skip_if_in_other_campaign: bool = False,
    ) -> Campaign:
        """Store the link to an Instantly campaign already fetched (see flows.create_linked)."""
        await self.ensure_not_linked(session, remote.id)
        campaign = Campaign(
            instantly_campaign_id=remote.id,
            trade_filter=trade_filter,
            skip_if_in_other_campaign=skip_if_in_other_campaign,
        )
        self._apply_remote(campaign, remote, stats)
        session.add(campaign)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise _already_linked(remote.id) from None
        # Webhooks may have arrived before the campaign was linked; apply them now.
        await events_service.requeue_unmatched(session, instantly_campaign_id=remote.id)
        return campaign

    async def ensure_not_linked(self, session: AsyncSession, instantly_campaign_id: str) -> None:
        if await CampaignRepository(session).get_by_instantly_id(instantly_campaign_id):
            raise _already_linked(instantly_campaign_id)

    async def apply_sync(
        self,
        session: AsyncSession,
        *,
        campaign_id: uuid.UUID,
        remote: InstantlyCampaign,
        stats: CampaignAnalytics | None,
    ) -> Campaign:
        campaign = await self.get(session, campaign_id)
        self._apply_remote(campaign, remote, stats)
        await session.flush()
        return campaign

    def _apply_remote(
        self, campaign: Campaign, remote: InstantlyCampaign, stats: CampaignAnalytics | None
    ) -> None:
        campaign.name = remote.name
        campaign.instantly_campaign_id = remote.id
        campaign.status = _status_word(remote)
        campaign.instantly_stats = stats.model_dump() if stats else {}
        campaign.last_synced_at = utcnow()

    async def list_remote(
        self, instantly: InstantlyClient, *, search: str | None = None
    ) -> list[InstantlyCampaignInfo]:
        """Campaigns in the Instantly workspace, to pick one to link, with the same numbers
        `validate` gives for each (one analytics call for them all)."""
        try:
            remote = await instantly.list_campaigns(search=search)
            stats = await instantly.list_campaign_analytics() if remote else {}
        except InstantlyError as exc:
            raise explain_instantly_failure(exc) from exc
        return [_info(campaign, stats.get(campaign.id)) for campaign in remote]

    async def get(self, session: AsyncSession, campaign_id: uuid.UUID) -> Campaign:
        repository = CampaignRepository(session)
        campaign = await repository.get(campaign_id)
        if campaign is not None:
            return campaign
        # Both kinds of id are UUIDs, and an Instantly id is the one a new user has at hand.
        linked = await repository.get_by_instantly_id(str(campaign_id))
        if linked is not None:
            raise CampaignNotFound(
                f"{campaign_id} is the Instantly campaign id of '{linked.name}'; Ravensearch "
                f"endpoints take the Ravensearch campaign id: {linked.id}."
            )
        raise CampaignNotFound(
            f"No Ravensearch campaign has id {campaign_id}. If it is an Instantly campaign "
            "id, link it first (POST /api/campaigns with instantlyCampaignId, or `ravensearch "
            "campaigns add ID`) and use the campaign id that answers."
        )

    async def list(self, session: AsyncSession) -> Sequence[Campaign]:
        return await CampaignRepository(session).list()

    async def by_ids(self, session: AsyncSession, ids: Collection[uuid.UUID]) -> Sequence[Campaign]:
        return await CampaignRepository(session).by_ids(ids)

    async def update_settings(
        self, session: AsyncSession, campaign_id: uuid.UUID, *, skip_if_in_other_campaign: bool
    ) -> Campaign:
        """The campaign's default for dispatches to come (rows already sent keep theirs)."""
        campaign = await self.get(session, campaign_id)
        campaign.skip_if_in_other_campaign = skip_if_in_other_campaign
        await session.flush()
        return campaign


campaign_service = CampaignService()
