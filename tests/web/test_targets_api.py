from __future__ import annotations

import csv
import io
import uuid
from typing import Any, ClassVar

import httpx
import pytest
from bs4 import BeautifulSoup

from ravensearch.db.models import BusinessStatus, Target, TargetEmail
from ravensearch.db.session import unit_of_work
from ravensearch.jobs import launch
from ravensearch.runtime import Runtime
from ravensearch.targets import flows as target_flows
from tests.fixtures.admin import AdminClient

READ_FIELDS = {
    "id",
    "business_name",
    "first_name",
    "last_name",
    "contact_name",
    "trade",
    "phone",
    "phone_e164",
    "email",
    "website",
    "website_domain",
    "address",
    "address_suite",
    "city",
    "state",
    "zip",
    "source",
    "status",
    "status_reason",
    "business_status",
    "created_at",
    "updated_at",
}


async def _create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/targets", json={"businessName": "Acme Heating", **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _upload(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post(
        "/api/targets/import", files={"file": ("targets.csv", content, "text/csv")}
    )


class TestCreate:
    async def test_created_with_every_column(self, client: httpx.AsyncClient) -> None:
        body = await _create(
            client,
            firstName="Pat",
            lastName="Lee",
            email="Pat@Acme.com",
            phone="(512) 555-0100",
            website="acme.com",
            address="1 Main St",
            city="Austin",
            state="tx",
            zip="78701-1234",
            trade="HVAC",
        )
        assert set(body) == READ_FIELDS
        assert {key: body[key] for key in READ_FIELDS - {"id", "created_at", "updated_at"}} == {
            "business_name": "Acme Heating",
            "first_name": "Pat",
            "last_name": "Lee",
            "contact_name": "Pat Lee",
            "trade": "hvac",
            "phone": "(512) 555-0100",
            "phone_e164": "+15125550100",
            "email": "pat@acme.com",
            "website": "https://acme.com",
            "website_domain": "acme.com",
            "address": "1 Main St",
            "address_suite": None,  # collected listings only (Google subpremise, Yelp address2)
            "city": "Austin",
            "state": "TX",
            "zip": "78701-1234",
            "source": "manual",
            "status": "completed",
            "status_reason": None,
            "business_status": None,  # collected listings only
        }
        assert body["created_at"].endswith(("+00:00", "Z"))
        fetched = await client.get(f"/api/targets/{body['id']}")
        assert fetched.json() == {**body, "emails_found": []}

    async def test_without_email_is_pending(self, client: httpx.AsyncClient) -> None:
        body = await _create(client)
        assert (body["status"], body["status_reason"], body["email"]) == (
            "pending",
            "no email yet",
            None,
        )

    # One test loops over the cases: each database test pays for a fresh token and, on
    # PostgreSQL, a TRUNCATE. The rules themselves are unit-tested in tests/targets.
    INVALID: ClassVar[list[tuple[dict[str, Any], str]]] = [
        ({}, "businessName is required."),
        ({"businessName": "  "}, "businessName: missing business name"),
        ({"businessName": "x" * 301}, "businessName must have at most 300 characters."),
        ({"businessName": "A", "email": "x@"}, "email: invalid email 'x@'"),
        ({"businessName": "A", "state": "ZZ"}, "state: unknown state 'ZZ'"),
        ({"businessName": "A", "zip": "123"}, "zip: invalid zip '123'"),
        ({"businessName": "A", "trade": "baker"}, "trade: Unknown trade 'baker'. Allowed trades:"),
        ({"businessName": "A", "nickname": "x"}, "nickname is not a field of this request"),
    ]

    async def test_invalid_field_is_400_naming_it(self, client: httpx.AsyncClient) -> None:
        for body, detail in self.INVALID:
            response = await client.post("/api/targets", json=body)
            assert response.status_code == 400, body
            assert response.json()["error"] == "invalid_input"
            assert detail in response.json()["detail"], response.json()
        listed = await client.get("/api/targets")
        assert listed.json()["total"] == 0


