"""Email address checks shared by import, dispatch and suppression."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalize_email(value: str | None) -> str | None:
    """Lower-cased, trimmed address, or None when blank."""
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned or None


def is_valid_email(value: str) -> bool:
    """Syntax only (no DNS): the MX check belongs to enrichment."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def email_domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].lower()
