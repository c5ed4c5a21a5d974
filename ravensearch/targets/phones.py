"""Phone numbers as people type them → E.164, for US (NANP) numbers only."""

from __future__ import annotations

import re

# "555-123-4567 ext. 89", "x89", "#89": an extension is not part of the number we match on.
_EXTENSION = re.compile(r"(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_NON_DIGITS = re.compile(r"\D")


def to_e164(phone: str | None) -> str | None:
    """`+1XXXXXXXXXX` for 10 digits, or 11 digits starting with 1; None for anything else."""
    if not phone:
        return None
    digits = _NON_DIGITS.sub("", _EXTENSION.sub("", phone))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    return f"+1{digits}"


def to_national(phone: str | None) -> str | None:
    """`(512) 555-1000` for a number `to_e164` accepts; None for anything else."""
    e164 = to_e164(phone)
    if e164 is None:
        return None
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


# NANP toll-free area codes: one number rings a call centre for every location of a chain.
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def is_toll_free(e164: str | None) -> bool:
    return bool(e164) and e164[2:5] in _TOLL_FREE  # type: ignore[index]
