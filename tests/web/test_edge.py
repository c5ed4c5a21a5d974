"""Text the database cannot hold, and numbers past its range, are refused at the edge
(4xx in the project's error shape) on every API route and admin page, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.admin import AdminClient

NUL_QUERIES = [
    "/api/targets?q=%00",
    "/api/targets?status=%00",
    "/api/targets?trade=hvac%00",
    "/api/campaigns/00000000-0000-0000-0000-000000000000/dispatches?status=%00",
    "/api/instantly/campaigns?search=%00",
    "/api/notifications?%00=1",
]


class TestApi:
    @pytest.mark.parametrize("url", NUL_QUERIES)
    async def test_nul_in_the_query_is_400(self, client: httpx.AsyncClient, url: str) -> None:
        response = await client.get(url)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "invalid_input"
        assert "NUL character" in body["detail"]
        assert "Query parameter" in body["detail"]

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"businessName": "Cool\\u0000 Air"}',
            b'{"businessName": "Cool \\ud800Air"}',
            b'{"businessName": "Cool Air", "city": "Austin\\u0000"}',
        ],
    )
    async def test_unstorable_json_string_is_400(
        self, client: httpx.AsyncClient, raw: bytes
    ) -> None:
        response = await client.post(
            "/api/targets", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_input"
        assert "The JSON body" in response.json()["detail"]

    async def test_escaped_text_that_is_storable_passes(self, client: httpx.AsyncClient) -> None:
        # A real emoji written as a surrogate pair, and a backslash followed by "u0000".
        raw = b'{"businessName": "Cool Air \\ud83d\\ude00 \\\\u0000"}'
        response = await client.post(
            "/api/targets", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 201, response.text
        assert response.json()["business_name"] == "Cool Air \U0001f600 \\u0000"

    @pytest.mark.parametrize(
        "url",
        [
            "/api/targets?offset=9223372036854775808",
            "/api/targets?offset=10000001",
            "/api/notifications?offset=9223372036854775808",
            "/api/campaigns/00000000-0000-0000-0000-000000000000/dispatches?offset=99999999999",
        ],
    )
    async def test_offset_past_the_bound_is_refused(
        self, client: httpx.AsyncClient, url: str
    ) -> None:
        response = await client.get(url)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_input"
        assert "offset" in response.json()["detail"]

    async def test_offset_at_the_bound_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/targets?offset=10000000")
        assert response.status_code == 200
        assert response.json()["items"] == []


class TestAdmin:
    @pytest.mark.parametrize(
        "url",
        [
            "/outreach/targets?q=%00",
            "/outreach/suppressions?q=%00",
            "/outreach/pipeline?status=%00",
            "/outreach/campaigns?page=1&x=%00",
        ],
    )
    async def test_nul_in_the_query_is_a_400_page(self, admin: AdminClient, url: str) -> None:
        response = await admin.page(url)
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert "NUL character" in response.text

    @pytest.mark.parametrize(
        "url",
        [
            "/outreach/targets?page=9223372036854775808",
            "/outreach/suppressions?page=100001",
            "/settings/events?page=9223372036854775808",
        ],
    )
    async def test_page_past_the_bound_is_a_400_page(self, admin: AdminClient, url: str) -> None:
        response = await admin.page(url)
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]

    async def test_nul_in_a_form_field_is_refused(self, admin: AdminClient) -> None:
        response = await admin.submit("/outreach/suppressions", {"value": "x\x00@spam.example"})
        assert response.status_code == 400
        assert "NUL character" in response.text

    async def test_nul_in_a_form_field_is_a_toast_for_htmx(self, admin: AdminClient) -> None:
        response = await admin.submit("/outreach/suppressions/check", {"value": "\x00"}, htmx=True)
        assert response.status_code == 400
        assert response.headers["hx-reswap"] == "none"
        assert "NUL character" in response.text