class TestAuth:
    async def test_token_required(self, anon_client: httpx.AsyncClient) -> None:
        routes = [
            ("POST", "/api/targets"),
            ("POST", "/api/targets/import"),
            ("GET", "/api/targets"),
            ("GET", f"/api/targets/{uuid.uuid4()}"),
        ]
        for method, path in routes:
            response = await anon_client.request(method, path, json={"businessName": "Acme"})
            assert response.status_code == 401, path
            assert response.json()["error"] == "unauthorized"


class TestImport:
    async def test_report_and_rows(self, client: httpx.AsyncClient) -> None:
        content = (
            "\ufeffCompany Name,E-mail Address,Phone Number,Zip Code\r\n"
            "Acme Heating,pat@acme.com,512-555-0100,78701\r\n"
            "Unknown State,,,1\r\n"
            "Best Plumbing,,,\r\n"
        ).encode()
        response = await _upload(client, content)
        assert response.status_code == 200
        report = response.json()
        assert (report["imported"], report["updated"], report["skipped"]) == (2, 0, 1)
        assert report["encoding"] == "UTF-8 with BOM"
        assert report["errors"] == [{"line": 3, "reason": report["errors"][0]["reason"]}]
        assert report["errors"][0]["reason"].startswith("invalid zip '1'")
        listed = (await client.get("/api/targets")).json()
        assert {item["business_name"]: item["source"] for item in listed["items"]} == {
            "Acme Heating": "csv",
            "Best Plumbing": "csv",
        }
        again = (await _upload(client, content)).json()
        assert (again["imported"], again["updated"]) == (0, 2)

    @pytest.mark.parametrize(
        ("content", "detail"),
        [
            (b"", "The file is empty"),
            (b"Email,Phone\nx@y.com,1\n", "Found columns: 'Email', 'Phone'"),
            (b"\x00\x01\x02binary", "binary file"),
        ],
    )
    async def test_unusable_file_is_400(
        self, client: httpx.AsyncClient, content: bytes, detail: str
    ) -> None:
        response = await _upload(client, content)
        assert response.status_code == 400
        assert detail in response.json()["detail"]

    async def test_an_unterminated_quote_is_reported_by_line_and_not_imported(
        self, client: httpx.AsyncClient
    ) -> None:
        content = (
            "Business Name,First Name,Email,City,State,Trade\n"
            '"Gulf Coast Plumbing,James,james@gulfcoast.com,Houston,TX,plumbing\n'
            "Bright Spark Electric,Robert,robert@brightspark.com,Dallas,TX,electrical\n"
            '"Alamo Roofing",Linda,linda@alamo.com,San Antonio,TX,roofing\n'
            "Hill Country HVAC,Carlos,carlos@hillcountry.com,Austin,TX,hvac\n"
        ).encode("cp1252")
        report = (await _upload(client, content)).json()
        assert (report["imported"], report["skipped"]) == (1, 1)
        assert report["errors"][0]["line"] == 2
        assert "lines 2–4" in report["errors"][0]["reason"]
        assert report["encoding"] == "UTF-8"
        listed = (await client.get("/api/targets")).json()
        assert [item["business_name"] for item in listed["items"]] == ["Hill Country HVAC"]

    async def test_too_large_is_413(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(target_flows, "MAX_IMPORT_BYTES", 50)
        monkeypatch.setattr(launch, "MAX_UPLOAD_BYTES", 100)
        response = await _upload(client, b"name\n" + b"Acme Heating\n" * 50)
        assert response.status_code == 413
        assert response.json()["error"] == "file_too_large"

    async def test_file_field_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/targets/import", files={"upload": ("a.csv", b"name")})
        assert response.status_code == 400
        assert response.json()["detail"] == "file is required."


class TestList:
    async def test_filters_search_and_pages(self, client: httpx.AsyncClient) -> None:
        for n in range(3):
            await _create(
                client, businessName=f"Heat {n}", trade="hvac", state="TX", email=f"h{n}@heat.com"
            )
        await _create(client, businessName="Pipe Co", trade="plumbing", state="CA", city="Fresno")
        page = (await client.get("/api/targets", params={"trade": "HVAC", "limit": 2})).json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
        assert [item["business_name"] for item in page["items"]] == ["Heat 2", "Heat 1"]
        rest = await client.get("/api/targets", params={"trade": "hvac", "limit": 2, "offset": 2})
        assert [item["business_name"] for item in rest.json()["items"]] == ["Heat 0"]
        found = await client.get("/api/targets", params={"q": "fresno", "has_email": "false"})
        assert [item["business_name"] for item in found.json()["items"]] == ["Pipe Co"]

    BAD: ClassVar[list[tuple[dict[str, Any], str]]] = [
        ({"trade": "baker"}, "trade: Unknown trade 'baker'. Allowed trades:"),
        ({"state": "ZZ"}, "state: unknown state 'ZZ'"),
        ({"status": "done"}, "status must be one of 'pending'"),
        ({"has_email": "maybe"}, "has_email must be true or false, not 'maybe'."),
        ({"limit": 0}, "limit must be at least 1."),
        ({"limit": 501}, "limit must be at most 500."),
        ({"offset": -1}, "offset must be at least 0."),
    ]

    async def test_bad_filter_is_400(self, client: httpx.AsyncClient) -> None:
        for params, detail in self.BAD:
            response = await client.get("/api/targets", params=params)
            assert response.status_code == 400, params
            assert detail in response.json()["detail"], response.json()


class TestGet:
    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        missing = uuid.uuid4()
        response = await client.get(f"/api/targets/{missing}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": f"Target {missing} not found"}


class TestWhereTheEmailWasFound:
    async def test_the_api_and_the_targets_page_say_where_and_how(
        self, client: httpx.AsyncClient, runtime: Runtime, admin: AdminClient
    ) -> None:
        created = await _create(
            client, businessName="Acme Air", email="office@acme-air.com", website="acme-air.com"
        )
        target_id = uuid.UUID(created["id"])
        async with unit_of_work(runtime.sessionmaker) as session:
            for email, method, page, chosen, score in (
                ("jobs@acme-air.com", "alt", "https://acme-air.com/careers", False, 40),
                ("office@acme-air.com", "mailto", "https://acme-air.com/contact", True, 90),
            ):
                session.add(
                    TargetEmail(target_id=target_id, email=email, method=method, page_url=page,
                                verdict="valid", chosen=chosen, score=score)
                )  # fmt: skip
        detail = (await client.get(f"/api/targets/{target_id}")).json()
        assert [(e["email"], e["method"], e["page_url"], e["chosen"])
                for e in detail["emails_found"]] == [
            ("office@acme-air.com", "mailto", "https://acme-air.com/contact", True),
            ("jobs@acme-air.com", "alt", "https://acme-air.com/careers", False),
        ]  # fmt: skip
        page = await admin.page("/outreach/targets")
        source = BeautifulSoup(page.text, "html.parser").select_one("[data-email-source]")
        assert source is not None
        assert source.text == "Found by mailto on https://acme-air.com/contact"


class TestBusinessStatusAndSuite:
    async def test_the_api_the_page_and_the_export_show_them(
        self, client: httpx.AsyncClient, runtime: Runtime, admin: AdminClient
    ) -> None:
        created = await _create(client, businessName="Acme Air", address="1200 Oak St")
        target_id = uuid.UUID(created["id"])
        assert (created["business_status"], created["address_suite"]) == (None, None)
        async with unit_of_work(runtime.sessionmaker) as session:
            target = await session.get(Target, target_id)
            assert target is not None
            target.business_status = BusinessStatus.closed_temporarily
            target.address_suite = "Suite 200"
        detail = (await client.get(f"/api/targets/{target_id}")).json()
        assert (detail["business_status"], detail["address_suite"]) == (
            "closed_temporarily", "Suite 200",
        )  # fmt: skip
        assert detail["address"] == "1200 Oak St"
        page = await admin.page("/outreach/targets")
        flag = BeautifulSoup(page.text, "html.parser").select_one("[data-business-status]")
        assert flag is not None
        assert (flag["data-business-status"], flag.text) == (
            "closed_temporarily", "Temporarily closed",
        )  # fmt: skip
        export = await admin.page("/outreach/targets/export.csv")
        [row] = list(csv.DictReader(io.StringIO(export.text)))
        assert (row["address"], row["address_suite"], row["business_status"]) == (
            "1200 Oak St", "Suite 200", "closed_temporarily",
        )  # fmt: skip
