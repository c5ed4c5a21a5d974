"""Checking a mail send body as SendGrid documents it (REFERENCE.md §1), and rendering what
each recipient receives. Pure functions: no HTTP, no state."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ravensearch.sendgrid.mail import MAX_PERSONALIZATIONS, MAX_SUBSTITUTION_BYTES

MAX_RECIPIENTS = 1000  # to + cc + bcc across the request
MAX_CUSTOM_ARGS_BYTES = 10_000
# Headers a personalization or the message may not set (mail send reference).
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "Content-Type",
        "Content-Transfer-Encoding",
        "To",
        "From",
        "Subject",
        "Reply-To",
        "CC",
        "BCC",
    )
)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    field: str | None

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "field": self.field, "help": HELP}


@dataclass(frozen=True, slots=True)
class Recipient:
    """One `to` address of one personalization, as it will be delivered."""

    email: str
    name: str | None
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    custom_args: dict[str, str]
    substitutions: dict[str, str] = field(default_factory=dict)


def validate(body: Any) -> list[Problem]:
    """Every documented rule `body` breaks, in SendGrid's words; [] when it would be sent."""
    if not isinstance(body, dict):
        return [Problem("Bad Request", None)]
    problems: list[Problem] = []
    problems += _check_from(body.get("from"))
    problems += _check_address(body.get("reply_to"), "reply_to", required=False)
    problems += _check_content(body)
    problems += _check_headers(body.get("headers"), "headers")
    problems += _check_personalizations(body)
    return problems


def _check_from(value: Any) -> list[Problem]:
    if not isinstance(value, dict) or "email" not in value:
        return [
            Problem(
                "The from object must be provided for every email send. It is an object that "
                'requires the email parameter, but may also contain a name parameter.  e.g. {"'
                'email" : "example@example.com"}',
                "from",
            )
        ]
    return _check_address(value, "from", required=True)


def _check_address(value: Any, where: str, *, required: bool) -> list[Problem]:
    if value is None and not required:
        return []
    if not isinstance(value, dict) or not isinstance(value.get("email"), str):
        return [Problem("The email object must have an email parameter.", where)]
    if not _EMAIL.match(value["email"]):
        return [Problem("Does not contain a valid address.", f"{where}.email")]
    if "name" in value and not isinstance(value["name"], str):
        return [Problem("The name must be a string.", f"{where}.name")]
    return []


def _check_content(body: dict[str, Any]) -> list[Problem]:
    content = body.get("content")
    if content is None and body.get("template_id"):
        return []
    if not isinstance(content, list) or not content:
        return [
            Problem(
                "Unless a valid template_id is provided, the content parameter is required. "
                "There must be at least one defined content block.",
                "content",
            )
        ]
    problems: list[Problem] = []
    types: list[str] = []
    for i, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(Problem("The content type must be a string.", f"content.{i}.type"))
            continue
        types.append(block["type"])
        value = block.get("value")
        if not isinstance(value, str) or not value:
            problems.append(
                Problem(
                    "The content value must be a string at least one character in length.",
                    f"content.{i}.value",
                )
            )
    order = [t for t in types if t in ("text/plain", "text/html")]
    if "text/plain" in types and (types[0] != "text/plain" or order != sorted(order, key=_rank)):
        problems.append(
            Problem(
                "If present, text/plain content must be first, followed by text/html, followed "
                "by any other content.",
                "content",
            )
        )
    return problems


def _rank(content_type: str) -> int:
    return 0 if content_type == "text/plain" else 1


def _check_headers(value: Any, where: str) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return [Problem("The headers parameter must be an object of string values.", where)]
    reserved = sorted(name for name in value if name.lower() in RESERVED_HEADERS)
    if reserved:
        return [Problem(f"The following header is reserved: {reserved[0]}.", where)]
    return []


