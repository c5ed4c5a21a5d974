"""Email address checks shared by import, dispatch and suppression."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email


def normalize_email(value: str | None) -> str | None:
    """Lower-cased, trimmed address, or None when blank."""
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned or None


# A strict subset of valid addresses (what nearly every real one looks like); anything
# else goes through email-validator, which costs ~0.2 ms an address.
_PLAIN_ADDRESS = re.compile(
    r"[a-z0-9](?:[a-z0-9_%+-]|\.(?!\.))*(?<!\.)@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
)


def is_valid_email(value: str) -> bool:
    """Syntax only (no DNS): the MX check belongs to enrichment."""
    if len(value) <= 254 and _PLAIN_ADDRESS.fullmatch(value):
        return True
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def email_domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].lower()
