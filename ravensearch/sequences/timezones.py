"""A technician's local time: their ZIP's time zone, else their state's, for sending windows."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zipcodes

# No ZIP or state (rare: a technician is found by place): the zone most of them live in.
FALLBACK_ZONE = "America/New_York"

# The zone most of each state lives in (split states take their larger part; the ZIP,
# when known, gives the exact one).
STATE_ZONES: dict[str, str] = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
    "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York",
    "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
    "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
    "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
    "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York",
    "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
    "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
    "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
    "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago",
    "TN": "America/Chicago", "TX": "America/Chicago", "UT": "America/Denver",
    "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
    "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
    "PR": "America/Puerto_Rico", "GU": "Pacific/Guam", "VI": "America/St_Thomas",
}  # fmt: skip


@lru_cache(maxsize=50_000)
def _zip_zone(zip_code: str) -> str | None:
    try:
        found = zipcodes.matching(zip_code)  # type: ignore[no-untyped-call]
    except (TypeError, ValueError):
        return None
    zone = found[0].get("timezone") if found else None
    return zone if isinstance(zone, str) and zone else None


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def zone_of(*, zip_code: str | None, state: str | None) -> ZoneInfo:
    five = (zip_code or "").strip()[:5]
    name = _zip_zone(five) if len(five) == 5 and five.isdigit() else None
    name = name or STATE_ZONES.get((state or "").strip().upper()) or FALLBACK_ZONE
    return _zone(name)


def in_window(
    now: datetime, zone: ZoneInfo, *, start_hour: int, end_hour: int, weekdays_only: bool
) -> bool:
    """Whether `now` falls in [start_hour, end_hour) of the local day in `zone`."""
    local = now.astimezone(zone)
    if weekdays_only and local.weekday() >= 5:
        return False
    return start_hour <= local.hour < end_hour
