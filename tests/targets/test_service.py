from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Target
from ravensearch.targets import service as service_module
from ravensearch.targets.csv_import import CsvImportError
from ravensearch.targets.schemas import TargetCreate, TargetFilters
from ravensearch.targets.service import TargetNotFound, target_service
from tests.fixtures.factories import create_target


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def _all(session: AsyncSession) -> Sequence[Target]:
    session.expunge_all()  # bulk writes bypass the identity map; read what is stored
    return (await session.scalars(select(Target).order_by(Target.business_name))).all()


class TestCreate:
    async def test_with_email_is_completed(self, session: AsyncSession) -> None:
        data = TargetCreate(
            business_name="Acme Heating",
            first_name="Pat",
            email="PAT@acme.com",
            phone="1 (512) 555-0100",
            website="www.Acme.com/",
            trade="HVAC",
        )
        target = await target_service.create(session, data=data)
        assert (target.status, target.status_reason, target.source) == ("completed", None, "manual")
        assert (target.email, target.phone_e164) == ("pat@acme.com", "+15125550100")
        assert (target.website, target.website_domain) == ("https://www.Acme.com/", "acme.com")
        assert target.trade == "hvac"
        assert await session.get(Target, target.id) is target

    async def test_without_email_is_pending(self, session: AsyncSession) -> None:
        target = await target_service.create(session, data=TargetCreate(business_name="Acme"))
        assert (target.status, target.status_reason) == ("pending", "no email yet")


