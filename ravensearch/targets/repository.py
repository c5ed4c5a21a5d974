from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Target, TargetEmail
from ravensearch.kit.clock import utcnow
from ravensearch.kit.cursor import Key, older_than
from ravensearch.targets.merge import MERGED_COLUMNS, Row
from ravensearch.targets.schemas import TargetFilters

_TABLE = Target.metadata.tables[Target.__tablename__]
# What an import needs to know of a stored target to match it and fill its gaps.
_UPDATED = ("id", "status", "status_reason", *MERGED_COLUMNS)
_ROW_COLUMNS = tuple(_TABLE.c[name] for name in ("business_name", *_UPDATED))
_EMPTY = literal_column("''", String)
# Up to this many matches, a page is sorted from the matches rather than read off the
# created_at index (see `paginate`).
_SORT_MATCHES_UP_TO = 10_000
_SPACE = literal_column("' '", String)


def _conditions(
    filters: TargetFilters, *, not_status: str | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not_status:
        conditions.append(Target.status != not_status)
    if filters.trade:
        conditions.append(Target.trade == filters.trade)
    if filters.state:
        conditions.append(Target.state == filters.state)
    if filters.status:
        conditions.append(Target.status == filters.status)
    if filters.source:
        conditions.append(Target.source == filters.source)
    if filters.has_email is not None:
        has_email = and_(Target.email.is_not(None), Target.email != "")
        conditions.append(has_email if filters.has_email else ~has_email)
    # Inline constants (not bound parameters): the expression must be the very one a
    # PostgreSQL trigram index on "first last" would be built on, or the index is not used.
    contact = (
        func.coalesce(Target.first_name, _EMPTY) + _SPACE + func.coalesce(Target.last_name, _EMPTY)
    )
    searched = (Target.business_name, contact, Target.email, Target.city)
    # Every word must appear somewhere: "smith austin" finds Smith Plumbing in Austin.
    # icontains renders lower() LIKE on SQLite and ILIKE on PostgreSQL; autoescape keeps a
    # typed % or _ literal.
    for word in (filters.q or "").split():
        conditions.append(or_(*(column.icontains(word, autoescape=True) for column in searched)))
    return conditions


def _key_in(key: Any, values: Collection[Any], *, dialect: str) -> Select[Any]:
    """Ids of the targets whose `key` is one of `values`.

    On PostgreSQL as a join on `unnest(array)`: given a long IN list the planner expects
    many matches and scans the table (76 ms at 60k targets, for each chunk of an import);
    joined to an array it probes the index once per value.
    """
    if dialect != "postgresql":
        return select(Target.id).where(key.in_(values))
    array_type = postgresql.ARRAY(Uuid() if key is Target.id else String())
    keys = (
        func.unnest(bindparam(None, list(values), type_=array_type))
        .table_valued("key")
        .render_derived()
    )
    return select(Target.id).join(keys, key == keys.c.key)


def matching_rows_query(
    *,
    emails: Collection[str],
    phones: Collection[str],
    domains: Collection[str],
    names: Collection[str],
    ids: Collection[uuid.UUID] = (),
    dialect: str = "postgresql",
) -> Select[Any]:
    """`lower(email)` and `lower(business_name)` are the very expressions indexed by
    migration (…_email_lower, …_business_name_lower): change them together or every
    chunk of an import scans the table.

    One SELECT per key, united: given one `OR` of five long IN lists, PostgreSQL scans the
    whole table instead of using five indexes.
    """
    wanted = [
        (func.lower(Target.email), emails),
        (Target.phone_e164, phones),
        (Target.website_domain, domains),
        (func.lower(Target.business_name), names),
        (Target.id, ids),
    ]
    arms = [_key_in(key, values, dialect=dialect) for key, values in wanted if values]
    if not arms:
        return select(*_ROW_COLUMNS).where(false())
    matching = arms[0] if len(arms) == 1 else union(*arms)
    return (
        select(*_ROW_COLUMNS).where(Target.id.in_(matching)).order_by(Target.created_at, Target.id)
    )


class TargetRepository:
    """Every query on `outreach_targets`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def found_emails(self, target_ids: Sequence[uuid.UUID]) -> Sequence[TargetEmail]:
        """The addresses enrichment found for these targets (the chosen one first)."""
        if not target_ids:
            return []
        stmt = (
            select(TargetEmail)
            .where(TargetEmail.target_id.in_(list(target_ids)))
            .order_by(TargetEmail.target_id, TargetEmail.chosen.desc(), TargetEmail.score.desc())
        )
        return (await self.session.scalars(stmt)).all()

    async def get(self, target_id: uuid.UUID) -> Target | None:
        return await self.session.get(Target, target_id)

    def add(self, target: Target) -> None:
        self.session.add(target)

    async def flush(self) -> None:
        await self.session.flush()

    async def paginate(
        self, filters: TargetFilters, *, limit: int, offset: int, not_status: str | None = None
    ) -> tuple[Sequence[Target], int]:
        conditions = _conditions(filters, not_status=not_status)
        total = await self.count(filters, not_status=not_status)
        if total <= offset:
            return [], total
        newest: ColumnElement[datetime] = Target.created_at.expression
        if total <= _SORT_MATCHES_UP_TO:
            # Few matches: find them, then sort them. Left to itself PostgreSQL may walk the
            # created_at index through the whole table hoping to meet 50 matches early (it
            # misjudges how rare an ILIKE word is): 0.5 s for a word found nowhere in 100k
            # rows. The expression keeps the index out of the ORDER BY on both backends.
            newest = func.coalesce(Target.created_at, Target.created_at)
        stmt: Select[Any] = (
            select(Target)
            .where(*conditions)
            .order_by(newest.desc(), Target.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(stmt)).all(), total

    async def count(self, filters: TargetFilters, *, not_status: str | None = None) -> int:
        conditions = _conditions(filters, not_status=not_status)
        count = select(func.count()).select_from(Target).where(*conditions)
        return int(await self.session.scalar(count) or 0)

    async def matching_ids(self, filters: TargetFilters, *, limit: int) -> list[uuid.UUID]:
        """Ids of the targets matching `filters`, oldest first, at most `limit`."""
        stmt = (
            select(Target.id)
            .where(*_conditions(filters))
            .order_by(Target.created_at, Target.id)
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def page_after(
        self,
        filters: TargetFilters,
        *,
        after: Key | None,
        limit: int,
    ) -> Sequence[Target]:
        """The next `limit` matching targets, newest first, after the (created_at, id)
        key of the last one read: keyset pages stay fast however deep they go."""
        stmt: Select[Any] = (
            select(Target)
            .where(*_conditions(filters))
            .order_by(Target.created_at.desc(), Target.id.desc())
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(older_than(Target.created_at, Target.id, after))
        return (await self.session.scalars(stmt)).all()

    async def get_matching_rows(
        self,
        *,
        emails: Collection[str],
        phones: Collection[str],
        domains: Collection[str],
        names: Collection[str],
        ids: Collection[uuid.UUID] = (),
    ) -> list[Row]:
        """Targets sharing any of these keys (emails and names lower-case), oldest first."""
        stmt = matching_rows_query(
            emails=emails,
            phones=phones,
            domains=domains,
            names=names,
            ids=ids,
            dialect=self.session.get_bind().dialect.name,
        )
        return [dict(row) for row in (await self.session.execute(stmt)).mappings()]

    async def insert_rows(self, rows: Sequence[Row]) -> None:
        """Multi-row INSERTs without ORM objects; defaults (id, timestamps) are filled in."""
        if rows:
            # A Core executemany on the table: the ORM's bulk path drops None values and splits
            # a batch into one statement per distinct set of filled columns.
            await self.session.execute(insert(_TABLE), list(rows))

    async def update_rows(self, rows: Sequence[Row]) -> None:
        """UPDATE the merged columns of these rows (they carry `id`) by primary key."""
        if rows:
            now = utcnow()
            params = [{name: row[name] for name in _UPDATED} | {"updated_at": now} for row in rows]
            await self.session.execute(update(Target), params)
