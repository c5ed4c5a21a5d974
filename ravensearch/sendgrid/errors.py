"""What a SendGrid call can end in, sorted by what the caller may do next.

The one distinction that matters for cold email: was the mail possibly accepted? A request
that may have reached SendGrid is never sent again automatically (`SendGridUncertain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of SendGrid's `{"errors": [{"message", "field", "help"}]}` body."""

    message: str
    field: str | None = None
    help: str | None = None


@dataclass
class SendGridError(Exception):
    message: str
    status: int | None = None
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class SendGridRefused(SendGridError):
    """4xx other than auth and 429 (400 bad request, 413 too large): certainly not sent."""


class SendGridAuthFailed(SendGridError):
    """401/403: the API key is wrong, revoked, or lacks the `mail.send` scope. Not sent."""


@dataclass
class SendGridRateLimited(SendGridError):
    """429 after the client's own waits: not sent; try again at `retry_at`."""

    retry_at: datetime | None = None


class SendGridUncertain(SendGridError):
    """The request may have been accepted (timeout after it left, connection lost mid-answer,
    5xx): the caller must not send it again on its own."""


class SendGridUnreachable(SendGridError):
    """The request never left (DNS, refused connection, connect timeout): not sent."""
