"""Property-based run over `/openapi.json` (schemathesis): whatever a client sends, every
operation answers without a 5xx. A real uvicorn in this process, on PostgreSQL, with a
token; a bounded number of examples per operation keeps it well under a minute."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from ravensearch.config import Settings
from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.session import unit_of_work
from ravensearch.tokens.service import token_service
from ravensearch.web.app import create_app
from tests.fixtures.database import _truncate_all

# Fuzzing examples per operation (the examples and coverage phases add their own); raise it
# locally with RAVENSEARCH_SCHEMATHESIS_EXAMPLES for a deeper run.
MAX_EXAMPLES = int(os.environ.get("RAVENSEARCH_SCHEMATHESIS_EXAMPLES", "25"))


@dataclass
class LiveApi:
    base_url: str
    token: str


async def _issue_token(url: str) -> str:
    engine = create_engine(url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return (await token_service.create(session, name="schemathesis")).plaintext
    finally:
        await engine.dispose()


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        await _truncate_all(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def live_api(postgres_url: str) -> Iterator[LiveApi]:
    config = Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=postgres_url, ENV="testing", MOCK=True
    )
    app = create_app(config, background=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn exited while starting"
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", asyncio.run(_issue_token(postgres_url)))
    finally:
        server.should_exit = True
        thread.join(15)
        asyncio.run(_truncate(postgres_url))


# The schema the app serves at /openapi.json (building it needs no database): one test
# per operation.
schema = schemathesis.openapi.from_dict(create_app(background=False).openapi())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_5xx(case: Any, live_api: LiveApi) -> None:
    case.call_and_validate(
        base_url=live_api.base_url,
        headers={"Authorization": f"Bearer {live_api.token}"},
        checks=[not_a_server_error],
        timeout=30,
    )
