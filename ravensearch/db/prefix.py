"""Ids given by a unique prefix (the CLI's `--campaign 0199e9d9`): the rows whose UUID starts
with it. A range, not LIKE: SQLite stores a UUID as 32 hex digits, PostgreSQL as `uuid`, and
both order them as their hex digits do, so one BETWEEN serves both through the primary key."""

from __future__ import annotations

import string
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ravensearch.errors import InvalidInput, NotFound

_HEX = frozenset(string.hexdigits)


def prefix_range(prefix: str) -> tuple[uuid.UUID, uuid.UUID]:
    digits = prefix.strip().lower().replace("-", "")
    if not digits or len(digits) > 32 or not set(digits) <= _HEX:
        raise InvalidInput(
            f"'{prefix}' is not an id: give a UUID or its first characters (hex digits)."
        )
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


async def ids_with_prefix(
    session: AsyncSession, column: InstrumentedAttribute[uuid.UUID], prefix: str, *, limit: int = 3
) -> Sequence[uuid.UUID]:
    low, high = prefix_range(prefix)
    stmt = select(column).where(column.between(low, high)).order_by(column).limit(limit)
    return (await session.scalars(stmt)).all()


async def resolve_prefix(
    session: AsyncSession, column: InstrumentedAttribute[uuid.UUID], prefix: str, *, noun: str
) -> uuid.UUID:
    """The one id starting with `prefix`; NotFound or InvalidInput (ambiguous) otherwise."""
    found = await ids_with_prefix(session, column, prefix)
    if not found:
        raise NotFound(f"No {noun} id starts with '{prefix}'.")
    if len(found) > 1:
        shown = ", ".join(str(i) for i in found[:2])
        raise InvalidInput(
            f"'{prefix}' starts more than one {noun} id ({shown} …): give more characters."
        )
    return found[0]
