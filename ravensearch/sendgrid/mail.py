"""One `POST /mail/send` request: up to 1,000 recipients who each get their own email.

Each recipient's subject and body are rendered by Ravensearch (in a sandbox) before they
get here; the shared content holds substitution tags that SendGrid replaces per
personalization, so one request carries a whole batch of different emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# SendGrid v3: "personalizations … maximum of 1000" per request.
MAX_PERSONALIZATIONS = 1000
# SendGrid v3: substitutions of one personalization may total at most 10,000 bytes.
MAX_SUBSTITUTION_BYTES = 10_000


@dataclass(frozen=True, slots=True)
class Address:
    email: str
    name: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name} if self.name else {"email": self.email}


@dataclass(frozen=True, slots=True)
class Personalization:
    """One recipient's email: its own subject, tag values, headers and custom args."""

    to: Address
    subject: str
    substitutions: dict[str, str] = field(default_factory=dict)
    # Message-ID, List-Unsubscribe, List-Unsubscribe-Post …
    headers: dict[str, str] = field(default_factory=dict)
    # Travel with every event SendGrid posts about this email (dispatch id, step).
    custom_args: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"to": [self.to.to_json()], "subject": self.subject}
        if self.substitutions:
            body["substitutions"] = self.substitutions
        if self.headers:
            body["headers"] = self.headers
        if self.custom_args:
            body["custom_args"] = self.custom_args
        return body


@dataclass(frozen=True, slots=True)
class MailBatch:
    sender: Address
    personalizations: list[Personalization]
    text: str  # text/plain content, with substitution tags
    html: str | None = None  # text/html content, with substitution tags
    reply_to: Address | None = None
    categories: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        content = [{"type": "text/plain", "value": self.text}]
        if self.html is not None:
            content.append({"type": "text/html", "value": self.html})
        body: dict[str, Any] = {
            "personalizations": [p.to_json() for p in self.personalizations],
            "from": self.sender.to_json(),
            "content": content,
        }
        if self.reply_to is not None:
            body["reply_to"] = self.reply_to.to_json()
        if self.categories:
            body["categories"] = self.categories
        return body


@dataclass(frozen=True, slots=True)
class Accepted:
    """SendGrid answered 202: the batch is queued for delivery under this X-Message-Id."""

    message_id: str
