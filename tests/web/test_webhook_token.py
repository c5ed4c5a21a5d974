"""`POST /api/webhooks/instantly/<token>`: the secret as a URL token, never in a log line."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ravensearch.logging import redact
from ravensearch.runtime import Runtime
from tests.events.helpers import states
from tests.fixtures.access_log import access_line_as_served
from tests.fixtures.factories import instantly_event
from tests.fixtures.web import WEBHOOK_SECRET

URL = "/api/webhooks/instantly"


def opened(email: str = "tok@lead.example") -> dict[str, Any]:
    return instantly_event("email_opened", campaign_id="c-token", email=email)


async def post(http: httpx.AsyncClient, url: str, payload: Any, **kw: Any) -> httpx.Response:
    return await http.post(url, content=json.dumps(payload).encode(), **kw)


class TestUrlToken:
    async def test_the_secret_in_the_url_stores_the_event(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        response = await post(anon_client, f"{URL}/{WEBHOOK_SECRET}", opened())
        assert (response.status_code, response.json()) == (200, {"ok": True, "duplicate": False})
        assert await states(runtime.sessionmaker) == ["pending"]

    async def test_same_dedupe_as_the_header_route(self, anon_client: httpx.AsyncClient) -> None:
        by_header = await post(
            anon_client, URL, opened(), headers={"X-Webhook-Secret": WEBHOOK_SECRET}
        )
        by_token = await post(anon_client, f"{URL}/{WEBHOOK_SECRET}", opened())
        assert by_header.json()["duplicate"] is False
        assert by_token.json()["duplicate"] is True

    @pytest.mark.parametrize("token", ["wrong", WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x"])
    async def test_a_wrong_token_is_401_even_with_the_right_header(
        self, anon_client: httpx.AsyncClient, runtime: Runtime, token: str
    ) -> None:
        response = await post(
            anon_client, f"{URL}/{token}", opened(), headers={"X-Webhook-Secret": WEBHOOK_SECRET}
        )
        assert response.status_code == 401
        assert "secret" in response.json()["detail"]
        assert await states(runtime.sessionmaker) == []

    async def test_no_secret_configured_refuses_every_token(
        self, anon_client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        runtime.webhook_secret = ""
        assert (await post(anon_client, f"{URL}/anything", opened())).status_code == 401

    async def test_a_deeper_path_is_not_a_token(self, anon_client: httpx.AsyncClient) -> None:
        response = await post(anon_client, f"{URL}/{WEBHOOK_SECRET}/more", opened())
        assert response.status_code == 404


class TestNeverLogged:
    def test_uvicorn_access_line_is_redacted(self, capsys: pytest.CaptureFixture[str]) -> None:
        line = access_line_as_served(f"{URL}/{WEBHOOK_SECRET}", capsys)
        assert f"{URL}/[redacted]" in line
        assert WEBHOOK_SECRET not in line

    def test_httpx_and_error_lines_are_redacted(self) -> None:
        line = f'HTTP Request: POST http://rs.example{URL}/{WEBHOOK_SECRET} "HTTP/1.1 200 OK"'
        assert (
            redact(line)
            == f'HTTP Request: POST http://rs.example{URL}/[redacted] "HTTP/1.1 200 OK"'
        )
        assert WEBHOOK_SECRET not in redact(f"web.unhandled_error path={URL}/{WEBHOOK_SECRET}")
