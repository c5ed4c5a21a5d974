"""Opaque cursors for keyset pagination over rows ordered newest first by (created_at, id).

A page after a cursor costs the same however deep it is, where an OFFSET makes the database
walk past every row before it. The cursor is the last row's key, base64url-encoded so that
clients treat it as a token rather than build one.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from ravensearch.errors import InvalidInput
from ravensearch.kit.clock import as_utc

Key = tuple[datetime, uuid.UUID]
CURSOR_HELP = "The `next_cursor` of the previous page, unchanged; leave out for the first page."


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{as_utc(created_at).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """The key in `cursor`; InvalidInput (400) for anything this module did not make."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        when, _, row_id = text.partition("|")
        return as_utc(datetime.fromisoformat(when)), uuid.UUID(row_id)
    except (ValueError, OverflowError, UnicodeError, binascii.Error):
        raise InvalidInput(
            "cursor is not valid: pass the next_cursor of a previous page unchanged."
        ) from None


class Keyed(Protocol):
    created_at: datetime
    id: uuid.UUID


def next_cursor(items: Sequence[Keyed], *, more: bool) -> str | None:
    """The cursor of the page after `items`, or None when nothing comes after them."""
    if not items or not more:
        return None
    return encode_cursor(items[-1].created_at, items[-1].id)


def older_than(
    created_at: InstrumentedAttribute[datetime], row_id: InstrumentedAttribute[uuid.UUID], key: Key
) -> ColumnElement[bool]:
    """Rows after `key` in (created_at desc, id desc) order."""
    when, last_id = key
    return or_(created_at < when, and_(created_at == when, row_id < last_id))
