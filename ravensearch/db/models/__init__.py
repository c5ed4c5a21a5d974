"""Every table, one per module; importing this package registers them all on `Base.metadata`."""

from ravensearch.db.models.api_token import ApiToken
from ravensearch.db.models.campaign import Campaign, CampaignStatus
from ravensearch.db.models.dispatch import (
    Channel,
    Dispatch,
    DispatchStatus,
    DispatchStep,
    InstantlyPush,
)
from ravensearch.db.models.job import Job, JobKind, JobState
from ravensearch.db.models.notification import Notification, NotificationKind
from ravensearch.db.models.suppression import Suppression, SuppressionKind
from ravensearch.db.models.target import Target, TargetSource, TargetStatus
from ravensearch.db.models.target_email import TargetEmail
from ravensearch.db.models.webhook_event import EventState, WebhookEvent

__all__ = [
    "ApiToken",
    "Campaign",
    "CampaignStatus",
    "Channel",
    "Dispatch",
    "DispatchStatus",
    "DispatchStep",
    "EventState",
    "InstantlyPush",
    "Job",
    "JobKind",
    "JobState",
    "Notification",
    "NotificationKind",
    "Suppression",
    "SuppressionKind",
    "Target",
    "TargetEmail",
    "TargetSource",
    "TargetStatus",
    "WebhookEvent",
]