class TestImportCsv:
    async def test_good_rows_land_and_bad_rows_are_reported(self, session: AsyncSession) -> None:
        content = _csv(
            "Company,E-mail,Phone,State,Category",
            "Acme Heating,pat@acme.com,512-555-0100,tx,HVAC",
            "No Email Plumbing,,512-555-0101,TX,Plumber",
            ",lost@acme.com,,,",
            "Broken,x@,,,",
        )
        report = await target_service.import_csv(session, content=content)
        assert report.model_dump() == {
            "imported": 2,
            "updated": 0,
            "skipped": 2,
            "errors": [
                {"line": 4, "reason": "missing business name"},
                {"line": 5, "reason": report.errors[1].reason},
            ],
            "encoding": "UTF-8",
        }
        assert report.errors[1].reason.startswith("invalid email 'x@'")
        rows = [
            (t.business_name, t.status, t.state, t.trade, t.source) for t in await _all(session)
        ]
        assert rows == [
            ("Acme Heating", "completed", "TX", "hvac", "csv"),
            ("No Email Plumbing", "pending", "TX", "plumbing", "csv"),
        ]

    async def test_reimport_updates_instead_of_duplicating(self, session: AsyncSession) -> None:
        content = _csv(
            "name,email,phone,website",
            "Acme Heating,pat@acme.com,,",
            "Best Plumbing,,(512) 555-0100,",
            "Cool Roofing,,,coolroofing.com",
            "Dan's Locks,,,",  # no key at all: matched on its name
        )
        first = await target_service.import_csv(session, content=content)
        second = await target_service.import_csv(session, content=content)
        assert (first.imported, first.updated) == (4, 0)
        assert (second.imported, second.updated, second.skipped) == (0, 4, 0)
        count = await session.scalar(select(func.count()).select_from(Target))
        assert count == 4

    async def test_match_fills_gaps_and_never_blanks(self, session: AsyncSession) -> None:
        await target_service.import_csv(
            session,
            content=_csv(
                "name,email,phone,city,website",
                "Acme Heating,Pat@Acme.com,512-555-0100,Austin,",
                "Best Plumbing,,512-555-0199,,",
            ),
        )
        report = await target_service.import_csv(
            session,
            content=_csv(
                "name,email,phone,city,website,zip",
                "Acme Heating Renamed,pat@acme.com,,Dallas,acme.com,78701",
                "Best Plumbing,owner@best.com,+1 512 555 0199,Houston,,",
            ),
        )
        assert (report.imported, report.updated) == (0, 2)
        acme, best = await _all(session)
        assert acme.business_name == "Acme Heating"
        assert (acme.phone, acme.city, acme.zip) == ("512-555-0100", "Austin", "78701")
        assert (acme.website, acme.website_domain) == ("https://acme.com", "acme.com")
        # Matched by phone; gaining an email makes it ready for dispatch.
        assert (best.email, best.city, best.status, best.status_reason) == (
            "owner@best.com",
            "Houston",
            "completed",
            None,
        )

    async def test_matches_targets_from_other_sources(self, session: AsyncSession) -> None:
        manual = await create_target(
            session,
            business_name="Cool Roofing LLC",
            email=None,
            status="pending",
            website="https://www.coolroofing.com",
            website_domain="coolroofing.com",
        )
        report = await target_service.import_csv(
            session,
            content=_csv(
                "business,url,email",
                "cool roofing,coolroofing.com/contact,",
                "Cool Roofing Supply,coolroofing.com,",  # same site, another business name
            ),
        )
        assert (report.imported, report.updated) == (1, 1)
        assert manual.id in {t.id for t in await _all(session)}

    async def test_duplicates_within_one_file_merge(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Chunks of 2 put the duplicate of line 2 in a later chunk, after line 2 was stored.
        monkeypatch.setattr(service_module, "IMPORT_CHUNK", 2)
        progress: list[tuple[int, int]] = []
        report = await target_service.import_csv(
            session,
            content=_csv(
                "name,email,phone,city",
                "Acme Heating,,512-555-0100,",
                "Other One,,,",
                "Other Two,,,",
                "Acme Heating,pat@acme.com,(512) 555-0100,Austin",
                "ACME HEATING,PAT@acme.com,,Dallas",
            ),
            on_progress=lambda done, total: progress.append((done, total)),
        )
        assert (report.imported, report.updated) == (3, 2)
        assert progress == [(2, 5), (4, 5), (5, 5)]
        acme = next(t for t in await _all(session) if t.business_name == "Acme Heating")
        assert (acme.email, acme.city, acme.status) == ("pat@acme.com", "Austin", "completed")

    async def test_latin1_file(self, session: AsyncSession) -> None:
        content = "name,city\nPeña Roofing,San José\n".encode("latin-1")
        report = await target_service.import_csv(session, content=content)
        assert report.imported == 1
        assert [(t.business_name, t.city) for t in await _all(session)] == [
            ("Peña Roofing", "San José")
        ]

    async def test_unusable_file_writes_nothing(self, session: AsyncSession) -> None:
        with pytest.raises(CsvImportError, match="no business name column"):
            await target_service.import_csv(session, content=_csv("email", "a@b.com"))
        assert await _all(session) == []


class TestList:
    async def _seed(self, session: AsyncSession) -> dict[str, Target]:
        rows = {
            "acme": await create_target(
                session,
                business_name="Acme Heating",
                first_name="Pat",
                last_name="O'Brien",
                trade="hvac",
                state="TX",
                city="Austin",
                email="pat@acme.com",
            ),
            "best": await create_target(
                session,
                business_name="Best Plumbing",
                first_name=None,
                trade="plumbing",
                state="CA",
                city="San Diego",
                email=None,
                status="pending",
            ),
            "cool": await create_target(
                session,
                business_name="Cool 100% Roofing",
                first_name="Sam",
                trade="roofing",
                state="TX",
                city="Dallas",
                email="sam@cool.com",
            ),
        }
        return rows

    # One seeded table serves every case: each PostgreSQL test pays for a TRUNCATE.
    CASES: ClassVar[list[tuple[dict[str, object], list[str]]]] = [
        ({}, ["acme", "best", "cool"]),
        ({"trade": "Plumber"}, ["best"]),
        ({"state": "tx"}, ["acme", "cool"]),
        ({"status": "pending"}, ["best"]),
        ({"has_email": True}, ["acme", "cool"]),
        ({"has_email": False}, ["best"]),
        ({"q": "HEATING"}, ["acme"]),
        ({"q": "pat o'brien"}, ["acme"]),
        ({"q": "SAM@cool"}, ["cool"]),
        ({"q": "san diego"}, ["best"]),
        ({"q": "100%"}, ["cool"]),
        ({"q": "%"}, ["cool"]),
        ({"q": "acme dallas"}, []),
        ({"state": "TX", "q": "sam"}, ["cool"]),
    ]

    async def test_filters(self, session: AsyncSession) -> None:
        names = {target.id: name for name, target in (await self._seed(session)).items()}
        for filters, expected in self.CASES:
            items, total = await target_service.list(
                session, filters=TargetFilters.model_validate(filters), limit=50, offset=0
            )
            assert sorted(names[item.id] for item in items) == expected, filters
            assert total == len(expected), filters

    async def test_pages_newest_first(self, session: AsyncSession) -> None:
        created = [await create_target(session, business_name=f"T{n}") for n in range(5)]
        for n, target in enumerate(created):  # distinct, known creation times
            target.created_at = target.created_at.replace(year=2020 + n)
        await session.flush()
        pages = [
            await target_service.list(session, filters=TargetFilters(), limit=2, offset=offset)
            for offset in (0, 2, 4)
        ]
        assert [total for _, total in pages] == [5, 5, 5]
        order = [target.business_name for items, _ in pages for target in items]
        assert order == ["T4", "T3", "T2", "T1", "T0"]


class TestGet:
    async def test_found(self, session: AsyncSession) -> None:
        target = await create_target(session)
        assert await target_service.get(session, target.id) is target

    async def test_not_found(self, session: AsyncSession) -> None:
        missing = uuid.uuid4()
        with pytest.raises(TargetNotFound, match=f"Target {missing} not found"):
            await target_service.get(session, missing)
