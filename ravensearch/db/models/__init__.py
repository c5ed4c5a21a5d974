"""Every table, one per module; importing this package registers them all on `Base.metadata`."""

from ravensearch.db.models.api_token import ApiToken
from ravensearch.db.models.audit import AppSetting, AuditEntry
from ravensearch.db.models.campaign import Campaign, CampaignStatus, CampaignStep
from ravensearch.db.models.dispatch import (
    REJECT_REASON_TEXT,
    Channel,
    Dispatch,
    DispatchStatus,
    DispatchStep,
    InstantlyPush,
    RejectReason,
)
from ravensearch.db.models.email_send import EmailSend, SendState
from ravensearch.db.models.job import Job, JobKind, JobState
from ravensearch.db.models.notification import Notification, NotificationKind
from ravensearch.db.models.pipeline import PipelineMove, PipelineStage, RefusalReason
from ravensearch.db.models.suppression import Suppression, SuppressionKind
from ravensearch.db.models.target import BusinessStatus, Target, TargetSource, TargetStatus
from ravensearch.db.models.target_email import TargetEmail
from ravensearch.db.models.upload import Upload, UploadPart
from ravensearch.db.models.user import LoginFailure, Role, User
from ravensearch.db.models.webhook_event import EventState, WebhookEvent

__all__ = [
    "REJECT_REASON_TEXT",
    "ApiToken",
    "AppSetting",
    "AuditEntry",
    "BusinessStatus",
    "Campaign",
    "CampaignStatus",
    "CampaignStep",
    "Channel",
    "Dispatch",
    "DispatchStatus",
    "DispatchStep",
    "EmailSend",
    "EventState",
    "InstantlyPush",
    "Job",
    "JobKind",
    "JobState",
    "LoginFailure",
    "Notification",
    "NotificationKind",
    "PipelineMove",
    "PipelineStage",
    "RefusalReason",
    "RejectReason",
    "Role",
    "SendState",
    "Suppression",
    "SuppressionKind",
    "Target",
    "TargetEmail",
    "TargetSource",
    "TargetStatus",
    "Upload",
    "UploadPart",
    "User",
    "WebhookEvent",
]
