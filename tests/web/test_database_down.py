"""While the database is unavailable: 503 + Retry-After on the API and the admin pages, a
readiness check that says so, and a warning per request instead of a traceback."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.tokens.service import token_service
from ravensearch.web.app import create_app
from tests.fixtures.admin import AdminClient, UserFactory


@pytest.fixture
async def token(runtime: Runtime) -> str:
    async with unit_of_work(runtime.sessionmaker) as session:
        return (await token_service.create(session, name="tests")).plaintext


# aiosqlite's connection thread may report a failed connect after the test's loop closed
# ("Event loop is closed"): a race in the library's failure path, not in ours.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture
async def down(runtime: Runtime, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The same app on a database that cannot be reached: a PostgreSQL port with nothing
    listening, or an SQLite file in a folder that does not exist."""
    if engine.dialect.name == "postgresql":
        unreachable = create_engine("postgresql://postgres@127.0.0.1:1/ravensearch")
    else:
        unreachable = create_engine(f"sqlite:///{tmp_path}/gone/ravensearch.db")
    yield dataclasses.replace(
        runtime, engine=unreachable, sessionmaker=create_sessionmaker(unreachable)
    )
    await unreachable.dispose()


def client_of(runtime: Runtime, **headers: str) -> httpx.AsyncClient:
    app = create_app(runtime=runtime, background=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


class TestApi:
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("GET", "/api/targets"),
            ("GET", "/api/campaigns"),
            ("GET", "/api/notifications"),
            ("POST", "/api/targets"),
        ],
    )
    async def test_503_with_retry_after(
        self,
        down: Runtime,
        token: str,
        caplog: pytest.LogCaptureFixture,
        method: str,
        url: str,
    ) -> None:
        async with client_of(down, Authorization=f"Bearer {token}") as http:
            response = await http.request(method, url, json={"businessName": "Cool Air"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"] == "database_unavailable"
        assert "database" in response.json()["detail"]
        assert "web.database_unavailable" in caplog.text
        assert "web.unhandled_error" not in caplog.text
        assert not [r for r in caplog.records if r.exc_info]


class TestAdmin:
    @pytest.mark.parametrize("url", ["/outreach/targets", "/outreach/campaigns", "/login"])
    async def test_readable_503(self, down: Runtime, url: str) -> None:
        async with client_of(down) as http:
            response = await http.get(url)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert "The database is not answering" in response.text
        assert "Traceback" not in response.text

    async def test_page_for_a_signed_in_user(
        self, runtime: Runtime, down: Runtime, make_user: UserFactory
    ) -> None:
        # With the session key in the settings, the error page itself needs no database.
        settings = runtime.settings.model_copy(update={"SECRET_KEY": SecretStr("k" * 32)})
        user = await make_user()
        up = create_app(runtime=dataclasses.replace(runtime, settings=settings), background=False)
        async with AdminClient(up) as admin:
            assert (await admin.login(user.email)).status_code == 303
            cookies = admin.cookies
        async with client_of(dataclasses.replace(down, settings=settings)) as http:
            http.cookies = cookies
            response = await http.get("/outreach/targets")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert "text/html" in response.headers["content-type"]
        assert "Back in a moment" in response.text
        assert "The database is not answering" in response.text


class TestHealth:
    async def test_ready_when_the_database_answers(self, runtime: Runtime) -> None:
        async with client_of(runtime) as http:
            response = await http.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    async def test_not_ready_while_it_does_not(
        self, down: Runtime, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING)
        async with client_of(down) as http:
            health = await http.get("/healthz")
            live = await http.get("/livez")
        assert health.status_code == 503
        assert health.headers["retry-after"] == "5"
        assert health.json()["database"] == "unavailable"
        assert live.status_code == 200
        assert not [r for r in caplog.records if r.exc_info]
