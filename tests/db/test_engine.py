"""Connection pools sized by one setting, and a request that cannot get a connection
answers 503 with Retry-After instead of a 500."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from ravensearch.config import Settings
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime, build_runtime
from ravensearch.tokens.service import token_service
from ravensearch.web.app import create_app


async def test_the_setting_sizes_every_process_pool(db_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=db_url, RAVENSEARCH_DB_POOL_SIZE=4, MOCK=True
    )
    runtime = await build_runtime(settings, migrate_db=False)
    try:
        pool = runtime.engine.pool
        assert pool.size() == 4  # type: ignore[attr-defined]
        assert pool._max_overflow == 2  # type: ignore[attr-defined]
    finally:
        await runtime.aclose()


async def test_no_free_connection_answers_503_with_retry_after(
    runtime: Runtime, db_url: str
) -> None:
    tight = create_engine(db_url, pool_size=1, pool_timeout=0.2)
    sessionmaker = create_sessionmaker(tight)
    async with unit_of_work(sessionmaker) as session:
        issued = await token_service.create(session, name="tests")
    app = create_app(
        runtime=dataclasses.replace(runtime, engine=tight, sessionmaker=sessionmaker),
        background=False,
    )
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as http,
            tight.connect(),  # the pool's only connection, held by someone else
        ):
            response = await http.get("/api/jobs")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["error"] == "database_unavailable"
        assert "RAVENSEARCH_DB_POOL_SIZE" in response.json()["detail"]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as http:
            assert (await http.get("/api/jobs")).status_code == 200  # free again
    finally:
        await tight.dispose()


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_pool_size_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAVENSEARCH_DB_POOL_SIZE", value)
    with pytest.raises(ValueError, match="DB_POOL_SIZE"):
        Settings(_env_file=None)  # type: ignore[call-arg]