def _check_personalizations(body: dict[str, Any]) -> list[Problem]:
    items = body.get("personalizations")
    if not isinstance(items, list) or not items:
        return [Problem("You must have at least one personalization.", "personalizations")]
    if len(items) > MAX_PERSONALIZATIONS:
        return [
            Problem(
                f"The personalization block is limited to {MAX_PERSONALIZATIONS} "
                f"personalizations per API request. You have provided {len(items)} "
                "personalizations. Please consider splitting this into multiple requests and "
                "resending your request.",
                "personalizations",
            )
        ]
    problems: list[Problem] = []
    seen: set[str] = set()
    recipients = 0
    top_subject = body.get("subject")
    top_args = body.get("custom_args") or {}
    for i, item in enumerate(items):
        where = f"personalizations.{i}"
        if not isinstance(item, dict):
            problems.append(Problem("The personalization must be an object.", where))
            continue
        to = item.get("to")
        if not isinstance(to, list) or not to:
            problems.append(
                Problem(
                    "The to parameter is required for all personalization objects.", f"{where}.to"
                )
            )
            continue
        for kind in ("to", "cc", "bcc"):
            for j, address in enumerate(item.get(kind) or []):
                found = _check_address(address, f"{where}.{kind}.{j}", required=True)
                problems += found
                if found:
                    continue
                recipients += 1
                email = address["email"].lower()
                if email in seen:
                    problems.append(
                        Problem(
                            "Each unique email address in the personalizations array should "
                            "only be included once. You have included "
                            f"{address['email']} more than once.",
                            f"{where}.{kind}",
                        )
                    )
                seen.add(email)
        subject = item.get("subject", top_subject)
        if not isinstance(subject, str) or not subject:
            problems.append(
                Problem(
                    "The subject is required. You can get around this requirement if you use "
                    "a template with a subject defined or if every personalization has a "
                    "subject defined.",
                    "subject",
                )
            )
        problems += _check_strings(
            item.get("substitutions"), f"{where}.substitutions", MAX_SUBSTITUTION_BYTES
        )
        args = item.get("custom_args")
        merged = (
            {**top_args, **args} if isinstance(args, dict) and isinstance(top_args, dict) else args
        )
        problems += _check_strings(merged, f"{where}.custom_args", MAX_CUSTOM_ARGS_BYTES)
        problems += _check_headers(item.get("headers"), f"{where}.headers")
    if recipients > MAX_RECIPIENTS:
        problems.append(
            Problem(
                f"There is a limit of {MAX_RECIPIENTS} total recipients (to + cc + bcc) per "
                "request.",
                "personalizations",
            )
        )
    return problems


def _check_strings(value: Any, where: str, limit: int) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return [Problem("Key/value pairs must be strings.", where)]
    if _size(value) > limit:
        return [Problem(f"The total size may not exceed {limit:,} bytes.", where)]
    return []


def _size(value: dict[str, str]) -> int:
    """Keys and values in UTF-8 bytes (how SendGrid counts is not documented)."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in value.items())


def recipients(body: dict[str, Any]) -> list[Recipient]:
    """What each `to` address receives, substitutions applied (after `validate` passed)."""
    content = {block["type"]: block["value"] for block in body.get("content") or []}
    top_headers: dict[str, str] = body.get("headers") or {}
    top_args: dict[str, str] = body.get("custom_args") or {}
    found: list[Recipient] = []
    for item in body["personalizations"]:
        subs: dict[str, str] = item.get("substitutions") or {}
        substitute = _substituter(subs)
        subject = substitute(item.get("subject", body.get("subject", "")))
        text = content.get("text/plain")
        html = content.get("text/html")
        for address in item["to"]:
            found.append(
                Recipient(
                    email=address["email"],
                    name=address.get("name"),
                    subject=subject,
                    text=None if text is None else substitute(text),
                    html=None if html is None else substitute(html),
                    headers={**top_headers, **(item.get("headers") or {})},
                    custom_args={**top_args, **(item.get("custom_args") or {})},
                    substitutions=dict(subs),
                )
            )
    return found


def _substituter(substitutions: dict[str, str]) -> Callable[[str], str]:
    if not substitutions:
        return str
    # One pass, longest tag first: a value is never substituted again, and a tag that is a
    # prefix of another cannot eat part of it.
    tags = sorted(substitutions, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(tag) for tag in tags))

    def substitute(text: str) -> str:
        return pattern.sub(lambda match: substitutions[match.group(0)], text)

    return substitute
