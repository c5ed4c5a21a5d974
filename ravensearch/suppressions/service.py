"""The suppression list: add an address or a domain, and ask whether an address is blocked."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Suppression, SuppressionKind
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.kit.clock import utcnow
from ravensearch.kit.emails import normalize_email
from ravensearch.suppressions.repository import SuppressionRepository

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_MAX_VALUE = 320


class SuppressionEntry(NamedTuple):
    value: str
    reason: str | None
    source: str


class SuppressionService:
    """Emails and domains that dispatch must skip; values are stored lower-cased."""

    async def add(
        self, session: AsyncSession, value: str, *, reason: str | None = None, source: str
    ) -> Suppression:
        """Suppress an email or a whole domain (`example.com` or `@example.com`).

        Idempotent: adding a value twice returns the first entry unchanged (its reason
        and source stay those of the first add). Raises `InvalidInput` for anything
        that is neither an email address nor a domain.
        """
        normalized, _kind = parse_value(value)
        await self.add_many(session, [SuppressionEntry(normalized, reason, source)])
        suppression = await SuppressionRepository(session).get_by_value(normalized)
        assert suppression is not None  # just inserted or already there
        return suppression

    async def add_many(self, session: AsyncSession, entries: Iterable[SuppressionEntry]) -> None:
        """`add` for many values in one statement; raises `InvalidInput` on a bad value."""
        rows: dict[str, dict[str, object]] = {}
        now = utcnow()
        for entry in entries:
            normalized, kind = parse_value(entry.value)
            rows.setdefault(
                normalized,
                {
                    "id": uuid.uuid4(),
                    "value": normalized,
                    "kind": kind.value,
                    "reason": entry.reason,
                    "source": entry.source,
                    "created_at": now,
                },
            )
        if rows:
            await SuppressionRepository(session).insert_ignoring_existing(list(rows.values()))

    async def is_suppressed(self, session: AsyncSession, email: str) -> bool:
        return bool(await self.suppressed_among(session, [email]))

    async def suppressed_among(self, session: AsyncSession, emails: Collection[str]) -> set[str]:
        """The given emails (as given) whose address, domain or a parent domain is suppressed.

        One query per 1,000 distinct values, so dispatch can check a whole batch at once.
        """
        candidates: dict[str, set[str]] = {}
        for email in emails:
            normalized = normalize_email(email)
            if normalized:
                candidates[email] = {normalized, *_domains_of(normalized)}
        if not candidates:
            return set()
        hits = await SuppressionRepository(session).values_among(set().union(*candidates.values()))
        return {email for email, values in candidates.items() if values & hits}

    async def list(
        self,
        session: AsyncSession,
        *,
        kind: SuppressionKind | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Suppression]:
        return await SuppressionRepository(session).list(kind=kind, limit=limit, offset=offset)

    async def remove(self, session: AsyncSession, value: str) -> None:
        """Delete an entry by its value; raises `NotFound` when there is none."""
        normalized, _kind = parse_value(value)
        if not await SuppressionRepository(session).delete_by_value(normalized):
            raise NotFound(f"{normalized} is not on the suppression list.")


def parse_value(value: str) -> tuple[str, SuppressionKind]:
    """Lower-cased value and whether it is an email or a domain; raises `InvalidInput`."""
    cleaned = value.strip().lower().rstrip(".")
    cleaned = cleaned.removeprefix("@")
    if "@" in cleaned:
        local, _, domain = cleaned.rpartition("@")
        # Deliberately looser than a full syntax check: a bounce must always be storable.
        if (
            local
            and len(cleaned) <= _MAX_VALUE
            and not any(ch.isspace() for ch in local)
            and _DOMAIN.match(domain)
        ):
            return cleaned, SuppressionKind.email
    elif _DOMAIN.match(cleaned):
        return cleaned, SuppressionKind.domain
    raise InvalidInput(f"{value!r} is neither an email address nor a domain name.")


def _domains_of(email: str) -> list[str]:
    # a@mail.example.com is blocked by mail.example.com and by example.com (never by "com").
    labels = email.rpartition("@")[2].split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


suppression_service = SuppressionService()
