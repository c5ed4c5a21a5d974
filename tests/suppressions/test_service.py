from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Suppression, SuppressionKind
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.suppressions.service import parse_value, suppression_service


class TestParseValue:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (" Owner@Acme.COM ", ("owner@acme.com", SuppressionKind.email)),
            ("acme.com", ("acme.com", SuppressionKind.domain)),
            ("@Acme.com", ("acme.com", SuppressionKind.domain)),
            ("mail.acme.co.uk.", ("mail.acme.co.uk", SuppressionKind.domain)),
        ],
    )
    def test_detects_kind(self, value: str, expected: tuple[str, SuppressionKind]) -> None:
        assert parse_value(value) == expected

    @pytest.mark.parametrize("value", ["", "nodot", "a b@acme.com", "@", "x@", "x@nodot", "-a.com"])
    def test_rejects_garbage(self, value: str) -> None:
        with pytest.raises(InvalidInput):
            parse_value(value)


class TestAdd:
    async def test_idempotent(self, session: AsyncSession) -> None:
        first = await suppression_service.add(
            session, "Owner@Acme.com", reason="hard bounce", source="bounce"
        )
        again = await suppression_service.add(
            session, "owner@acme.com", reason="other", source="manual"
        )
        assert again.id == first.id
        assert (again.value, again.kind, again.reason, again.source) == (
            "owner@acme.com",
            "email",
            "hard bounce",
            "bounce",
        )
        assert await session.scalar(select(func.count()).select_from(Suppression)) == 1


class TestSuppressedAmong:
    async def test_email_and_domain_matches(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "gone@acme.com", source="bounce")
        await suppression_service.add(session, "blocked.example", source="manual")
        emails = [
            "Gone@Acme.com",
            "other@acme.com",
            "boss@blocked.example",
            "x@mail.blocked.example",
            "ok@fine.example",
        ]
        assert await suppression_service.suppressed_among(session, emails) == {
            "Gone@Acme.com",
            "boss@blocked.example",
            "x@mail.blocked.example",
        }

    async def test_tld_alone_never_matches(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "acme.com", source="manual")
        assert await suppression_service.suppressed_among(session, ["a@other.com"]) == set()

    async def test_many_emails(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "n2500@bulk.example", source="manual")
        emails = [f"n{i}@bulk.example" for i in range(3000)]
        assert await suppression_service.suppressed_among(session, emails) == {"n2500@bulk.example"}

    async def test_empty_and_blank(self, session: AsyncSession) -> None:
        assert await suppression_service.suppressed_among(session, []) == set()
        assert await suppression_service.suppressed_among(session, ["  "]) == set()

    async def test_is_suppressed(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "acme.com", source="manual")
        assert await suppression_service.is_suppressed(session, "Boss@ACME.com")
        assert not await suppression_service.is_suppressed(session, "boss@acme.org")


class TestListAndRemove:
    async def test_list_filters_by_kind(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "a@acme.com", source="manual")
        await suppression_service.add(session, "acme.org", source="manual")
        everything = await suppression_service.list(session)
        domains = await suppression_service.list(session, kind=SuppressionKind.domain)
        assert sorted(s.value for s in everything) == ["a@acme.com", "acme.org"]
        assert [s.value for s in domains] == ["acme.org"]

    async def test_remove(self, session: AsyncSession) -> None:
        await suppression_service.add(session, "a@acme.com", source="manual")
        await suppression_service.remove(session, "A@acme.com")
        assert not await suppression_service.is_suppressed(session, "a@acme.com")
        with pytest.raises(NotFound):
            await suppression_service.remove(session, "a@acme.com")
