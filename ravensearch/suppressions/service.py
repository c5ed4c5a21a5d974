"""The suppression list: add an address or a domain, and ask whether an address is blocked."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.audit.service import audit_service
from ravensearch.db.models import AuditEntry, Suppression, SuppressionKind, User
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.kit.clock import utcnow
from ravensearch.kit.emails import normalize_email
from ravensearch.suppressions.repository import SuppressionRepository

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_MAX_VALUE = 320
MANUAL_SOURCE = "manual"
ADDED_ACTION = "suppression.added"
REMOVED_ACTION = "suppression.removed"


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
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Suppression]:
        """Newest first; `q` keeps values containing it."""
        return await SuppressionRepository(session).list(kind=kind, q=q, limit=limit, offset=offset)

    async def count(
        self, session: AsyncSession, *, kind: SuppressionKind | None = None, q: str | None = None
    ) -> int:
        return await SuppressionRepository(session).count(kind=kind, q=q)

    async def get(self, session: AsyncSession, value: str) -> Suppression:
        """The entry for exactly this value; raises `NotFound` (or `InvalidInput`)."""
        normalized, _kind = parse_value(value)
        entry = await SuppressionRepository(session).get_by_value(normalized)
        if entry is None:
            raise NotFound(f"{normalized} is not on the suppression list.")
        return entry

    async def remove(self, session: AsyncSession, value: str) -> None:
        """Delete an entry by its value; raises `NotFound` when there is none."""
        normalized, _kind = parse_value(value)
        if not await SuppressionRepository(session).delete_by_value(normalized):
            raise NotFound(f"{normalized} is not on the suppression list.")

    async def add_by_user(
        self, session: AsyncSession, value: str, *, reason: str | None, user: User | None
    ) -> tuple[Suppression, bool]:
        """A person adds a value: (entry, True) and an audit entry when it is new, else
        (the existing entry, False) and nothing is written. Raises `InvalidInput`."""
        normalized, kind = parse_value(value)
        existing = await SuppressionRepository(session).get_by_value(normalized)
        if existing is not None:
            return existing, False
        reason = (reason or "").strip()[:500] or None
        entry = await self.add(session, normalized, reason=reason, source=MANUAL_SOURCE)
        detail = f"{kind.value}" + (f": {reason}" if reason else "")
        await audit_service.record(
            session, action=ADDED_ACTION, subject=normalized, user=user, detail=detail
        )
        return entry, True

    async def remove_by_user(
        self, session: AsyncSession, value: str, *, user: User | None
    ) -> Suppression:
        """A person removes a value (dispatch may email it again): deleted and audited
        with who and what it was. Returns the removed entry; raises `NotFound`."""
        normalized, _kind = parse_value(value)
        repository = SuppressionRepository(session)
        entry = await repository.get_by_value(normalized)
        if entry is None or not await repository.delete_by_value(normalized):
            raise NotFound(f"{normalized} is not on the suppression list.")
        detail = f"{entry.kind}, added by {entry.source}" + (
            f": {entry.reason}" if entry.reason else ""
        )
        await audit_service.record(
            session, action=REMOVED_ACTION, subject=normalized, user=user, detail=detail[:1000]
        )
        return entry

    async def added_by(
        self, session: AsyncSession, values: Collection[str]
    ) -> dict[str, AuditEntry]:
        """Who added each of these values by hand (values added by events have no entry)."""
        return await SuppressionRepository(session).audit_by_subject(ADDED_ACTION, values)

    async def changes(self, session: AsyncSession, *, limit: int = 20) -> Sequence[AuditEntry]:
        """The latest additions and removals made by people, newest first."""
        return await SuppressionRepository(session).audit_entries(
            (ADDED_ACTION, REMOVED_ACTION), limit=limit
        )


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
