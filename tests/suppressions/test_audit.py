"""Suppressions added and removed by people are recorded in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import Role
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.suppressions.service import suppression_service
from ravensearch.users.service import user_service

Sessionmaker = async_sessionmaker[AsyncSession]


async def test_add_and_remove_are_audited(sessionmaker: Sessionmaker) -> None:
    async with unit_of_work(sessionmaker) as session:
        ann = await user_service.create(
            session, email="ann@example.com", password="pw-123456789", role=Role.admin
        )
        entry, created = await suppression_service.add_by_user(
            session, " @Acme.COM ", reason=" asked us ", user=ann
        )
        again, created_again = await suppression_service.add_by_user(
            session, "acme.com", reason="twice", user=ann
        )
    assert (entry.value, entry.kind, entry.source, entry.reason) == (
        "acme.com",
        "domain",
        "manual",
        "asked us",
    )
    assert created
    assert not created_again
    assert again.id == entry.id
    async with unit_of_work(sessionmaker) as session:
        assert (await suppression_service.added_by(session, ["acme.com"]))[
            "acme.com"
        ].user_email == "ann@example.com"
        removed = await suppression_service.remove_by_user(session, "ACME.com", user=ann)
        assert removed.value == "acme.com"
        with pytest.raises(NotFound):
            await suppression_service.remove_by_user(session, "acme.com", user=ann)
        with pytest.raises(InvalidInput):
            await suppression_service.add_by_user(session, "not a domain", reason=None, user=ann)
    async with sessionmaker() as session:
        changes = await suppression_service.changes(session)
        assert not await suppression_service.is_suppressed(session, "x@acme.com")
    assert [(c.action, c.subject, c.user_email) for c in changes] == [
        ("suppression.removed", "acme.com", "ann@example.com"),
        ("suppression.added", "acme.com", "ann@example.com"),
    ]
    assert changes[0].detail == "domain, added by manual: asked us"


async def test_count_and_search(sessionmaker: Sessionmaker) -> None:
    async with unit_of_work(sessionmaker) as session:
        for value in ("a@one.com", "b@two.com", "two.com"):
            await suppression_service.add(session, value, source="manual")
    async with sessionmaker() as session:
        assert await suppression_service.count(session) == 3
        assert await suppression_service.count(session, q="TWO") == 2
        found = await suppression_service.list(session, q="two", kind="domain")  # type: ignore[arg-type]
        assert [s.value for s in found] == ["two.com"]
