"""Ages typed by people on the command line: `90d`, `12h`, `4w`."""

from __future__ import annotations

import re
from datetime import timedelta

from ravensearch.errors import InvalidInput

_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
# No minutes or months: `m` would read as either, and neither is an age worth pruning by.
_AGE = re.compile(r"(\d{1,5})\s*([hdw])")


def parse_age(value: str) -> timedelta:
    """`90d` → 90 days; a number of hours, days or weeks, greater than zero."""
    match = _AGE.fullmatch(value.strip().lower())
    if match is None or int(match[1]) == 0:
        raise InvalidInput(
            f"“{value}” is not an age: use a number and h, d or w, e.g. 90d, 12h or 4w."
        )
    return int(match[1]) * _UNITS[match[2]]
