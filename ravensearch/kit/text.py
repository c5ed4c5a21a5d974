"""Text the database can hold: PostgreSQL refuses NUL characters, and no UTF-8 encoder
takes a lone UTF-16 surrogate (JSON can spell both: `\\u0000`, `\\ud800`)."""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def is_storable_text(value: str) -> bool:
    """False for text the database refuses: a NUL character or a lone surrogate."""
    return "\x00" not in value and _LONE_SURROGATE.search(value) is None


def storable_text(value: str) -> str:
    """`value` with NUL characters dropped and lone surrogates replaced by U+FFFD."""
    if is_storable_text(value):
        return value
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
