from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every timestamp we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_iso(value: object) -> datetime | None:
    """Instantly's ISO-8601 strings (with a trailing Z) → aware datetime, or None.

    None too for a time that has no UTC equivalent (`0001-01-01T00:00:00+14:00` is in year
    0): callers treat the time as unknown, and the raw text stays in the stored body.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        return None
